"""php_and_system_users: one system user per customer and server, PHP per site and per course

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-05 23:45:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'system_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('uid', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['server_id'], ['servers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('server_id', 'customer_id'),
        sa.UniqueConstraint('server_id', 'uid'),
    )
    op.create_index('ix_system_accounts_server_id', 'system_accounts', ['server_id'])
    with op.batch_alter_table('courses') as batch:
        batch.add_column(sa.Column('php_allowed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('php_memory_limit_mb', sa.Integer(), server_default='256', nullable=False))
    with op.batch_alter_table('domains') as batch:
        batch.add_column(sa.Column('php_version', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('php_memory_mb', sa.Integer(), nullable=True))
    with op.batch_alter_table('servers') as batch:
        batch.add_column(sa.Column('php_versions', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('servers') as batch:
        batch.drop_column('php_versions')
    with op.batch_alter_table('domains') as batch:
        batch.drop_column('php_memory_mb')
        batch.drop_column('php_version')
    with op.batch_alter_table('courses') as batch:
        batch.drop_column('php_memory_limit_mb')
        batch.drop_column('php_allowed')
    op.drop_index('ix_system_accounts_server_id', table_name='system_accounts')
    op.drop_table('system_accounts')
