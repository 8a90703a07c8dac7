"""maintenance_windows.server_id may be empty: an update of the control panel, announced to every reseller

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-05 01:05:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('maintenance_windows') as batch:
        batch.alter_column('server_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM maintenance_windows WHERE server_id IS NULL")
    with op.batch_alter_table('maintenance_windows') as batch:
        batch.alter_column('server_id', existing_type=sa.Integer(), nullable=False)
