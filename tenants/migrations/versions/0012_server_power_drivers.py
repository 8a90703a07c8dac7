"""server power drivers (level 2): one row per server in server_power with its out-of-band power
driver (none, ipmi, command), the IPMI address, port and user, the power-cycle and power-status
commands, and the sealed password; each host "reboot" command moves there as a "command" driver
(a switched-off one as driver "none", its command kept). The downgrade moves command drivers back
to reboot commands; IPMI settings have nowhere to go and are dropped.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00.000000
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

remediation_commands = sa.table(
    'remediation_commands', sa.column('id', sa.Integer), sa.column('server_id', sa.Integer),
    sa.column('endpoint_id', sa.Integer), sa.column('kind', sa.String), sa.column('argv', sa.JSON),
    sa.column('timeout_seconds', sa.Float), sa.column('grace_minutes', sa.Integer),
    sa.column('enabled', sa.Boolean))
server_power = sa.table(
    'server_power', sa.column('server_id', sa.Integer), sa.column('power_driver', sa.String),
    sa.column('ipmi_port', sa.Integer), sa.column('cycle_argv', sa.JSON), sa.column('status_argv', sa.JSON),
    sa.column('timeout_seconds', sa.Float), sa.column('grace_minutes', sa.Integer),
    sa.column('updated_at', sa.DateTime))


def upgrade() -> None:
    op.create_table('server_power',
    sa.Column('server_id', sa.Integer(), nullable=False),
    sa.Column('power_driver', sa.String(length=16), nullable=False),
    sa.Column('ipmi_host', sa.String(length=253), nullable=True),
    sa.Column('ipmi_port', sa.Integer(), nullable=False),
    sa.Column('ipmi_user', sa.String(length=32), nullable=True),
    sa.Column('cycle_argv', sa.JSON(), nullable=False),
    sa.Column('status_argv', sa.JSON(), nullable=False),
    sa.Column('timeout_seconds', sa.Float(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('power_config_secret', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['server_id'], ['servers.id'], name=op.f('fk_server_power_server_id_servers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('server_id', name=op.f('pk_server_power'))
    )
    bind = op.get_bind()
    r = remediation_commands.c
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for row in bind.execute(sa.select(r.server_id, r.argv, r.timeout_seconds, r.grace_minutes, r.enabled)
                            .where(r.kind == 'reboot', r.endpoint_id.is_(None)).order_by(r.id)).all():
        argv = list(row.argv or [])
        bind.execute(server_power.insert().values(
            server_id=row.server_id, power_driver='command' if row.enabled and argv else 'none', ipmi_port=623,
            cycle_argv=argv, status_argv=[], timeout_seconds=row.timeout_seconds or 120.0,
            grace_minutes=row.grace_minutes or 10, updated_at=now))
    bind.execute(remediation_commands.delete().where(r.kind == 'reboot'))


def downgrade() -> None:
    bind = op.get_bind()
    p = server_power.c
    for row in bind.execute(sa.select(p.server_id, p.power_driver, p.cycle_argv, p.timeout_seconds, p.grace_minutes)
                            .order_by(p.server_id)).all():
        argv = list(row.cycle_argv or [])
        if argv and row.power_driver in ('command', 'none'):
            bind.execute(remediation_commands.insert().values(
                server_id=row.server_id, endpoint_id=None, kind='reboot', argv=argv,
                timeout_seconds=row.timeout_seconds, grace_minutes=row.grace_minutes,
                enabled=row.power_driver == 'command'))
    op.drop_table('server_power')
