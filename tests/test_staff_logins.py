"""Provider staff management (/admin/staff): add a staff login (password generated and shown once,
or typed), disable and enable it (a disabled login cannot log in and its open sessions end at
once), reset its password (shown once; every session of theirs ends); all audited. Nobody disables
their own login or the last active one; bad input changes nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tenants.accounts import staff
from tenants.errors import RuleViolation
from tenants.models import AuditLog, LoginSession, Principal
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.support import login, scoped_session

SUZUKI_PASSWORD = "Kasumi-Teahouse-48"


def principal(app, login_id: str) -> Principal:
    with scoped_session(app, Scope.system()) as s:
        found = s.execute(select(Principal).where(Principal.login_id == login_id)).scalar_one_or_none()
        if found is not None:
            s.expunge(found)
        return found


def sessions_of(app, login_id: str) -> int:
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(LoginSession).join(
            Principal, Principal.id == LoginSession.principal_id).where(Principal.login_id == login_id))


def audit_actions(app, login_id: str) -> list[tuple[str, str]]:
    target = principal(app, login_id)
    with scoped_session(app, Scope.system()) as s:
        return [(a.action, a.actor) for a in s.scalars(select(AuditLog).where(
            AuditLog.object_type == "Principal", AuditLog.object_id == target.id).order_by(AuditLog.id))]


def logged_in(app, login_id: str, password: str):
    client = app.test_client()
    login(client, "provider", login_id, password)
    assert client.get("/admin/").status_code == 200
    return client


def add_suzuki(as_provider, password: str = SUZUKI_PASSWORD):
    r = as_provider.post("/admin/staff/new", data={"login_id": "suzuki", "display_name": "鈴木 一郎",
                                                   "email": "suzuki@provider.example.jp", "password": password})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


def test_the_staff_page_lists_the_provider_logins_only(app, as_provider):
    html = as_provider.get("/admin/staff").get_data(as_text=True)
    assert 'data-login="admin"' in html and "demo-op" not in html and "taro" not in html
    assert "/admin/staff/new" in html
    assert "スタッフ" in as_provider.get("/admin/").get_data(as_text=True)  # in the navigation


def test_a_staff_login_with_a_generated_password_shown_once(app, as_provider):
    r = as_provider.post("/admin/staff/new", data={"login_id": "Sato", "display_name": "佐藤", "password": ""})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    (password,) = re.findall(r'<code class="secret">([^<]+)</code>', r.get_data(as_text=True))
    assert "一度だけ" in r.get_data(as_text=True)  # shown only once
    assert password not in as_provider.get("/admin/staff").get_data(as_text=True)
    sato = logged_in(app, "sato", password)
    assert 'data-login="sato"' in sato.get("/admin/staff").get_data(as_text=True)
    assert audit_actions(app, "sato") == [("staff.create", "provider:admin")]


def test_a_staff_login_with_a_typed_password(app, as_provider):
    html = add_suzuki(as_provider).get_data(as_text=True)
    assert SUZUKI_PASSWORD not in html and "入力したパスワードを設定しました" in html
    logged_in(app, "suzuki", SUZUKI_PASSWORD)


@pytest.mark.parametrize("data,message", [
    ({"login_id": "suzuki", "password": "Password123"}, "推測されやすい"),
    ({"login_id": "suzuki", "password": "Suzuki-2026-Kasumi"}, "ログインIDを含めることはできません"),
    ({"login_id": "admin", "password": SUZUKI_PASSWORD}, "このログインIDはすでに使われています"),
    ({"login_id": "demo op", "password": ""}, "64文字"),
    ({"login_id": "suzuki", "email": "nope", "password": ""}, "有効なメールアドレス"),
])
def test_bad_staff_input_is_shown_beside_the_field_and_nothing_saved(app, as_provider, data, message):
    r = as_provider.post("/admin/staff/new", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert principal(app, "suzuki") is None and principal(app, "demo op") is None
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "staff.create")) == 0


def test_disabling_ends_the_sessions_and_refuses_the_login_until_enabled(app, as_provider):
    add_suzuki(as_provider)
    suzuki = logged_in(app, "suzuki", SUZUKI_PASSWORD)
    suzuki_elsewhere = logged_in(app, "suzuki", SUZUKI_PASSWORD)
    target = principal(app, "suzuki").id

    r = as_provider.post(f"/admin/staff/{target}/active", data={"active": "0"}, follow_redirects=True)
    assert "ログアウト" in r.get_data(as_text=True)
    assert sessions_of(app, "suzuki") == 0
    for client in (suzuki, suzuki_elsewhere):  # both browsers are logged out at once
        assert client.get("/admin/").status_code == 302
    again = app.test_client().post("/admin/login", data={"login_id": "suzuki", "password": SUZUKI_PASSWORD})
    assert again.status_code == 200 and "ログインIDまたはパスワードが正しくありません" in again.get_data(as_text=True)
    assert 'class="badge disabled"' in as_provider.get("/admin/staff").get_data(as_text=True)

    assert as_provider.post(f"/admin/staff/{target}/active", data={"active": "1"}).status_code == 302
    logged_in(app, "suzuki", SUZUKI_PASSWORD)
    assert [a for a, _actor in audit_actions(app, "suzuki")] == ["staff.create", "staff.disable", "staff.enable"]


def test_a_password_reset_is_shown_once_and_ends_every_session_of_theirs(app, as_provider):
    add_suzuki(as_provider)
    suzuki = logged_in(app, "suzuki", SUZUKI_PASSWORD)
    target = principal(app, "suzuki").id
    assert as_provider.get(f"/admin/staff/{target}/password").status_code == 200

    r = as_provider.post(f"/admin/staff/{target}/password", data={"password": ""})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    (new,) = re.findall(r'<code class="secret">([^<]+)</code>', r.get_data(as_text=True))
    assert sessions_of(app, "suzuki") == 0 and suzuki.get("/admin/").status_code == 302
    old = app.test_client().post("/admin/login", data={"login_id": "suzuki", "password": SUZUKI_PASSWORD})
    assert old.status_code == 200  # the old password opens nothing
    logged_in(app, "suzuki", new)
    assert as_provider.get("/admin/").status_code == 200  # the admin who reset it stays logged in
    assert audit_actions(app, "suzuki")[-1] == ("staff.password_reset", "provider:admin")


def test_a_weak_typed_reset_is_refused_and_changes_nothing(app, as_provider):
    add_suzuki(as_provider)
    suzuki = logged_in(app, "suzuki", SUZUKI_PASSWORD)
    target = principal(app, "suzuki").id
    r = as_provider.post(f"/admin/staff/{target}/password", data={"password": "Password123"})
    assert r.status_code == 400 and "推測されやすい" in r.get_data(as_text=True)
    assert suzuki.get("/admin/").status_code == 200 and sessions_of(app, "suzuki") == 1
    logged_in(app, "suzuki", SUZUKI_PASSWORD)
    assert [a for a, _actor in audit_actions(app, "suzuki")] == ["staff.create"]


def test_nobody_disables_or_resets_their_own_login_here(app, as_provider, world):
    me = world.principals["admin"]
    html = as_provider.get("/admin/staff").get_data(as_text=True)
    assert f"/admin/staff/{me}/active" not in html and f"/admin/staff/{me}/password" not in html
    r = as_provider.post(f"/admin/staff/{me}/active", data={"active": "0"}, follow_redirects=True)
    assert "自分のログインは無効にできません" in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/staff/{me}/password", data={"password": ""})
    assert r.status_code == 400 and "現在のパスワード" in r.get_data(as_text=True)
    assert principal(app, "admin").active and as_provider.get("/admin/").status_code == 200
    login(app.test_client(), "provider", "admin", DEMO_PASSWORDS["admin"])  # the password is unchanged
    assert audit_actions(app, "admin") == []


def test_the_last_active_provider_login_stays(app):
    with scoped_session(app, Scope.system()) as s:  # e.g. from the command line: no staff member acts
        admin = staff.staff_login(s, s.scalar(select(Principal.id).where(Principal.login_id == "admin")))
        with pytest.raises(RuleViolation) as refused:
            staff.set_staff_active(s, None, admin, False)
        assert "last active provider login" in str(refused.value)
        second, _password = staff.create_staff(s, None, "second", None)
        assert staff.set_staff_active(s, None, admin, False) is True  # another one is active now
        with pytest.raises(RuleViolation):
            staff.set_staff_active(s, None, second, False)
        s.commit()
    assert principal(app, "second").active and not principal(app, "admin").active


def test_other_logins_are_not_staff_and_others_cannot_reach_the_page(app, as_provider, as_demo_operator, world):
    operator = world.principals["demo-op"]
    assert as_provider.post(f"/admin/staff/{operator}/active", data={"active": "0"}).status_code == 404
    assert as_provider.get(f"/admin/staff/{operator}/password").status_code == 404
    assert principal(app, "demo-op").active
    r = as_demo_operator.get("/admin/staff")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
