"""Failed logins are throttled per source address and per account, and neither lets an attacker lock
out the real owner: a browser that logged in to the account before keeps working, and behind a
trusted proxy every client has its own address counter."""
import pytest

from tests.conftest import DEMO_PASSWORDS

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"


def _fail(client, times: int, address: str | None = None, login_id: str = "admin", path: str = "/admin/login",
          headers=None):
    environ = {"REMOTE_ADDR": address} if address else {}
    for _ in range(times):
        r = client.post(path, data={"login_id": login_id, "password": "Not-the-password-1"},
                        environ_base=environ, headers=headers or {})
        assert r.status_code in (200, 429)


def _admin_login(client, address: str, headers=None):
    return client.post("/admin/login", data={"login_id": "admin", "password": DEMO_PASSWORDS["admin"]},
                       environ_base={"REMOTE_ADDR": address}, headers=headers or {})


def test_guessing_the_admin_password_from_anywhere_does_not_lock_out_the_admins_own_browser(app):
    owner = app.test_client()
    assert _admin_login(owner, OWNER).status_code == 302  # the admin's browser, known from this login
    owner.post("/admin/logout", environ_base={"REMOTE_ADDR": OWNER})
    for n in range(4):  # a guesser on several addresses, 12 failures on the account
        _fail(app.test_client(), 3, f"203.0.113.{10 + n}")
    stranger = app.test_client()  # a browser the account does not know is refused for a while ...
    assert _admin_login(stranger, "192.0.2.44").status_code == 429
    assert _admin_login(owner, OWNER).status_code == 302  # ... the owner's own browser is not
    assert owner.get("/admin/").status_code == 200
    assert _admin_login(app.test_client(), "203.0.113.10").status_code == 429


def test_the_owners_browser_also_works_from_a_new_address(app):
    owner = app.test_client()
    assert _admin_login(owner, OWNER).status_code == 302
    owner.post("/admin/logout")
    _fail(app.test_client(), 11, ATTACKER)
    assert _admin_login(owner, "192.0.2.99").status_code == 302


def test_a_known_browser_that_keeps_failing_is_throttled_like_any_other(app):
    owner = app.test_client()
    assert _admin_login(owner, OWNER).status_code == 302
    owner.post("/admin/logout")
    _fail(app.test_client(), 10, ATTACKER)
    _fail(owner, 5, OWNER)  # the known browser guesses too
    assert _admin_login(owner, OWNER).status_code == 429


def test_a_forged_browser_cookie_gives_no_way_around_the_account_throttle(app):
    _fail(app.test_client(), 10, ATTACKER)
    forger = app.test_client()
    forger.set_cookie("panel_device", "made-up-device-name-000000000000")
    assert _admin_login(forger, "192.0.2.7").status_code == 429


@pytest.fixture
def proxied_app(database_url, redis_url, keys_instance):
    from app import create_app

    application = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                              "INSTANCE_PATH": str(keys_instance), "TESTING": True, "WTF_CSRF_ENABLED": False,
                              "TRUSTED_PROXIES": 1})
    yield application
    application.extensions["panel.engine"].dispose()


def test_behind_a_trusted_proxy_each_client_has_its_own_address_counter(proxied_app):
    # every request comes from the proxy's address; X-Forwarded-For names the client
    _fail(proxied_app.test_client(), 10, "127.0.0.1", login_id="nobody", path="/panel/login",
          headers={"X-Forwarded-For": ATTACKER})
    refused = _admin_login(proxied_app.test_client(), "127.0.0.1", headers={"X-Forwarded-For": ATTACKER})
    assert refused.status_code == 429  # the guesser's own address is throttled ...
    ok = _admin_login(proxied_app.test_client(), "127.0.0.1", headers={"X-Forwarded-For": OWNER})
    assert ok.status_code == 302  # ... every other client behind the same proxy is not


def test_without_a_trusted_proxy_a_forwarded_header_changes_nothing(app):
    for n in range(10):  # a guesser inventing a new X-Forwarded-For each time still has one address
        _fail(app.test_client(), 1, ATTACKER, login_id=f"nobody{n}", path="/panel/login",
              headers={"X-Forwarded-For": f"192.0.2.{n}"})
    r = _admin_login(app.test_client(), ATTACKER, headers={"X-Forwarded-For": "192.0.2.200"})
    assert r.status_code == 429

