"""Remediation with real commands: the Monit-like restart budget and the switches (level 2, the power
cycle: test_power_level_two.py)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.models import RemediationAction, RemediationCommand
from tests.incidents.helpers import add_endpoint, incidents, record_cycle, set_server, system, timeline
from tests.servers.process import free_ports
from workers.jobs.incidents.cycle import after_cycle

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
TEN = timedelta(minutes=10)


def run(app, server_id, eid, i, up=False):
    at = T0 + TEN * i
    record_cycle(app, server_id, eid, at, up=up)
    return after_cycle(server_id, at.isoformat(), at.isoformat())


def restarts(app, eid):
    with system(app) as s:
        return s.execute(select(RemediationAction).where(RemediationAction.endpoint_id == eid)
                         .order_by(RemediationAction.cycle)).scalars().all()


def test_three_restarts_within_five_cycles_then_escalate(app, world, tmp_path):
    marker = tmp_path / "restarted"
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1, restart_argv=["touch", str(marker)])
    run(app, world.server, eid, 0, up=True)
    for i in range(1, 6):
        run(app, world.server, eid, i)
        run(app, world.server, eid, i)  # the same cycle handled twice: one restart
    done = restarts(app, eid)
    assert [a.cycle for a in done] == [T0 + TEN * i for i in (1, 2, 3)]
    assert all(a.ok and a.reprobe_up is False for a in done) and marker.exists()
    [incident] = incidents(app, eid)
    assert incident.escalated and [k for k, _ in timeline(app, incident.id)].count("escalated") == 1
    run(app, world.server, eid, 6)  # cycle 1 left the window of 5: one more try
    assert len(restarts(app, eid)) == 4


def test_switches_turn_remediation_off(app, world, tmp_path):
    marker = tmp_path / "restarted"
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1, restart_argv=["touch", str(marker)])
    set_server(app, world.server, auto_remediation=False)
    run(app, world.server, eid, 0, up=True)
    run(app, world.server, eid, 1)
    assert restarts(app, eid) == [] and not marker.exists()
    assert ("remediation_off", None) in timeline(app, incidents(app, eid)[0].id)
    set_server(app, world.server, auto_remediation=True)
    with system(app) as s:
        s.execute(select(RemediationCommand).where(RemediationCommand.endpoint_id == eid)).scalar().enabled = False
        s.commit()
    run(app, world.server, eid, 2)
    assert restarts(app, eid) == [] and not marker.exists()
