"""Three logins, throttling, own-password change ending other sessions, CSRF on every form."""
import pytest
from sqlalchemy import select

from tenants.models import Principal
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.support import login, scoped_session


@pytest.mark.parametrize("panel,login_id,code,home", [
    ("provider", "admin", None, "/admin/"),
    ("reseller", "demo-op", None, "/panel/"),
    ("enduser", "taro", "demo", "/u/demo/home"),
])
def test_each_panel_logs_in_and_out(app, panel, login_id, code, home):
    c = app.test_client()
    r = login(c, panel, login_id, DEMO_PASSWORDS[login_id], code=code)
    assert r.headers["Location"] == home
    page = c.get(home)
    assert page.status_code == 200 and login_id in page.get_data(as_text=True)
    logout = {"provider": "/admin/logout", "reseller": "/panel/logout", "enduser": f"/u/{code}/logout"}[panel]
    assert c.post(logout).status_code == 302
    assert c.get(home).status_code == 302  # back to the login page


def test_wrong_password_is_refused_with_a_message(client):
    r = client.post("/admin/login", data={"login_id": "admin", "password": "wrong-Password-1"})
    assert r.status_code == 200
    assert "ログインIDまたはパスワードが正しくありません" in r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_roles_do_not_cross_panels(app):
    c = app.test_client()
    # an operator's credentials do not open the provider admin, nor an end user's the business panel
    r = c.post("/admin/login", data={"login_id": "demo-op", "password": DEMO_PASSWORDS["demo-op"]})
    assert r.status_code == 200
    login(c, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert c.get("/admin/").status_code == 302
    assert c.get("/u/demo/home").status_code == 302


def test_enduser_login_is_per_reseller(app):
    c = app.test_client()
    r = c.post("/u/acme/", data={"login_id": "taro", "password": DEMO_PASSWORDS["taro"]})
    assert r.status_code == 200  # taro is demo's customer, not acme's
    login(c, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    assert c.get("/u/acme/home").status_code == 302


def test_enduser_login_page_shows_the_resellers_brand_not_the_provider(client, app):
    html = client.get("/u/demo/").get_data(as_text=True)
    assert "デモホスティング" in html
    assert app.config["SETTINGS"].provider_name not in html


def test_ten_failures_lock_the_account_for_a_while(client):
    for _ in range(10):
        client.post("/panel/login", data={"login_id": "demo-op", "password": "Bad-password-1"})
    r = client.post("/panel/login", data={"login_id": "demo-op", "password": DEMO_PASSWORDS["demo-op"]})
    assert r.status_code == 429
    assert "15分" in r.get_data(as_text=True)
    assert client.get("/panel/").status_code == 302


def test_ten_failures_from_one_address_throttle_that_address(app):
    c = app.test_client()
    for i in range(10):
        c.post("/panel/login", data={"login_id": f"nobody{i}", "password": "Bad-password-1"},
               environ_base={"REMOTE_ADDR": "203.0.113.7"})
    r = c.post("/admin/login", data={"login_id": "admin", "password": DEMO_PASSWORDS["admin"]},
               environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert r.status_code == 429
    other = app.test_client()  # another address is not affected
    login(other, "provider", "admin", DEMO_PASSWORDS["admin"])


def test_password_change_ends_other_sessions(app):
    first, second = app.test_client(), app.test_client()
    login(first, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    login(second, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    r = first.post("/u/demo/password", data={"current_password": DEMO_PASSWORDS["taro"],
                                              "new_password": "Brand-New-Pass-9", "confirm_password": "Brand-New-Pass-9"})
    assert r.status_code == 302
    assert first.get("/u/demo/home").status_code == 200      # this session goes on
    assert second.get("/u/demo/home").status_code == 302     # the other one has ended
    fresh = app.test_client()
    login(fresh, "enduser", "taro", "Brand-New-Pass-9", code="demo")


def test_weak_or_mismatched_new_password_is_refused_beside_the_field(app, as_demo_operator):
    r = as_demo_operator.post("/panel/password", data={"current_password": "wrong", "new_password": "short",
                                                       "confirm_password": "different"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "現在のパスワードが正しくありません" in html
    assert "10" in html and "一致しません" in html
    with scoped_session(app, Scope.system()) as s:  # nothing changed
        op = s.scalars(select(Principal).where(Principal.login_id == "demo-op")).one()
    fresh = app.test_client()
    login(fresh, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert op.password_changed_at is None


def test_every_form_needs_a_csrf_token(database_url, redis_url, keys_instance):
    from app import create_app

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "INSTANCE_PATH": str(keys_instance), "TESTING": True})
    c = app.test_client()
    r = c.post("/admin/login", data={"login_id": "admin", "password": DEMO_PASSWORDS["admin"]})
    assert r.status_code == 400
    assert c.get("/admin/").status_code == 302
    page = c.get("/admin/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    app.extensions["panel.engine"].dispose()


@pytest.mark.parametrize("panel,login_id,code,url", [
    ("reseller", "demo-op", None, "/panel/password"),
    ("enduser", "taro", "demo", "/u/demo/password"),
    ("managed", "kanri", None, "/managed/password"),
])
def test_common_or_guessable_new_passwords_are_refused_beside_the_field(app, panel, login_id, code, url):
    c = app.test_client()
    login(c, panel, login_id, DEMO_PASSWORDS[login_id], code=code)
    c.get("/lang/en")
    for weak in ("Password12", "Qwerty123456", "Welcome2026!", f"{login_id[::-1].title()}-2026"):
        r = c.post(url, data={"current_password": DEMO_PASSWORDS[login_id], "new_password": weak,
                              "confirm_password": weak})
        assert r.status_code == 400, weak
        assert "This password is too common or too easy to guess." in r.get_data(as_text=True), weak
    fresh = app.test_client()  # the password has not changed
    login(fresh, panel, login_id, DEMO_PASSWORDS[login_id], code=code)
    r = c.post(url, data={"current_password": DEMO_PASSWORDS[login_id], "new_password": "Kumo-Hare-Sora-73",
                          "confirm_password": "Kumo-Hare-Sora-73"})
    assert r.status_code == 302
    login(app.test_client(), panel, login_id, "Kumo-Hare-Sora-73", code=code)
