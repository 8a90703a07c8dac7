"""sftp_accounts: a customer's SFTP/SSH logins (issue 16 item 4); courses.shell_allowed

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-05 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('courses') as batch:
        batch.add_column(sa.Column('shell_allowed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'sftp_accounts',
        sa.Column('reseller_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('password_hash', sa.Text(), nullable=True),
        sa.Column('public_keys', sa.Text(), nullable=False),
        sa.Column('shell', sa.Boolean(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('state_reason', sa.Text(), nullable=True),
        sa.Column('state_detail', sa.Text(), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.Column('deleting', sa.Boolean(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sftp_accounts_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], name=op.f('fk_sftp_accounts_reseller_id_resellers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sftp_accounts')),
        sa.UniqueConstraint('name', name=op.f('uq_sftp_accounts_name')),
    )
    op.create_index(op.f('ix_sftp_accounts_customer_id'), 'sftp_accounts', ['customer_id'])
    op.create_index(op.f('ix_sftp_accounts_reseller_id'), 'sftp_accounts', ['reseller_id'])
    op.create_index(op.f('ix_sftp_accounts_state'), 'sftp_accounts', ['state'])


def downgrade() -> None:
    op.drop_table('sftp_accounts')
    with op.batch_alter_table('courses') as batch:
        batch.drop_column('shell_allowed')
