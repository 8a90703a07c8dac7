"""domain certificates (ACME or own), ACME accounts, per-domain HTTP to HTTPS redirect

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-05 00:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('domains') as batch:
        batch.add_column(sa.Column('https_redirect', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reseller_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('cert_pem', sa.Text(), nullable=True),
        sa.Column('key_secret', sa.Text(), nullable=True),
        sa.Column('issuer', sa.String(length=400), nullable=True),
        sa.Column('names', sa.Text(), nullable=False),
        sa.Column('not_after', sa.DateTime(), nullable=True),
        sa.Column('issued_at', sa.DateTime(), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_error_detail', sa.Text(), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('domain_id'),
    )
    op.create_index('ix_certificates_customer_id', 'certificates', ['customer_id'])
    op.create_index('ix_certificates_reseller_id', 'certificates', ['reseller_id'])
    op.create_index('ix_certificates_not_after', 'certificates', ['not_after'])
    op.create_table(
        'acme_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('directory_url', sa.String(length=500), nullable=False),
        sa.Column('key_secret', sa.Text(), nullable=False),
        sa.Column('account_url', sa.String(length=500), nullable=True),
        sa.Column('contact', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('directory_url'),
    )


def downgrade() -> None:
    op.drop_table('acme_accounts')
    op.drop_index('ix_certificates_not_after', table_name='certificates')
    op.drop_index('ix_certificates_reseller_id', table_name='certificates')
    op.drop_index('ix_certificates_customer_id', table_name='certificates')
    op.drop_table('certificates')
    with op.batch_alter_table('domains') as batch:
        batch.drop_column('https_redirect')
