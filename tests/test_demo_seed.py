"""The demo is seeded only into an empty installation: `make run` (run-all) and `seed-demo` leave a
database that holds data alone, so a withdrawn server assignment or a deleted demo login (with its
published password) never comes back. Its `localhost` server is monitored on what this machine
really serves (the panel's own port, and ping, MariaDB and PostgreSQL when they answer)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import func, select

from tenants.models import MonitoredEndpoint, Principal, Reseller, Server, ServerAssignment
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.support import login, scoped_session


def counts(app) -> dict:
    with scoped_session(app, Scope.system()) as s:
        return {"resellers": s.scalar(select(func.count()).select_from(Reseller)),
                "principals": s.scalar(select(func.count()).select_from(Principal)),
                "assignments": s.scalar(select(func.count()).select_from(ServerAssignment))}


def test_start_up_leaves_a_database_that_holds_data_alone(app, world, as_provider):
    # the provider withdraws the demo server from acme; the acme operator's login is removed
    data = {"hostname": "localhost", "address": "127.0.0.1", "role": "all-in-one", "kind": "oem", "driver": "local",
            "monitor_interval_minutes": "10", "auto_remediation": "y", "status": "active", "notes": "",
            "resellers": [str(world.demo)]}
    assert as_provider.post(f"/admin/servers/{world.server}/edit", data=data).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        s.delete(s.execute(select(Principal).where(Principal.login_id == "acme-op")).scalar_one())
        s.commit()
    before = counts(app)

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "already holds data" in result.output
    assert "Demo-Admin-2026" not in result.output
    from workers.cli import seed_on_first_start  # what `make run` (run-all) does first

    said = []
    with app.app_context():
        assert seed_on_first_start(said.append) is False
    assert len(said) == 1 and "not seeded" in said[0]

    assert counts(app) == before
    with scoped_session(app, Scope.system()) as s:
        assert s.execute(select(ServerAssignment).where(ServerAssignment.reseller_id == world.acme)).first() is None
        assert s.execute(select(Principal).where(Principal.login_id == "acme-op")).first() is None
    r = app.test_client().post("/panel/login", data={"login_id": "acme-op", "password": DEMO_PASSWORDS["acme-op"]})
    assert r.status_code != 302  # the published demo password does not open anything again


def test_an_empty_database_gets_the_demo_at_start_up_once(empty_app):
    from workers.cli import seed_on_first_start

    said = []
    with empty_app.app_context():
        assert seed_on_first_start(said.append) is True
    assert any("Demo-Admin-2026" in line for line in said)
    assert counts(empty_app)["resellers"] == 2
    login(empty_app.test_client(), "provider", "admin", DEMO_PASSWORDS["admin"])
    login(empty_app.test_client(), "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    seeded = counts(empty_app)
    with empty_app.app_context():
        assert seed_on_first_start(said.append) is False  # the next start leaves it alone
    assert counts(empty_app) == seeded


def test_the_seed_demo_command_seeds_an_empty_database_and_then_refuses(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "Demo-Admin-2026" in first.output
    login(empty_app.test_client(), "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "already holds data" in again.output
    assert counts(empty_app)["resellers"] == 2


@contextmanager
def serving(app):
    """The app served over real HTTP on a free loopback port, as `make run` serves it."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(5)


def monitored(app) -> dict[str, MonitoredEndpoint]:
    with scoped_session(app, Scope.system()) as s:
        rows = s.execute(select(MonitoredEndpoint).join(Server).where(Server.hostname == "localhost")).scalars().all()
        s.expunge_all()
    return {e.label: e for e in rows}


def test_the_demo_server_is_monitored_on_what_this_machine_serves_and_a_cycle_marks_it_up(
        empty_app, mariadb_server, postgres_server):
    from workers.cli import seed_on_first_start
    from workers.jobs.monitoring.checks import check_server

    with serving(empty_app) as port:
        said = []
        with empty_app.app_context():
            assert seed_on_first_start(said.append, "127.0.0.1", port) is True
        assert any(f"monitored on http:{port} (this panel), icmp, mysql:3306, postgresql:5432" in line
                   for line in said), said
        endpoints = monitored(empty_app)
        assert set(endpoints) == {f"http:{port}", "icmp", "mysql:3306", "postgresql:5432"}
        assert endpoints[f"http:{port}"].path == "/healthz" and endpoints[f"http:{port}"].keyword == "ok"

        admin = empty_app.test_client()
        login(admin, "provider", "admin", DEMO_PASSWORDS["admin"])
        before = admin.get("/admin/monitoring").get_data(as_text=True)
        assert "監視対象はまだありません" not in before and f"http:{port}" in before

        server_id = endpoints["icmp"].server_id
        now = datetime.now(timezone.utc).replace(microsecond=0)
        result = check_server(server_id, now.isoformat())  # the first monitoring cycle
        assert result["recorded"] == 4
    with scoped_session(empty_app, Scope.system()) as s:
        states = {e.label: e.state.state for e in s.execute(select(MonitoredEndpoint)).scalars()}
    assert states == {label: "up" for label in endpoints}
    board = admin.get("/admin/monitoring").get_data(as_text=True)
    assert board.count('class="state-up"') == 4 and 'class="state-down"' not in board


def test_a_service_that_does_not_answer_when_the_demo_is_seeded_is_not_monitored(tmp_path, redis_url, closed_port,
                                                                                monkeypatch):
    from app import create_app
    from workers.cli import migrate_database, seed_on_first_start

    monkeypatch.setenv("PANEL_MARIADB_PORT", str(closed_port.port))  # nothing listens there
    monkeypatch.setenv("PANEL_PG_PORT", str(closed_port.port))
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate_database(url)
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "TESTING": True})
    try:
        with app.app_context():
            assert seed_on_first_start(lambda _line: None, "0.0.0.0", 8080) is True
        endpoints = monitored(app)
        assert set(endpoints) == {"http:8080", "icmp"}  # the panel it is about to serve, and ping
        assert endpoints["http:8080"].host is None  # served on every address: checked on the server's
    finally:
        app.extensions["panel.engine"].dispose()
