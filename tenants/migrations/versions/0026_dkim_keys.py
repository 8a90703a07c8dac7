"""dkim_keys: each domain's DKIM signing keys (mail authentication, issue 17 item 4)

Revision ID: 0026
Revises: 0027
Create Date: 2026-12-05 22:15:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'dkim_keys',
        sa.Column('reseller_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('selector', sa.String(length=63), nullable=False),
        sa.Column('key_secret', sa.Text(), nullable=False),
        sa.Column('public_key', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('in_our_zone', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('retire_at', sa.DateTime(), nullable=True),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('state_reason', sa.Text(), nullable=True),
        sa.Column('state_detail', sa.Text(), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.Column('deleting', sa.Boolean(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('domain_id', 'selector'),
    )
    for column in ('customer_id', 'domain_id', 'reseller_id', 'retire_at', 'state'):
        op.create_index(f'ix_dkim_keys_{column}', 'dkim_keys', [column])


def downgrade() -> None:
    op.drop_table('dkim_keys')
