"""Level 2 end to end (OEM spec 障害レベル2: ログインできない場合 → 基盤再起動): a host that answers no
ping and whose login check fails is power-cycled through its power driver — IPMI against a real
ipmi_sim BMC, or a real command — once per outage, at most twice a day per server; the attempt,
its result and the host's return are lines of the timeline the provider reads."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.models import Incident, MonitoredEndpoint, RemediationAction, RemediationCommand, Server
from tenants.servers.power import save_power
from tests.incidents.helpers import add_contacts, incidents, notices, record_cycle, system, timeline
from workers.jobs.incidents.cycle import after_cycle

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
TEN = timedelta(minutes=10)


def host_endpoint(app, server_id: int, login_argv=("/bin/false",)) -> int:
    with system(app) as s:
        icmp = MonitoredEndpoint(server_id=server_id, protocol="icmp", port=None, failure_threshold=1)
        s.add(icmp)
        s.flush()
        s.add(RemediationCommand(server_id=server_id, kind="login", argv=list(login_argv), timeout_seconds=5))
        s.commit()
        return icmp.id


def set_power(app, server_id: int, **data) -> None:
    with system(app) as s:
        save_power(s, None, app.extensions["panel.box"], s.get(Server, server_id),
                   {"timeout_seconds": "30", "grace_minutes": "20"} | data)
        s.commit()


def ipmi_power(app, server_id, sim) -> None:
    set_power(app, server_id, power_driver="ipmi", ipmi_host="127.0.0.1", ipmi_port=str(sim.port),
              ipmi_user=sim.user, ipmi_password=sim.password)


def run(app, server_id, eid, at, up=False):
    record_cycle(app, server_id, eid, at, up=up)
    return after_cycle(server_id, at.isoformat(), at.isoformat())


def power_actions(app):
    with system(app) as s:
        return s.execute(select(RemediationAction).where(RemediationAction.kind == "power")).scalars().all()


def steps(app, incident_id):
    return [(k, ok) for k, ok in timeline(app, incident_id)
            if k in ("login_check", "power_cycle", "power_result", "host_returned", "escalated", "no_power_driver")]


def test_host_power_cycled_once_through_ipmi_and_its_return_shown(app, world, ipmi_sim, as_provider):
    eid = host_endpoint(app, world.server)
    ipmi_power(app, world.server, ipmi_sim)
    run(app, world.server, eid, T0, up=True)
    result = run(app, world.server, eid, T0 + TEN)        # ping fails, login fails → power cycle
    assert result["actions"] == 1
    assert ipmi_sim.events() == ["power 0", "power 1"], "the BMC really switched the host off and on"
    run(app, world.server, eid, T0 + TEN)                 # the same cycle handled again
    run(app, world.server, eid, T0 + 2 * TEN)             # within the grace period (20 min)
    assert ipmi_sim.events() == ["power 0", "power 1"] and len(power_actions(app)) == 1
    [incident] = incidents(app, eid)
    assert incident.kind == "host" and not incident.escalated
    assert steps(app, incident.id) == [("login_check", False), ("power_cycle", None), ("power_result", True)]
    run(app, world.server, eid, T0 + 3 * TEN, up=True)    # the host answers again
    [incident] = incidents(app, eid)
    assert incident.status == "closed"
    assert steps(app, incident.id)[-1] == ("host_returned", True)
    assert "power_result: the host was power-cycled" in incident.report.action
    assert "host_returned: the host answers again" in incident.report.action
    assert "127.0.0.1" not in incident.report.action and ipmi_sim.user not in incident.report.action

    as_provider.get("/lang/en")
    page = as_provider.get(f"/admin/incidents/{incident.id}").get_data(as_text=True)
    for kind in ("login_check", "power_cycle", "power_result", "host_returned"):
        assert kind in page
    assert f"power cycle through IPMI 127.0.0.1:{ipmi_sim.port} as {ipmi_sim.user}" in page
    assert "power was on → off → on" in page and "the host answers again, 20 min after the power cycle" in page
    assert ipmi_sim.password not in page


def test_host_still_down_after_the_grace_period_escalated_not_cycled_again(app, world, tmp_path):
    marker = tmp_path / "cycled"
    eid = host_endpoint(app, world.server)
    set_power(app, world.server, power_driver="command", cycle_command=f"/usr/bin/touch {marker}")
    run(app, world.server, eid, T0, up=True)
    run(app, world.server, eid, T0 + TEN)
    assert marker.exists()
    marker.unlink()
    run(app, world.server, eid, T0 + 3 * TEN)             # 20 min after the power cycle, still no ping
    [incident] = incidents(app, eid)
    assert incident.escalated and not marker.exists() and len(power_actions(app)) == 1
    assert steps(app, incident.id)[-2:] == [("host_returned", False), ("escalated", False)]
    run(app, world.server, eid, T0 + 6 * TEN)
    assert not marker.exists() and [k for k, _ in timeline(app, incident.id)].count("escalated") == 1


def test_at_most_two_power_cycles_a_day_per_server(app, world, tmp_path):
    script = tmp_path / "hv-reset"
    log = tmp_path / "cycles"
    script.write_text(f"#!/bin/sh\necho \"reset $1\" >> {log}\n")
    script.chmod(0o755)
    eid = host_endpoint(app, world.server)
    set_power(app, world.server, power_driver="command", cycle_command=f"{script} web01")
    start = T0
    for outage in range(3):                              # three outages, three hours apart
        run(app, world.server, eid, start, up=True)
        run(app, world.server, eid, start + TEN)
        run(app, world.server, eid, start + 3 * TEN, up=True)
        start += timedelta(hours=3)
    assert log.read_text().splitlines() == ["reset web01", "reset web01"]
    third = incidents(app, eid)[2]
    assert third.escalated and ("escalated", False) in steps(app, third.id)
    assert ("power_cycle", None) not in steps(app, third.id)


def test_failed_power_cycle_escalates_at_once(app, world, ipmi_sim):
    eid = host_endpoint(app, world.server)
    set_power(app, world.server, power_driver="ipmi", ipmi_host="127.0.0.1", ipmi_port=str(ipmi_sim.port),
              ipmi_user=ipmi_sim.user, ipmi_password="Not-The-Pass-9")
    run(app, world.server, eid, T0, up=True)
    run(app, world.server, eid, T0 + TEN)
    [incident] = incidents(app, eid)
    assert ipmi_sim.events() == [] and incident.escalated
    assert steps(app, incident.id)[-2:] == [("power_result", False), ("escalated", False)]


def test_no_power_driver_said_once_and_the_contacts_notified_as_usual(app, world, mailbox):
    contacts = add_contacts(app, world)
    eid = host_endpoint(app, world.server)
    run(app, world.server, eid, T0, up=True)
    for i in (1, 2, 3):
        run(app, world.server, eid, T0 + TEN * i)
    [incident] = incidents(app, eid)
    assert steps(app, incident.id) == [("no_power_driver", None)]
    with system(app) as s:
        detail = [e.detail for e in s.get(Incident, incident.id).entries if e.kind == "no_power_driver"][0]
    assert "level 2 (power cycle) is not available for this server" in detail
    assert sorted(r for k, r, status, _ in notices(app) if k == "outage" and status == "sent") == sorted(contacts.values())
    assert power_actions(app) == []


def test_no_power_cycle_while_the_login_works(app, world, ipmi_sim):
    eid = host_endpoint(app, world.server, login_argv=("/bin/true",))
    ipmi_power(app, world.server, ipmi_sim)
    run(app, world.server, eid, T0, up=True)
    run(app, world.server, eid, T0 + TEN)
    [incident] = incidents(app, eid)
    assert steps(app, incident.id) == [("login_check", True)]
    assert ipmi_sim.events() == [] and power_actions(app) == []
