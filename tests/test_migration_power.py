"""Migration 0012: the host reboot commands become command power drivers (a switched-off one as
driver "none", its command kept), and go back on the downgrade; restart and login commands stay."""
from alembic import command

from tenants.db import make_engine
from tests.test_migrations import _insert, _rows, empty_db, tables  # noqa: F401 - empty_db is a fixture
from workers.cli import alembic_config

COMMANDS = "server_id endpoint_id kind argv timeout_seconds grace_minutes enabled"


def test_reboot_commands_become_command_power_drivers_and_back(empty_db):  # noqa: F811
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "0011")
    engine = make_engine(empty_db)
    with engine.begin() as conn:
        on = _insert(conn, "servers", hostname="web1.example", address="127.0.0.1")
        off = _insert(conn, "servers", hostname="web2.example", address="127.0.0.2")
        _insert(conn, "servers", hostname="web3.example", address="127.0.0.3")
        endpoint = _insert(conn, "monitored_endpoints", server_id=on, protocol="http")
        rows = [(on, None, "reboot", ["/usr/bin/virsh", "reset", "web1"], 90.0, 15, True),
                (off, None, "reboot", ["/sbin/reboot"], 60.0, 10, False),
                (on, None, "login", ["/usr/bin/ssh", "web1", "true"], 30.0, 10, True),
                (on, endpoint, "restart", ["/usr/sbin/service", "nginx", "restart"], 60.0, 10, True)]
        for server, ep, kind, argv, timeout, grace, enabled in rows:
            _insert(conn, "remediation_commands", server_id=server, endpoint_id=ep, kind=kind, argv=argv,
                    timeout_seconds=timeout, grace_minutes=grace, enabled=enabled)
    engine.dispose()
    before = _rows(empty_db, "remediation_commands", COMMANDS)

    command.upgrade(cfg, "0012")
    assert _rows(empty_db, "server_power", "server_id power_driver cycle_argv timeout_seconds grace_minutes") == [
        (on, "command", ["/usr/bin/virsh", "reset", "web1"], 90.0, 15), (off, "none", ["/sbin/reboot"], 60.0, 10)]
    assert sorted(r[2] for r in _rows(empty_db, "remediation_commands", COMMANDS)) == ["login", "restart"]

    command.downgrade(cfg, "0011")
    assert "server_power" not in tables(empty_db)
    assert _rows(empty_db, "remediation_commands", COMMANDS) == before
