"""Login sessions live on the server: logout ends them for good, stopping a login, customer or
reseller ends them at once (whichever path stops it), and they end when idle or too old."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tenants.db import utcnow
from tenants.models import Customer, Domain, LoginSession, Principal
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.reseller.test_api import _api, _token
from tests.support import login, scoped_session

PANELS = [  # (panel, login ID, reseller code, a page of the panel, its logout)
    ("provider", "admin", None, "/admin/", "/admin/logout"),
    ("reseller", "demo-op", None, "/panel/", "/panel/logout"),
    ("enduser", "taro", "demo", "/u/demo/home", "/u/demo/logout"),
    ("managed", "kanri", None, "/managed/contracts", "/managed/logout"),
]
OTHERS = [("reseller", "acme-op", None, "/panel/", "/panel/logout")]


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _logged_in(app, login_id: str):
    panel, _id, code, page, _out = next(p for p in PANELS + OTHERS if p[1] == login_id)
    client = app.test_client()
    login(client, panel, login_id, DEMO_PASSWORDS[login_id], code=code)
    assert client.get(page).status_code == 200
    return client, page


@pytest.mark.parametrize("panel,login_id,code,page,logout", PANELS)
def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, panel, login_id, code, page, logout):
    client = app.test_client()
    login(client, panel, login_id, DEMO_PASSWORDS[login_id], code=code)
    stolen = _cookie(client)
    assert _with_cookie(app, stolen).get(page).status_code == 200  # the copy works while logged in
    assert client.post(logout).status_code == 302
    assert _with_cookie(app, stolen).get(page).status_code == 302  # ... and not after the logout


def test_the_cookie_holds_a_random_token_and_the_database_only_its_digest(app):
    client, _page = _logged_in(app, "demo-op")
    with scoped_session(app, Scope.system()) as s:
        digests = list(s.scalars(select(LoginSession.token_digest)))
    cookie = _cookie(client)
    assert len(digests) == 1 and digests[0] not in cookie


def test_suspending_a_reseller_ends_its_operators_and_end_users_sessions_at_once(app, as_provider, world):
    operator, operator_page = _logged_in(app, "demo-op")
    end_user, end_user_page = _logged_in(app, "taro")
    other, other_page = _logged_in(app, "acme-op")
    r = as_provider.post(f"/admin/resellers/{world.demo}/status", data={"status": "suspended"})
    assert r.status_code == 302
    assert operator.get(operator_page).status_code == 302
    assert end_user.get(end_user_page).status_code == 302
    assert other.get(other_page).status_code == 200  # another reseller's operator goes on


def test_suspending_a_customer_turns_its_open_session_read_only_and_the_panel_refuses_changes(app, as_demo_operator,
                                                                                               world):
    end_user, page = _logged_in(app, "taro")
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
    html = end_user.get(page).get_data(as_text=True)  # issue 16: the open session sees it at once
    assert "data-frozen" in html
    again = app.test_client()  # a suspended customer may look, but not change anything
    login(again, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    r = again.post("/u/demo/domains", data={"name": "frozen-shop.example.jp"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "停止" in html and "support@demo.example.jp" in html
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(Domain.id).where(Domain.name == "frozen-shop.example.jp")) is None


def test_a_customer_suspended_through_the_api_or_locked_by_a_worker_is_read_only_at_once(app, as_demo_operator,
                                                                                          world):
    end_user, page = _logged_in(app, "taro")
    api = _api(app, _token(as_demo_operator))
    assert api.post(f"/api/customers/{world.demo_customer}/suspend").status_code in (200, 204)
    assert "data-frozen" in end_user.get(page).get_data(as_text=True)
    assert api.post(f"/api/customers/{world.demo_customer}/resume").status_code in (200, 204)
    end_user, page = _logged_in(app, "taro")
    with scoped_session(app, Scope.system()) as s:  # a worker (mass-mail lock, overuse): the same rule
        customer = s.get(Customer, world.demo_customer)
        customer.status = "locked"
        s.commit()
    assert "data-frozen" in end_user.get(page).get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:  # cancelled: no more logins, the session ends
        s.get(Customer, world.demo_customer).status = "cancelled"
        s.commit()
    assert end_user.get(page).status_code == 302


def test_a_disabled_login_ends_its_sessions(app):
    operator, page = _logged_in(app, "demo-op")
    with scoped_session(app, Scope.system()) as s:
        s.scalars(select(Principal).where(Principal.login_id == "demo-op")).one().active = False
        s.commit()
    assert operator.get(page).status_code == 302


@pytest.mark.parametrize("column,age", [("last_seen_at", timedelta(hours=2, minutes=1)),
                                        ("created_at", timedelta(hours=12, minutes=1))])
def test_an_idle_or_old_session_ends(app, column, age):
    client, page = _logged_in(app, "demo-op")
    with scoped_session(app, Scope.system()) as s:
        s.execute(update(LoginSession).values({column: utcnow() - age}))
        s.commit()
    assert client.get(page).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(LoginSession.id)) is None  # and its row is gone


def test_a_busy_session_is_kept_and_its_last_use_recorded(app):
    client, page = _logged_in(app, "demo-op")
    with scoped_session(app, Scope.system()) as s:
        s.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(hours=1, minutes=50)))
        s.commit()
    assert client.get(page).status_code == 200
    with scoped_session(app, Scope.system()) as s:
        assert utcnow() - s.scalar(select(LoginSession.last_seen_at)) < timedelta(minutes=1)


def test_the_daily_chore_removes_ended_sessions_and_keeps_live_ones(app):
    from workers.jobs.housekeeping import prune_login_attempts

    _logged_in(app, "demo-op")
    live, page = _logged_in(app, "acme-op")
    with scoped_session(app, Scope.system()) as s:
        demo_op = s.scalars(select(Principal.id).where(Principal.login_id == "demo-op")).one()
        s.execute(update(LoginSession).where(LoginSession.principal_id == demo_op)
                  .values(last_seen_at=utcnow() - timedelta(hours=3)))
        s.commit()
    prune_login_attempts()
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(LoginSession.principal_id)) != demo_op
        assert len(s.scalars(select(LoginSession.id)).all()) == 1
    assert live.get(page).status_code == 200
