"""Shared set-up of the hosting tests: the demo server gets real local-driver settings in a
temporary folder, and provisioning jobs run on a real RQ worker against the real Redis."""
from __future__ import annotations

import os

import pytest
from rq import SimpleWorker

from tenants.tenancy import Scope
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import need_tool

MARIADB = {"host": os.environ.get("TEST_MARIADB_HOST", "127.0.0.1"),
           "port": int(os.environ.get("TEST_MARIADB_PORT", 3306)),
           "user": os.environ.get("TEST_MARIADB_USER", "root"), "password": os.environ.get("TEST_MARIADB_PASSWORD", "")}
POSTGRES = {"host": os.environ.get("TEST_PG_HOST", "127.0.0.1"), "port": int(os.environ.get("TEST_PG_PORT", 5432)),
            "user": os.environ.get("TEST_PG_USER", "postgres"), "password": os.environ.get("TEST_PG_PASSWORD", "")}


# Customers' system users the tests make on this machine: a prefix and a uid range of their own per
# test database, so test runs side by side never meet; remove_system_users() deletes them afterwards.
TEST_DB = int(os.environ.get("PANEL_TEST_REDIS_DB", "0") or 0)
USER_PREFIX = f"pt{TEST_DB}u"
PHP_SOCKETS = f"/tmp/panel-php-{TEST_DB}"  # tmp_path is too long for a unix socket's path (107 bytes)
UID_MIN = 100000 + TEST_DB * 20000  # a range of 20000 (benchmarks make thousands of customers)


def driver_config(base) -> dict:
    return {"config_dir": str(base / "cfg"), "homes_root": str(base / "homes"),
            "db_admin": {"mariadb": MARIADB, "postgresql": POSTGRES},
            "nameservers": ["ns1.example.net", "ns2.example.net"],
            "system_user_prefix": USER_PREFIX, "uid_min": UID_MIN, "uid_max": UID_MIN + 9999,
            "php_socket_dir": PHP_SOCKETS}


def remove_system_users(prefix: str = USER_PREFIX) -> None:
    """Delete the system users (and their groups) the tests made with this prefix."""
    import grp
    import pwd
    import subprocess

    for entry in pwd.getpwall():
        if entry.pw_name.startswith(prefix):
            subprocess.run(["userdel", entry.pw_name], check=False, capture_output=True)
    for group in grp.getgrall():
        if group.gr_name.startswith(prefix):
            subprocess.run(["groupdel", group.gr_name], check=False, capture_output=True)


@pytest.fixture
def local_server(app, world, tmp_path):
    """The demo 'localhost' server with the local driver writing below tmp_path."""
    from tenants.models import Server
    from tenants.servers.rules import seal_driver_config
    from workers import queues

    for tool in ("nginx", "postmap", "named-checkzone", "pure-pw"):
        need_tool(tool)
    queues.queue("provisioning").empty()  # jobs other tests enqueued and never ran
    with scoped_session(app, Scope.system()) as s:
        seal_driver_config(app.extensions["panel.box"], s.get(Server, world.server), driver_config(tmp_path))
        s.commit()
    yield tmp_path
    remove_system_users()


def update_server_config(app, server_id: int, **values) -> None:
    """Change some of a server's sealed driver settings, keeping the others."""
    from tenants.models import Server
    from tenants.servers.rules import open_driver_config, seal_driver_config

    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, server_id)
        seal_driver_config(box, server, open_driver_config(box, server) | values)
        s.commit()


def no_day_one_records(app, server_id: int) -> None:
    """New domains on this server start with an empty zone (a template of comments only), for tests
    about the records a user adds (tenants/hosting/zone_template.py gives A/www/MX/SPF otherwise)."""
    from tenants.models import Server

    with scoped_session(app, Scope.system()) as s:
        s.get(Server, server_id).zone_template = "# no records on day one\n"
        s.commit()


def run_jobs(app) -> None:
    """Run every queued provisioning job on a real RQ worker, then stop (burst)."""
    from workers import queues

    with app.app_context():
        SimpleWorker([queues.queue("provisioning")], connection=queues.connection()).work(burst=True)
