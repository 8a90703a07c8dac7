"""backup_server_restores: the provider's restore of a whole server to one generation

Revision ID: 0029
Revises: 0025
Create Date: 2026-12-05 22:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backup_server_restores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('failure', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_backup_server_restores_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['backup_runs.id'], name=op.f('fk_backup_server_restores_run_id_backup_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_backup_server_restores_server_id_servers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backup_server_restores'))
    )
    with op.batch_alter_table('backup_server_restores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_backup_server_restores_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_backup_server_restores_server_id'), ['server_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('backup_server_restores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_backup_server_restores_server_id'))
        batch_op.drop_index(batch_op.f('ix_backup_server_restores_run_id'))
    op.drop_table('backup_server_restores')
