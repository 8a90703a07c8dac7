"""The provider's power settings page (level 2): every bad field comes back beside it with nothing
saved; the BMC password is sealed, never shown again, and a blank one keeps it; only provider
staff reach the page."""
import pytest
from sqlalchemy import select

from tenants.models import AuditLog, ServerPower
from tenants.servers.power import power_password
from tests.incidents.helpers import system

GOOD_IPMI = {"power_driver": "ipmi", "ipmi_host": "10.0.0.5", "ipmi_port": "623", "ipmi_user": "noc",
             "ipmi_password": "Bmc-Secret-77", "timeout_seconds": "120", "grace_minutes": "10"}
GOOD_COMMAND = {"power_driver": "command", "cycle_command": "/usr/bin/virsh reset web01",
                "status_command": "/usr/bin/virsh domstate web01", "timeout_seconds": "60", "grace_minutes": "15"}


def saved(app):
    with system(app) as s:
        rows = s.execute(select(ServerPower)).scalars().all()
        audits = s.execute(select(AuditLog).where(AuditLog.action == "server.power")).scalars().all()
        return rows, len(audits)


@pytest.mark.parametrize("data, field, message", [
    ({**GOOD_IPMI, "power_driver": "telnet"}, "power_driver", "Choose one of the listed values."),
    ({**GOOD_IPMI, "ipmi_port": "99999"}, "ipmi_port", "Enter a port from 1 to 65535."),
    ({**GOOD_IPMI, "ipmi_port": "six"}, "ipmi_port", "Enter a port from 1 to 65535."),
    ({**GOOD_IPMI, "ipmi_host": "bmc web01"}, "ipmi_host", "Enter the address of the server&#39;s BMC"),
    ({**GOOD_IPMI, "ipmi_user": ""}, "ipmi_user", "Enter the BMC user name (at most 16 characters)."),
    ({**GOOD_IPMI, "ipmi_password": ""}, "ipmi_password", "Enter the BMC password."),
    ({**GOOD_IPMI, "ipmi_password": "x" * 21}, "ipmi_password", "IPMI passwords are at most 20 characters."),
    ({**GOOD_IPMI, "timeout_seconds": "0"}, "timeout_seconds", "Enter seconds from 1 to 3600."),
    ({**GOOD_COMMAND, "cycle_command": ""}, "cycle_command", "Enter the command that power-cycles the server."),
    ({**GOOD_COMMAND, "cycle_command": "virsh reset web01"}, "cycle_command", "Give the program with its full path"),
    ({**GOOD_COMMAND, "status_command": "/usr/bin/virsh 'domstate"}, "status_command", "Check the quotes"),
    ({**GOOD_COMMAND, "grace_minutes": "1.5"}, "grace_minutes", "Enter whole minutes from 1 to 240."),
])
def test_bad_power_settings_refused_beside_the_field_nothing_saved(app, world, as_provider, data, field, message):
    as_provider.get("/lang/en")
    response = as_provider.post(f"/admin/servers/{world.server}/power", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    at = page.index(f'name="{field}"')
    assert message in page[at:at + 900], f"no message beside {field}"
    assert saved(app) == ([], 0)


def test_ipmi_password_sealed_write_only_and_kept_when_blank(app, world, as_provider):
    url = f"/admin/servers/{world.server}/power"
    as_provider.get("/lang/en")
    assert as_provider.post(url, data=GOOD_IPMI).status_code == 302
    [row], audits = saved(app)
    assert row.power_driver == "ipmi" and row.ipmi_host == "10.0.0.5" and row.ipmi_user == "noc"
    assert "Bmc-Secret-77" not in (row.power_config_secret or "") and audits == 1
    page = as_provider.get(url).get_data(as_text=True)
    assert "Bmc-Secret-77" not in page and 'id="password-stored"' in page and 'value="10.0.0.5"' in page
    assert as_provider.post(url, data={**GOOD_IPMI, "ipmi_password": "", "ipmi_user": "noc2"}).status_code == 302
    with system(app) as s:
        row = s.get(ServerPower, world.server)
        assert row.ipmi_user == "noc2" and power_password(app.extensions["panel.box"], row) == "Bmc-Secret-77"
    with system(app) as s:
        log = " ".join(a.summary for a in s.execute(select(AuditLog)).scalars())
    assert "Bmc-Secret-77" not in log
    # a bad change later leaves the stored settings as they were
    assert as_provider.post(url, data={**GOOD_IPMI, "ipmi_port": "0"}).status_code == 400
    with system(app) as s:
        assert s.get(ServerPower, world.server).ipmi_port == 623


def test_command_driver_saved_as_argument_lists_and_shown(app, world, as_provider):
    url = f"/admin/servers/{world.server}/power"
    assert as_provider.post(url, data=GOOD_COMMAND).status_code == 302
    with system(app) as s:
        row = s.get(ServerPower, world.server)
        assert row.cycle_argv == ["/usr/bin/virsh", "reset", "web01"] and row.grace_minutes == 15
    as_provider.get("/lang/en")
    assert "/usr/bin/virsh reset web01" in as_provider.get(f"/admin/servers/{world.server}/remediation").get_data(
        as_text=True)
    assert as_provider.post(url, data={"power_driver": "none"}).status_code == 302
    with system(app) as s:
        row = s.get(ServerPower, world.server)
        assert row.power_driver == "none" and row.cycle_argv == ["/usr/bin/virsh", "reset", "web01"]
    assert "None (level 2 not available)" in as_provider.get(url).get_data(as_text=True)


def test_only_provider_staff_reach_the_power_settings(app, world, as_demo_operator, client):
    url = f"/admin/servers/{world.server}/power"
    for c in (as_demo_operator, client):
        response = c.post(url, data=GOOD_COMMAND)
        assert response.status_code in (302, 403, 404) and "/admin/login" in response.headers.get("Location", "/admin/login")
    assert saved(app) == ([], 0)
