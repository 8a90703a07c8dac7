"""one login per managed customer: the party's index becomes unique

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 03:00:00
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principals_managed_customer_id'))
        batch_op.create_index(batch_op.f('ix_principals_managed_customer_id'), ['managed_customer_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('principals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principals_managed_customer_id'))
        batch_op.create_index(batch_op.f('ix_principals_managed_customer_id'), ['managed_customer_id'], unique=False)
