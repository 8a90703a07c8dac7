"""A reseller's owner runs its own operators (add, disable, reset, roles) and sees its people's
security events; the provider sees and disables them; a role escalation by editing a form field
is refused and changes nothing; a role change ends every session of that login."""
import re

from sqlalchemy import func, select

from tenants.models import AuditLog, Principal, Server
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.support import login, scoped_session

PASSWORD = "Sakura-Namiki-205"


def _principal(app, login_id):
    with scoped_session(app, Scope.system()) as s:
        found = s.scalars(select(Principal).where(Principal.login_id == login_id)).one_or_none()
        if found is not None:
            s.expunge(found)
        return found


def _add(owner, login_id="yamada", access="operator", password=PASSWORD):
    return owner.post("/panel/operators/new", data={"login_id": login_id, "display_name": "山田", "access": access,
                                                    "password": password})


def _as(app, panel, login_id, password=PASSWORD):
    c = app.test_client()
    login(c, panel, login_id, password)
    return c


def test_the_owner_adds_an_operator_who_runs_customers_but_not_people_or_brand(app, as_demo_operator):
    r = as_demo_operator.post("/panel/operators/new", data={"login_id": "suzuki", "access": "operator"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="issued-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    suzuki = _as(app, "reseller", "suzuki", password)
    assert suzuki.get("/panel/customers").status_code == 200
    assert suzuki.get("/panel/operators").status_code == 403 and suzuki.get("/panel/brand").status_code == 403
    nav = suzuki.get("/panel/").get_data(as_text=True)
    assert "/panel/customers" in nav and "/panel/operators" not in nav and "/panel/brand" not in nav
    events = as_demo_operator.get("/panel/security-events").get_data(as_text=True)
    assert "operator.create" in events and "auth.login" in events and "operator:suzuki" in events


def test_a_role_escalation_by_editing_a_form_field_is_refused_and_changes_nothing(app, as_demo_operator, world):
    assert _add(as_demo_operator, access="admin").status_code == 400  # a provider role in a reseller form
    assert _principal(app, "yamada") is None
    _add(as_demo_operator)
    yamada = _as(app, "reseller", "yamada")
    assert _add(yamada, "sato", access="owner").status_code == 403  # an operator may not add people at all
    me = _principal(app, "yamada")
    assert yamada.post(f"/panel/operators/{me.id}/access", data={"access": "owner"}).status_code == 403
    r = as_demo_operator.post(f"/panel/operators/{me.id}/access", data={"access": "admin"}, follow_redirects=True)
    assert "表示されているロールから選んでください" in r.get_data(as_text=True)
    assert _principal(app, "yamada").access == "operator" and _principal(app, "sato") is None
    owner = world.principals["demo-op"]
    r = as_demo_operator.post(f"/panel/operators/{owner}/access", data={"access": "readonly"}, follow_redirects=True)
    assert "自分のロールは変更できません" in r.get_data(as_text=True) and _principal(app, "demo-op").access == "owner"
    auditor_form = as_demo_operator.post("/admin/staff/new", data={"login_id": "evil", "access": "admin"})
    assert auditor_form.status_code == 302 and "/admin/login" in auditor_form.headers["Location"]


def test_a_role_change_ends_every_session_of_that_login(app, as_demo_operator):
    _add(as_demo_operator)
    yamada = _as(app, "reseller", "yamada")
    assert yamada.get("/panel/customers/new").status_code == 200
    target = _principal(app, "yamada").id
    assert as_demo_operator.post(f"/panel/operators/{target}/access", data={"access": "readonly"}).status_code == 302
    assert yamada.get("/panel/customers").status_code == 302  # logged out
    again = _as(app, "reseller", "yamada")
    assert again.get("/panel/customers").status_code == 200 and again.get("/panel/customers/new").status_code == 403
    assert "operator.role" in as_demo_operator.get("/panel/security-events").get_data(as_text=True)


def test_the_owner_disables_and_resets_an_operator_but_never_itself(app, as_demo_operator, world):
    _add(as_demo_operator)
    yamada = _as(app, "reseller", "yamada")
    target = _principal(app, "yamada").id
    as_demo_operator.post(f"/panel/operators/{target}/active", data={"active": "0"})
    assert yamada.get("/panel/").status_code == 302
    refused = app.test_client().post("/panel/login", data={"login_id": "yamada", "password": PASSWORD})
    assert refused.status_code == 200
    as_demo_operator.post(f"/panel/operators/{target}/active", data={"active": "1"})
    r = as_demo_operator.post(f"/panel/operators/{target}/password", data={"password": ""})
    new = re.search(r'id="issued-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    _as(app, "reseller", "yamada", new)
    me = world.principals["demo-op"]
    r = as_demo_operator.post(f"/panel/operators/{me}/active", data={"active": "0"}, follow_redirects=True)
    assert "自分のログインは無効にできません" in r.get_data(as_text=True) and _principal(app, "demo-op").active
    # the last owner stays: a second owner may not disable or demote the first, who is the only other one
    _add(as_demo_operator, "second", access="owner")
    as_demo_operator.post(f"/panel/operators/{_principal(app, 'second').id}/active", data={"active": "0"})
    second = app.test_client()
    assert second.post("/panel/login", data={"login_id": "second", "password": PASSWORD}).status_code == 200


def test_the_provider_sees_a_resellers_operators_and_disables_one(app, as_provider, as_acme_operator, world):
    page = as_provider.get(f"/admin/resellers/{world.acme}").get_data(as_text=True)
    assert 'data-login="acme-op"' in page and "オーナー" in page
    acme_op = world.principals["acme-op"]
    r = as_provider.post(f"/admin/resellers/{world.acme}/operators/{acme_op}/active", data={"active": "0"})
    assert r.status_code == 302 and as_acme_operator.get("/panel/").status_code == 302
    wrong_reseller = as_provider.post(f"/admin/resellers/{world.demo}/operators/{acme_op}/active", data={"active": "1"})
    assert wrong_reseller.status_code == 404 and not _principal(app, "acme-op").active
    with scoped_session(app, Scope.system()) as s:
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "operator.disable")).one()
        assert entry.reseller_id == world.acme and entry.actor == "provider:admin"


def test_an_auditor_reads_everything_and_changes_nothing(app, as_provider):
    as_provider.post("/admin/staff/new", data={"login_id": "kansa", "access": "auditor", "password": PASSWORD})
    auditor = _as(app, "provider", "kansa")
    for page in ("/admin/servers", "/admin/staff", "/admin/resellers", "/admin/audit", "/admin/contracts"):
        assert auditor.get(page).status_code == 200, page
    with scoped_session(app, Scope.system()) as s:
        before = s.scalar(select(func.count()).select_from(Server))
    r = auditor.post("/admin/servers/new", data={"hostname": "new.example.jp", "address": "192.0.2.99", "role": "web"})
    assert r.status_code == 403
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(func.count()).select_from(Server)) == before
    html = auditor.get("/admin/staff").get_data(as_text=True)
    assert "/admin/staff/new" not in html and "/active" not in html
    assert DEMO_PASSWORDS["admin"] not in html


def test_the_owner_sees_a_failed_login_and_a_token_used_from_a_new_address(app, as_demo_operator, as_acme_operator):
    app.test_client().post("/panel/login", data={"login_id": "demo-op", "password": "Wrong-Password-77"},
                           environ_base={"REMOTE_ADDR": "198.51.100.77"})
    from tests.reseller.test_api import _api, _token

    api = _api(app, _token(as_demo_operator))
    assert api.get("/api/customers").status_code == 200
    events = as_demo_operator.get("/panel/security-events").get_data(as_text=True)
    assert "auth.login_failed" in events and "198.51.100.77" in events and "api_token.new_address" in events
    other = as_acme_operator.get("/panel/security-events").get_data(as_text=True)
    assert "198.51.100.77" not in other and "demo-op" not in other


def test_the_last_active_owner_and_admin_stay(app, world):
    import pytest

    from tenants.accounts import operators, staff
    from tenants.errors import RuleViolation

    with scoped_session(app, Scope.system()) as s:
        owner = s.get(Principal, world.principals["demo-op"])
        helper, _pw = operators.add_operator(s, owner, world.demo, "helper", PASSWORD, access="owner")
        s.flush()
        assert operators.set_operator_active(s, helper, owner, False)  # another owner is active
        with pytest.raises(RuleViolation, match="last active owner"):
            operators.set_operator_access(s, owner, helper, "readonly")
        admin = s.get(Principal, world.principals["admin"])
        second, _pw = staff.create_staff(s, None, "second", None, access="auditor")
        with pytest.raises(RuleViolation, match="last active admin"):
            staff.set_staff_access(s, second, admin, "operator")
        with pytest.raises(RuleViolation, match="last active admin"):
            staff.set_staff_active(s, None, admin, False)
