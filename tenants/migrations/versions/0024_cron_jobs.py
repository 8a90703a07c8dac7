"""cron_jobs: a customer's scheduled commands, run as its own user; courses.max_cron_jobs

Revision ID: 0024
Revises: 0017
Create Date: 2026-12-05 01:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('courses') as batch:
        batch.add_column(sa.Column('max_cron_jobs', sa.Integer(), nullable=False, server_default='5'))
    op.create_table(
        'cron_jobs',
        sa.Column('reseller_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('schedule', sa.String(length=100), nullable=False),
        sa.Column('command', sa.Text(), nullable=False),
        sa.Column('output', sa.String(length=8), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('state_reason', sa.Text(), nullable=True),
        sa.Column('state_detail', sa.Text(), nullable=True),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        sa.Column('deleting', sa.Boolean(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reseller_id'], ['resellers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_cron_jobs_customer_id', 'cron_jobs', ['customer_id'])
    op.create_index('ix_cron_jobs_reseller_id', 'cron_jobs', ['reseller_id'])
    op.create_index('ix_cron_jobs_state', 'cron_jobs', ['state'])


def downgrade() -> None:
    op.drop_table('cron_jobs')
    with op.batch_alter_table('courses') as batch:
        batch.drop_column('max_cron_jobs')
