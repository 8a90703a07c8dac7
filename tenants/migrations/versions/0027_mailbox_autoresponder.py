"""mail_accounts: the mailbox's autoresponder (on/off, subject, text, first and last day, days between replies)

Revision ID: 0027
Revises: 0029
Create Date: 2026-12-05 22:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mail_accounts') as batch:
        batch.add_column(sa.Column('autoreply_on', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('autoreply_subject', sa.String(length=200), server_default='', nullable=False))
        batch.add_column(sa.Column('autoreply_body', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('autoreply_start', sa.Date(), nullable=True))
        batch.add_column(sa.Column('autoreply_end', sa.Date(), nullable=True))
        batch.add_column(sa.Column('autoreply_days', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('mail_accounts') as batch:
        for column in ('autoreply_days', 'autoreply_end', 'autoreply_start', 'autoreply_body', 'autoreply_subject',
                       'autoreply_on'):
            batch.drop_column(column)
