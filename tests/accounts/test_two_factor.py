"""Two-factor login (TOTP with recovery codes): set up on one's account page, then every login is
password + code; a code is good once, a recovery code once; the provider can require it for all
staff and per reseller; end users may turn it on and off themselves."""
from sqlalchemy import select

from tenants.models import AuditLog, LoginSession, Principal
from tenants.tenancy import Scope
from tests.accounts.helpers import code_of, enrol, password_step, prefix
from tests.conftest import DEMO_PASSWORDS
from tests.support import login, scoped_session


def _principal(app, login_id):
    with scoped_session(app, Scope.system()) as s:
        found = s.scalars(select(Principal).where(Principal.login_id == login_id)).one()
        s.expunge(found)
        return found


def test_an_operator_enrols_and_then_logs_in_with_password_and_code(app, as_demo_operator):
    secret, _codes = enrol(as_demo_operator, "/panel")
    assert "オン" in as_demo_operator.get("/panel/account").get_data(as_text=True)
    as_demo_operator.post("/panel/logout")
    c = app.test_client()
    r = password_step(c, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert r.status_code == 302 and r.headers["Location"] == "/panel/login/code"
    assert c.get("/panel/").status_code == 302  # the password alone opens nothing
    wrong = c.post("/panel/login/code", data={"code": "000000"})
    assert wrong.status_code == 400 and "正しくない" in wrong.get_data(as_text=True)
    ok = c.post("/panel/login/code", data={"code": code_of(secret, 1)})
    assert ok.status_code == 302 and ok.headers["Location"] == "/panel/"
    assert c.get("/panel/").status_code == 200
    stored = _principal(app, "demo-op")
    assert stored.totp_secret and secret not in stored.totp_secret  # sealed at rest


def test_a_code_replayed_within_its_window_and_a_used_recovery_code_are_refused(app, as_demo_operator):
    secret, codes = enrol(as_demo_operator, "/panel")
    code = code_of(secret, 1)
    first = app.test_client()
    password_step(first, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert first.post("/panel/login/code", data={"code": code}).status_code == 302
    replay = app.test_client()  # someone who saw the code over the shoulder, within its 30 s
    password_step(replay, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    r = replay.post("/panel/login/code", data={"code": code})
    assert r.status_code == 400 and replay.get("/panel/").status_code == 302
    lost_phone = app.test_client()
    password_step(lost_phone, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert lost_phone.post("/panel/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert lost_phone.get("/panel/").status_code == 200
    again = app.test_client()
    password_step(again, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert again.post("/panel/login/code", data={"code": codes[3]}).status_code == 400
    assert again.get("/panel/").status_code == 302
    assert "9" in lost_phone.get("/panel/account").get_data(as_text=True)  # 9 recovery codes left
    with scoped_session(app, Scope.system()) as s:
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.actor == "operator:demo-op")))
    assert {"auth.2fa_enrolled", "auth.2fa_failed", "auth.recovery_code_used", "auth.login"} <= actions


def test_the_code_step_is_throttled_like_the_password(app, as_demo_operator):
    secret, _codes = enrol(as_demo_operator, "/panel")
    c = app.test_client()
    password_step(c, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    for _ in range(10):
        c.post("/panel/login/code", data={"code": "123456"})
    r = c.post("/panel/login/code", data={"code": code_of(secret, 1)})
    assert r.status_code == 429 and c.get("/panel/").status_code == 302


def test_staff_must_enrol_when_the_provider_requires_it(app, as_provider):
    assert as_provider.post("/admin/staff/policy", data={"staff_totp_required": "1"}).status_code == 302
    r = as_provider.get("/admin/servers")
    assert r.status_code == 302 and r.headers["Location"] == "/admin/account/two-factor"
    page = as_provider.get("/admin/account/two-factor").get_data(as_text=True)
    assert "必須" in page
    enrol(as_provider, "/admin")
    assert as_provider.get("/admin/servers").status_code == 200
    off = as_provider.post("/admin/account/two-factor/off", data={"password": DEMO_PASSWORDS["admin"]},
                           follow_redirects=True)
    assert "オフにできません" in off.get_data(as_text=True) and _principal(app, "admin").totp_enabled_at


def test_the_provider_requires_it_for_one_resellers_operators(app, as_provider, as_demo_operator, as_acme_operator, world):
    as_provider.post(f"/admin/resellers/{world.acme}/two-factor", data={"require_totp": "1"})
    assert "必須" in as_provider.get(f"/admin/resellers/{world.acme}").get_data(as_text=True)
    r = as_acme_operator.get("/panel/customers")
    assert r.status_code == 302 and r.headers["Location"] == "/panel/account/two-factor"
    assert as_demo_operator.get("/panel/customers").status_code == 200  # another reseller: optional


def test_an_end_user_turns_it_on_and_off(app, as_taro):
    secret, _codes = enrol(as_taro, "/u/demo")
    as_taro.post("/u/demo/logout")
    c = app.test_client()
    r = password_step(c, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    assert r.headers["Location"] == "/u/demo/login/code"
    page = c.get("/u/demo/login/code").get_data(as_text=True)
    assert "デモホスティング" in page and app.config["SETTINGS"].provider_name not in page
    assert c.post("/u/demo/login/code", data={"code": code_of(secret, 1)}).headers["Location"] == "/u/demo/home"
    wrong = c.post("/u/demo/account/two-factor/off", data={"password": "Not-The-Password-1"}, follow_redirects=True)
    assert "パスワードが正しくありません" in wrong.get_data(as_text=True) and _principal(app, "taro").totp_enabled_at
    c.post("/u/demo/account/two-factor/off", data={"password": DEMO_PASSWORDS["taro"]})
    assert _principal(app, "taro").totp_enabled_at is None
    login(app.test_client(), "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")  # the password alone again


def test_an_admin_clears_the_two_factor_login_of_someone_who_lost_everything(app, as_provider, world):
    ops = app.test_client()
    r = as_provider.post("/admin/staff/new", data={"login_id": "kato", "password": "Tsubaki-Garden-58",
                                                   "access": "operator"})
    assert r.status_code == 200
    login(ops, "provider", "kato", "Tsubaki-Garden-58")
    enrol(ops, "/admin")
    kato = _principal(app, "kato")
    assert as_provider.post(f"/admin/staff/{kato.id}/two-factor").status_code == 302
    assert ops.get("/admin/").status_code == 302  # every session of theirs has ended
    login(app.test_client(), "provider", "kato", "Tsubaki-Garden-58")  # password alone, set up again later
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "auth.2fa_reset")) == "auth.2fa_reset"
        assert s.scalar(select(LoginSession.id).where(LoginSession.principal_id == kato.id)) is not None


def test_setting_up_again_keeps_the_old_app_until_the_new_one_is_proven(app, as_demo_operator):
    old, _codes = enrol(as_demo_operator, "/panel")
    as_demo_operator.post("/panel/account/two-factor", data={"start": "1"})
    page = as_demo_operator.get("/panel/account/two-factor").get_data(as_text=True)
    assert old not in page
    c = app.test_client()  # not confirmed yet: the old app still logs in
    password_step(c, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    assert c.post("/panel/login/code", data={"code": code_of(old, 1)}).status_code == 302
    assert prefix("reseller") == "/panel"


def test_a_managed_customer_may_turn_it_on_too(app):
    c = app.test_client()
    login(c, "managed", "kanri", DEMO_PASSWORDS["kanri"])
    secret, _codes = enrol(c, "/managed")
    c.post("/managed/logout")
    r = password_step(app.test_client(), "managed", "kanri", DEMO_PASSWORDS["kanri"])
    assert r.headers["Location"] == "/managed/login/code"
    assert secret and _principal(app, "kanri").totp_enabled_at
