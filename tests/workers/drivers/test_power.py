"""The power drivers for real: pyghmi against Debian's ipmi_sim (a BMC on a loopback UDP port whose
chassis control writes every power change into a marker file), and the command driver running real
programs. Settings go in through the domain (sealed password), drivers come out of power_for(server)."""
from __future__ import annotations

from tenants.crypto import SecretBox
from tenants.models import Server, ServerPower
from tenants.servers.power import save_power
from tests.incidents.helpers import system
from tests.servers.ipmi_sim import free_udp_port
from workers.drivers.power import power_for


def box(app) -> SecretBox:
    return app.extensions["panel.box"]


def configure(app, server_id: int, **data) -> None:
    base = {"timeout_seconds": "30", "grace_minutes": "10"}
    with system(app) as s:
        save_power(s, None, box(app), s.get(Server, server_id), base | data)
        s.commit()


def ipmi(sim, **override) -> dict:
    return {"power_driver": "ipmi", "ipmi_host": "127.0.0.1", "ipmi_port": str(sim.port), "ipmi_user": sim.user,
            "ipmi_password": sim.password} | override


def driver(app, server_id: int):
    """The driver as a job gets it (the session stays open while it runs)."""
    s = system(app).__enter__()
    return power_for(s.get(Server, server_id), box(app)), s


def test_ipmi_power_cycle_turns_the_bmc_off_and_on(app, world, ipmi_sim):
    configure(app, world.server, **ipmi(ipmi_sim))
    with system(app) as s:
        sealed = s.get(ServerPower, world.server).power_config_secret
        assert sealed and ipmi_sim.password not in sealed  # sealed at rest
    power, s = driver(app, world.server)
    try:
        assert power.name == "ipmi"
        assert power.power_status(20).state == "on"
        result = power.power_cycle(30)
        assert result.ok, result.output
        assert "power was on → off → on" in result.output
        assert ipmi_sim.events() == ["power 0", "power 1"], "the BMC switched the power off and on again"
        assert ipmi_sim.power() == "on" and power.power_status(20).output.endswith("power is on")
    finally:
        s.close()


def test_ipmi_powers_on_a_host_that_is_off(app, world, ipmi_sim):
    (ipmi_sim.directory / "power").write_text("0\n")
    configure(app, world.server, **ipmi(ipmi_sim))
    power, s = driver(app, world.server)
    try:
        result = power.power_cycle(30)
    finally:
        s.close()
    assert result.ok and "power was off → on" in result.output
    assert ipmi_sim.events() == ["power 1"]


def test_ipmi_wrong_password_refused_nothing_switched(app, world, ipmi_sim):
    configure(app, world.server, **ipmi(ipmi_sim, ipmi_password="Wrong-Pass-1"))
    power, s = driver(app, world.server)
    try:
        result = power.power_cycle(30)
    finally:
        s.close()
    assert not result.ok and "password" in result.output.lower() and f"127.0.0.1:{ipmi_sim.port}" in result.output
    assert ipmi_sim.events() == []


def test_ipmi_bmc_not_answering(app, world):
    configure(app, world.server, power_driver="ipmi", ipmi_host="127.0.0.1", ipmi_port=str(free_udp_port()),
              ipmi_user="admin", ipmi_password="Bmc-Pass-2026")
    power, s = driver(app, world.server)
    try:
        result = power.power_cycle(30)
    finally:
        s.close()
    assert not result.ok and "did not answer" in result.output


def test_command_driver_runs_the_program_with_literal_arguments(app, world, tmp_path):
    marker = tmp_path / "cycled; rm -rf $HOME"  # a shell would split this; an argument list does not
    configure(app, world.server, power_driver="command", cycle_command=f"/usr/bin/touch '{marker}'",
              status_command="/bin/echo running")
    power, s = driver(app, world.server)
    try:
        result = power.power_cycle(10)
    finally:
        s.close()
    assert result.ok and marker.exists()
    assert "power status: running" in result.output


def test_command_driver_failure_and_timeout(app, world, tmp_path):
    script = tmp_path / "hv"
    script.write_text("#!/bin/sh\necho \"domain $1 not found\" >&2\nexit 3\n")
    script.chmod(0o755)
    configure(app, world.server, power_driver="command", cycle_command=f"{script} web01")
    power, s = driver(app, world.server)
    try:
        failed = power.power_cycle(10)
    finally:
        s.close()
    assert not failed.ok and "exit status 3" in failed.output and "domain web01 not found" in failed.output
    configure(app, world.server, power_driver="command", cycle_command="/bin/sleep 5")
    power, s = driver(app, world.server)
    try:
        slow = power.power_cycle(1)
    finally:
        s.close()
    assert not slow.ok and "did not finish within 1 s" in slow.output


def test_no_power_driver(app, world):
    power, s = driver(app, world.server)
    try:
        result = power.power_cycle(10)
    finally:
        s.close()
    assert power.name == "none" and not result.ok and "no power driver" in result.output
