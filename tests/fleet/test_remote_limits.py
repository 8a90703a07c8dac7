"""What the SSH transport must do at the edges, on a real remote host: a command that runs past its
timeout is ended on the server too (nothing left running there); a restart that cannot log into a
host which still answers ping leads to level 2, the power cycle through a real IPMI BMC; an apply
that changes one file among many reads digests, not every file, and writes only that file."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tenants.models import RemediationAction, Server
from tenants.tenancy import Scope
from tests.fleet.test_fleet_monitoring import _endpoint_on
from tests.incidents.helpers import incidents, record_cycle, timeline
from tests.incidents.test_power_level_two import ipmi_power
from tests.support import scoped_session, wait_for
from workers.drivers import driver_for
from workers.drivers.errors import CommandTimeout
from workers.drivers.host.files import ConfigTransaction
from workers.drivers.transport.local import LOCAL
from workers.jobs.incidents.cycle import after_cycle

TEN = timedelta(minutes=10)


def _driver(app, server_id):
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, server_id)
        return driver_for(server, app.extensions["panel.box"])


def _running(marker: str) -> bool:
    import subprocess

    return subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0


def test_a_command_past_its_timeout_is_ended_on_the_server(app, world, fleet):
    marker = f"{time.time_ns() % 10**6}.5"  # a sleep no one else runs
    with _driver(app, fleet.server_b) as driver:
        started = time.monotonic()
        with pytest.raises(CommandTimeout):
            driver.host.run(["sleep", marker], 1.0)
        assert time.monotonic() - started < 5
        assert driver.host.run(["true"], 5).returncode == 0  # the connection is still usable
    # our wait ended after 1 s; the server's own timeout ends the command 2 s later at the latest
    assert wait_for(lambda: not _running(f"sleep {marker}"), 15), "the command was left running on host B"


def test_a_restart_that_cannot_log_in_power_cycles_the_host(app, world, fleet, ipmi_sim):
    b = fleet.b
    eid = _endpoint_on(app, fleet.server_b, b.address, 8082, ["true"])
    ipmi_power(app, fleet.server_b, ipmi_sim)
    b.stop_sshd()  # the host answers ping, but no one can log in
    t0 = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
    for i in range(3):  # answering, then two failed cycles: DOWN, and the restart is tried
        at = t0 + TEN * i
        record_cycle(app, fleet.server_b, eid, at, up=i == 0)
        after_cycle(fleet.server_b, at.isoformat(), at.isoformat())
    [incident] = incidents(app, eid)
    lines = timeline(app, incident.id)
    assert ("restart", False) in lines and ("login_check", False) in lines
    assert ("power_cycle", None) in lines and ("power_result", True) in lines
    assert ipmi_sim.events() == ["power 0", "power 1"], "the BMC really switched host B off and on"
    # the next cycle, still unable to log in, does not power-cycle again within the grace period
    at = t0 + TEN * 3
    record_cycle(app, fleet.server_b, eid, at, up=False)
    after_cycle(fleet.server_b, at.isoformat(), at.isoformat())
    assert ipmi_sim.events() == ["power 0", "power 1"]
    with scoped_session(app, Scope.system()) as s:
        powers = s.execute(select(RemediationAction).where(RemediationAction.kind == "power")).scalars().all()
        assert len(powers) == 1 and powers[0].ok


def test_an_apply_reads_digests_and_writes_only_the_changed_file(app, world, fleet):
    folder = fleet.a.root / "digests"
    folder.mkdir()
    texts = {f"site {n}.conf": f"server {{ # {n}\n}}\n" for n in range(200)}
    for name, text in texts.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o644)
    with _driver(app, fleet.server_a) as driver:
        remote = driver.host.digests([str(folder / name) for name in texts] + [str(folder / "missing.conf")])
        local = LOCAL.digests([str(folder / name) for name in texts] + [str(folder / "missing.conf")])
        assert remote == local and remote[str(folder / "missing.conf")] is None
        before = {name: (folder / name).stat().st_mtime_ns for name in texts}
        tx = ConfigTransaction(driver.host)
        for name, text in texts.items():
            tx.write(folder / name, text.replace("# 7\n", "# 7 changed\n"))
        changed = tx.commit()
    assert changed == [folder / "site 7.conf"]
    assert (folder / "site 7.conf").read_text() == "server { # 7 changed\n}\n"
    assert [n for n in texts if (folder / n).stat().st_mtime_ns != before[n]] == ["site 7.conf"]


def test_a_change_refused_for_another_host_key_is_said_in_the_open_incident(app, world, fleet, as_taro):
    from tests.hosting.helpers import run_jobs

    eid = _endpoint_on(app, fleet.server_a, fleet.a.address, 8083, ["true"])
    t0 = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)
    for i in range(3):  # answering, then two failed cycles: an open incident
        at = t0 + TEN * i
        record_cycle(app, fleet.server_a, eid, at, up=i == 0)
        after_cycle(fleet.server_a, at.isoformat(), at.isoformat())
    [incident] = incidents(app, eid)
    with scoped_session(app, Scope.system()) as s:
        s.get(Server, fleet.server_a).host_key = fleet.b.host_key  # someone else answers at A's address
        s.commit()
    assert as_taro.post("/u/demo/domains", data={"name": "keyed.example.jp"}).status_code == 302
    run_jobs(app)
    assert ("host_key", False) in timeline(app, incident.id)
