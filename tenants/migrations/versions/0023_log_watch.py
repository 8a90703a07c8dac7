"""log watch: patterns, per-server suppressions, log cursors, findings; resource_thresholds.log_watch

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 01:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# the patterns a new installation starts with (tenants/monitoring/log_watch.py DEFAULT_PATTERNS, as of this revision)
PATTERNS = {
    "out_of_memory": r"Out of memory|oom-kill|invoked oom-killer",
    "disk_error": r"I/O error|EXT4-fs error|XFS \(.*\): .*error|Buffer I/O error|Medium Error",
    "segfault": r"segfault at|general protection fault",
    "kernel_bug": r"kernel: .*(BUG:|Oops|Call Trace|soft lockup|hung_task)",
    "unit_failed": r"systemd\[1\]: .*(Failed with result|failed with result|Failed to start)",
    "fatal": r"\b(emerg|crit|fatal|FATAL|panic|PANIC)\b",
}


def upgrade() -> None:
    with op.batch_alter_table('resource_thresholds') as batch:
        batch.add_column(sa.Column('log_watch', sa.Boolean(), nullable=False, server_default=sa.false()))
    patterns = op.create_table(
        'log_patterns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('regex', sa.String(length=500), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.bulk_insert(patterns, [{"name": name, "regex": regex, "enabled": True} for name, regex in PATTERNS.items()])
    op.create_table(
        'log_suppressions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server_id', sa.Integer(), nullable=False),
        sa.Column('regex', sa.String(length=500), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['server_id'], ['servers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_log_suppressions_server_id', 'log_suppressions', ['server_id'])
    op.create_table(
        'log_watch_cursors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('state', sa.JSON(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['server_id'], ['servers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('server_id', 'path'),
    )
    op.create_index('ix_log_watch_cursors_server_id', 'log_watch_cursors', ['server_id'])
    op.create_table(
        'log_findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('server_id', sa.Integer(), nullable=False),
        sa.Column('pattern', sa.String(length=40), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('sample', sa.Text(), nullable=False),
        sa.Column('first_seen', sa.DateTime(), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('alerted_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['server_id'], ['servers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('server_id', 'fingerprint'),
    )
    op.create_index('ix_log_findings_server_last', 'log_findings', ['server_id', 'last_seen'])


def downgrade() -> None:
    op.drop_table('log_findings')
    op.drop_table('log_watch_cursors')
    op.drop_table('log_suppressions')
    op.drop_table('log_patterns')
    with op.batch_alter_table('resource_thresholds') as batch:
        batch.drop_column('log_watch')
