"""The fleet fixture: two remote hosts (tests/fleet/hosts.py) registered as the provider registers a
server — an ``ssh`` server row, the panel's own key generated for it (its public line pasted into
the host's authorized_keys with ``from=`` the panel's address), the host key read and pinned, the
connection settings checked and sealed — demo's customer taro placed on host A and acme's
customer hanako on host B."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tenants.models import Customer, Server, ServerAssignment
from tenants.servers.connection import apply_connection, generate_server_key, pin_host_key
from tenants.servers.rules import open_driver_config, register_server, seal_driver_config
from tenants.tenancy import Scope
from tests.fleet.hosts import TwoHosts
from tests.hosting.helpers import UID_MIN, USER_PREFIX, remove_system_users
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import need_tool
from workers.drivers.transport.keys import scan_host_key


@pytest.fixture
def database_url(sqlite_template, tmp_path):
    """The fleet tests exercise the transports, not the database: one backend (SQLite) keeps the
    two-host runs short; every job here runs on PostgreSQL in the hosting tests."""
    import shutil

    path = tmp_path / "panel.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def register(app, host, hostname: str, uid_min: int = UID_MIN) -> int:
    """The hosts share this machine's users: each server its own uid range (removed after the test)."""
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        server = register_server(s, None, {"hostname": hostname, "address": host.address, "role": "all-in-one",
                                           "kind": "oem", "driver": "ssh"})
        public = generate_server_key(s, None, server, box)
        host.authorize(public)
        seen = scan_host_key(host.address, 22)  # what the provider is shown to confirm
        pin_host_key(s, None, server, seen)
        apply_connection(s, None, server, box, {
            "ssh_port": "22", "ssh_user": "root", "config_dir": str(host.root / "cfg"),
            "homes_root": str(host.root / "homes"), "mail_log": str(host.root / "log" / "mail.log"),
            "mariadb_user": "root", "postgresql_user": "postgres"})
        config = open_driver_config(box, server)
        config |= {"nameservers": ["ns1.example.net", "ns2.example.net"], "system_user_prefix": USER_PREFIX,
                   "uid_min": uid_min, "uid_max": uid_min + 4999}
        seal_driver_config(box, server, config)
        s.commit()
        return server.id


def update_config(app, server_id: int, **values) -> None:
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, server_id)
        seal_driver_config(box, server, open_driver_config(box, server) | values)
        s.commit()


@pytest.fixture
def fleet(app, world):
    for tool in ("nginx", "postmap", "named-checkzone", "pure-pw"):
        need_tool(tool)
    from workers import queues

    queues.queue("provisioning").empty()
    with TwoHosts() as hosts:
        a = register(app, hosts["a"], f"a-{hosts.tag}.fleet.example")
        b = register(app, hosts["b"], f"b-{hosts.tag}.fleet.example", UID_MIN + 10000)
        with scoped_session(app, Scope.system()) as s:
            s.add_all([ServerAssignment(server_id=a, reseller_id=world.demo),
                       ServerAssignment(server_id=b, reseller_id=world.acme)])
            s.get(Customer, world.demo_customer).server_id = a
            s.get(Customer, world.acme_customer).server_id = b
            s.commit()
        for host in hosts.hosts.values():
            (host.root / "log").mkdir()
            (host.root / "log" / "mail.log").write_text("")
        try:
            yield SimpleNamespace(hosts=hosts, a=hosts["a"], b=hosts["b"], server_a=a, server_b=b)
        finally:
            remove_system_users()
