"""The demo is seeded only into an empty installation: `make run` (run-all) and `seed-demo` leave a
database that holds data alone, so a withdrawn server assignment or a deleted demo login (with its
published password) never comes back."""
from __future__ import annotations

from sqlalchemy import func, select

from tenants.models import Principal, Reseller, ServerAssignment
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
