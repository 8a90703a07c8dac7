"""maintenance_windows: announced ahead to resellers and end users, reminder, ended notice, recurrence

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-05 00:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('maintenance_windows') as batch:
        batch.add_column(sa.Column('announce_days', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('tell_end_users', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('recurrence', sa.String(length=8), nullable=False, server_default=''))
        batch.add_column(sa.Column('announced_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('ended_notice_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('maintenance_windows') as batch:
        for name in ('ended_notice_at', 'reminded_at', 'announced_at', 'recurrence', 'tell_end_users', 'announce_days'):
            batch.drop_column(name)
