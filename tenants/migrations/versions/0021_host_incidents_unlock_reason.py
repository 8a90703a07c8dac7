"""incident_affected: services down under a host incident; mass_mail_locks.unlock_reason;
reseller_contacts.webhook_url/webhook_secret; outbox_mails.channel

Revision ID: 0021
Revises: 0024
Create Date: 2026-12-05 00:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incident_affected',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('server_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=120), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.Column('recovered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['endpoint_id'], ['monitored_endpoints.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['server_id'], ['servers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('incident_id', 'endpoint_id'),
    )
    op.create_index('ix_incident_affected_incident_id', 'incident_affected', ['incident_id'])
    op.create_index('ix_incident_affected_server_id', 'incident_affected', ['server_id'])
    with op.batch_alter_table('mass_mail_locks') as batch:
        batch.add_column(sa.Column('unlock_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('reseller_contacts') as batch:
        batch.add_column(sa.Column('webhook_url', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('webhook_secret', sa.Text(), nullable=True))
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=8), nullable=False, server_default='email'))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('channel')
    with op.batch_alter_table('reseller_contacts') as batch:
        batch.drop_column('webhook_secret')
        batch.drop_column('webhook_url')
    with op.batch_alter_table('mass_mail_locks') as batch:
        batch.drop_column('unlock_reason')
    op.drop_index('ix_incident_affected_server_id', table_name='incident_affected')
    op.drop_index('ix_incident_affected_incident_id', table_name='incident_affected')
    op.drop_table('incident_affected')
