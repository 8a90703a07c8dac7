"""customer_moves: a customer's move to another server and its progress

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customer_moves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reseller_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('from_server_id', sa.Integer(), nullable=True),
        sa.Column('to_server_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=True),
        sa.Column('done_steps', sa.String(length=200), nullable=False),
        sa.Column('failure', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_server_id'], ['servers.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_server_id'], ['servers.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_customer_moves_customer_id', 'customer_moves', ['customer_id'])
    op.create_index('ix_customer_moves_reseller_id', 'customer_moves', ['reseller_id'])


def downgrade() -> None:
    op.drop_index('ix_customer_moves_reseller_id', table_name='customer_moves')
    op.drop_index('ix_customer_moves_customer_id', table_name='customer_moves')
    op.drop_table('customer_moves')
