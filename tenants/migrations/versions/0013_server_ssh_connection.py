"""servers: how the panel reaches a server over SSH (port, user, its public key, the pinned host key)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ssh_port', sa.Integer(), server_default='22', nullable=False))
        batch_op.add_column(sa.Column('ssh_user', sa.String(length=32), server_default='root', nullable=False))
        batch_op.add_column(sa.Column('ssh_public_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('host_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('host_key_fingerprint', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.drop_column('host_key_fingerprint')
        batch_op.drop_column('host_key')
        batch_op.drop_column('ssh_public_key')
        batch_op.drop_column('ssh_user')
        batch_op.drop_column('ssh_port')
