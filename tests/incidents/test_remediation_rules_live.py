"""Remediation with real commands: the Monit-like restart budget, the switches, level-2 reboot."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.models import MonitoredEndpoint, RemediationAction, RemediationCommand
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


def test_level_two_reboot_when_ping_and_login_fail(app, world, tmp_path):
    flag = tmp_path / "rebooted"
    with system(app) as s:
        icmp = MonitoredEndpoint(server_id=world.server, protocol="icmp", port=None, failure_threshold=1)
        s.add(icmp)
        s.flush()
        s.add_all([RemediationCommand(server_id=world.server, kind="login", argv=["false"], timeout_seconds=5),
                   RemediationCommand(server_id=world.server, kind="reboot", argv=["touch", str(flag)],
                                      timeout_seconds=5, grace_minutes=20)])
        s.commit()
        eid = icmp.id
    run(app, world.server, eid, 0, up=True)
    run(app, world.server, eid, 1)          # ping fails, login fails → reboot
    assert flag.exists()
    [incident] = incidents(app, eid)
    assert incident.kind == "host"
    assert [(k, ok) for k, ok in timeline(app, incident.id) if k in ("login_check", "reboot")] == [
        ("login_check", False), ("reboot", True)]
    run(app, world.server, eid, 2)          # within the grace period: no second reboot
    assert len(_reboots(app)) == 1 and not incidents(app, eid)[0].escalated
    run(app, world.server, eid, 3)          # still down after the grace: escalated, not rebooted again
    assert len(_reboots(app)) == 1 and incidents(app, eid)[0].escalated
    run(app, world.server, eid, 4, up=True)
    assert incidents(app, eid)[0].status == "closed"


def test_no_reboot_while_login_works(app, world, tmp_path):
    flag = tmp_path / "rebooted"
    with system(app) as s:
        icmp = MonitoredEndpoint(server_id=world.server, protocol="icmp", port=None, failure_threshold=1)
        s.add(icmp)
        s.flush()
        s.add_all([RemediationCommand(server_id=world.server, kind="login", argv=["true"]),
                   RemediationCommand(server_id=world.server, kind="reboot", argv=["touch", str(flag)])])
        s.commit()
        eid = icmp.id
    run(app, world.server, eid, 0, up=True)
    run(app, world.server, eid, 1)
    assert not flag.exists() and _reboots(app) == []


def _reboots(app):
    with system(app) as s:
        return s.execute(select(RemediationAction).where(RemediationAction.kind == "reboot")).scalars().all()


def test_endpoint_removed_while_its_restart_runs(app, world, tmp_path):
    """Provider staff remove a service whose restart is under way: the run goes on with the
    server's other restarts, and nothing is recorded for the removed one."""
    from tenants.incidents.follow_up import follow_cycle
    from tenants.models import Principal, Server
    from tenants.monitoring.endpoints import delete_endpoint
    from workers.jobs.incidents.remediation import carry_out

    markers = [tmp_path / "first", tmp_path / "second"]
    gone, kept = (add_endpoint(app, world.server, port, threshold=1, restart_argv=["touch", str(marker)])
                  for port, marker in zip(free_ports(2), markers))
    at = T0 + TEN
    for eid in (gone, kept):
        record_cycle(app, world.server, eid, T0, up=True)
        record_cycle(app, world.server, eid, at, up=False)
    with system(app) as s:
        server = s.get(Server, world.server)
        steps = follow_cycle(s, server, at, at, 10).steps
        s.commit()  # the restarts are claimed, as the cycle job does before it runs them
        assert [step.endpoint_id for step in steps] == [gone, kept]
        with system(app) as staff:
            delete_endpoint(staff, staff.get(Principal, world.principals["admin"]), staff.get(MonitoredEndpoint, gone))
            staff.commit()
        assert carry_out(s, server, steps) == 2
    assert all(marker.exists() for marker in markers)
    assert incidents(app, gone) == []
    [incident] = incidents(app, kept)
    assert ("restart", True) in timeline(app, incident.id) and ("reprobe", False) in timeline(app, incident.id)
