"""The isolation walk: EVERY route that takes an id is requested with another tenant's id, as an
operator of another reseller, as an end user of another customer and as a managed customer (a
direct managed-service contract party), and must answer 404 (or, for a panel the attacker's role
has no access to, send them to that panel's login). A new id route without an entry in
VICTIM_IDS fails this test until it is covered."""
import pytest

from tests.conftest import DEMO_PASSWORDS
from tests.support import login

# endpoint -> the URL arguments naming an object that belongs to the victims (reseller acme and
# its customer hanako; for end-user routes also jiro, another customer of the attacker's reseller).
VICTIM_IDS = {
    "provider.reseller": lambda w: {"reseller_id": w.acme},
    "provider.reseller_edit": lambda w: {"reseller_id": w.acme},
    "provider.reseller_status": lambda w: {"reseller_id": w.acme},
    "provider.reseller_contacts": lambda w: {"reseller_id": w.acme},
    "provider.operator_new": lambda w: {"reseller_id": w.acme},
    "provider.server_edit": lambda w: {"server_id": w.server},
    "provider.abuse_unlock": lambda w: {"customer_id": w.acme_customer},
    "provider.reserved_name_delete": lambda w: {"name_id": w.reserved_name},
    "provider.server_failures": lambda w: {"server_id": w.server},
    "provider.server_power": lambda w: {"server_id": w.server},
    **{f"provider.{e}": (lambda w: {"server_id": w.server}) for e in (
        "server_connection", "server_key", "server_test", "server_pin", "server_retire",
        "server_backups", "server_backup_run", "server_backup_restore", "server_backup_restore_server")},
    "reseller.course_edit": lambda w: {"course_id": w.acme_course},
    "reseller.course_delete": lambda w: {"course_id": w.acme_course},
    "reseller.customer": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_suspend": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_resume": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_cancel": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_delete": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_move": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_password": lambda w: {"customer_id": w.acme_customer},
    "reseller.customer_support": lambda w: {"customer_id": w.acme_customer},
    "reseller.usage_customer": lambda w: {"customer_id": w.acme_customer},
    "reseller.api_token_revoke": lambda w: {"token_id": w.acme_token},
    "api.api_customer": lambda w: {"customer_id": w.acme_customer},
    "api.api_customer_update": lambda w: {"customer_id": w.acme_customer},
    "api.api_customer_delete": lambda w: {"customer_id": w.acme_customer},
    "api.api_customer_suspend": lambda w: {"customer_id": w.acme_customer},
    "api.api_customer_resume": lambda w: {"customer_id": w.acme_customer},
    "api.api_customer_password": lambda w: {"customer_id": w.acme_customer},
    "api.api_customer_usage": lambda w: {"customer_id": w.acme_customer},
    "api.api_course": lambda w: {"course_id": w.acme_course},
    "api.api_course_update": lambda w: {"course_id": w.acme_course},
    "api.api_course_delete": lambda w: {"course_id": w.acme_course},
    "reseller.usage_server": lambda w: {"server_id": w.acme_only_server},
    # end-user hosting objects: jiro's (taro's neighbour at the same reseller) and hanako's
    "enduser.domain_https": lambda w: {"domain_id": w.jiro_hosting["domain"]},
    "enduser.dns": lambda w: {"domain_id": w.hanako_hosting["domain"]},
    "enduser.certificate": lambda w: {"domain_id": w.jiro_hosting["domain"]},
    "enduser.certificate_acme": lambda w: {"domain_id": w.hanako_hosting["domain"]},
    "enduser.https_redirect": lambda w: {"domain_id": w.jiro_hosting["domain"]},
    "enduser.domain_php": lambda w: {"domain_id": w.jiro_hosting["domain"]},
    "enduser.mail_auth": lambda w: {"domain_id": w.hanako_hosting["domain"]},
    "enduser.mail_auth_rotate": lambda w: {"domain_id": w.jiro_hosting["domain"]},
    "enduser.mail_auth_zone": lambda w: {"domain_id": w.hanako_hosting["domain"]},
    "enduser.dkim_delete": lambda w: {"obj_id": w.jiro_hosting["dkim"]},
    "enduser.dkim_retry": lambda w: {"obj_id": w.hanako_hosting["dkim"]},
    "enduser.domains_delete": lambda w: {"obj_id": w.jiro_hosting["domain"]},
    "enduser.domains_retry": lambda w: {"obj_id": w.hanako_hosting["domain"]},
    "enduser.dns_delete": lambda w: {"obj_id": w.jiro_hosting["record"]},
    "enduser.dns_retry": lambda w: {"obj_id": w.hanako_hosting["record"]},
    "enduser.mailbox": lambda w: {"mailbox_id": w.jiro_hosting["mail"]},
    "enduser.mailbox_autoreply": lambda w: {"mailbox_id": w.hanako_hosting["mail"]},
    "enduser.mail_delete": lambda w: {"obj_id": w.hanako_hosting["mail"]},
    "enduser.mail_retry": lambda w: {"obj_id": w.jiro_hosting["mail"]},
    "enduser.list_members": lambda w: {"list_id": w.hanako_hosting["list"]},
    "enduser.alias": lambda w: {"alias_id": w.jiro_hosting["alias"]},
    "enduser.aliases_delete": lambda w: {"obj_id": w.hanako_hosting["alias"]},
    "enduser.aliases_retry": lambda w: {"obj_id": w.jiro_hosting["alias"]},
    "enduser.lists_delete": lambda w: {"obj_id": w.jiro_hosting["list"]},
    "enduser.lists_retry": lambda w: {"obj_id": w.hanako_hosting["list"]},
    "enduser.ftp_account": lambda w: {"account_id": w.jiro_hosting["ftp"]},
    "enduser.ftp_delete": lambda w: {"obj_id": w.hanako_hosting["ftp"]},
    "enduser.ftp_retry": lambda w: {"obj_id": w.jiro_hosting["ftp"]},
    "enduser.cron_delete": lambda w: {"obj_id": w.hanako_hosting["cron"]},
    "enduser.cron_retry": lambda w: {"obj_id": w.jiro_hosting["cron"]},
    "enduser.ssh_account": lambda w: {"sftp_id": w.hanako_hosting["ssh"]},
    "enduser.ssh_delete": lambda w: {"obj_id": w.jiro_hosting["ssh"]},
    "enduser.ssh_retry": lambda w: {"obj_id": w.hanako_hosting["ssh"]},
    "enduser.database_password": lambda w: {"database_id": w.jiro_hosting["database"]},
    "enduser.databases_delete": lambda w: {"obj_id": w.hanako_hosting["database"]},
    "enduser.databases_retry": lambda w: {"obj_id": w.jiro_hosting["database"]},
    "enduser.protected_users": lambda w: {"directory_id": w.hanako_hosting["protected"]},
    "enduser.protected_user_delete": lambda w: {"user_id": w.jiro_hosting["protected_user"]},
    "enduser.protected_delete": lambda w: {"obj_id": w.jiro_hosting["protected"]},
    "enduser.protected_retry": lambda w: {"obj_id": w.hanako_hosting["protected"]},
    "enduser.backup_restore": lambda w: {"restore_id": w.hanako_hosting["backup_restore"]},
    "provider.monitoring_server": lambda w: {"server_id": w.server},
    "provider.monitoring_endpoint_add": lambda w: {"server_id": w.server},
    "provider.monitoring_endpoint_edit": lambda w: {"server_id": w.server, "endpoint_id": 1},
    "provider.monitoring_endpoint_pause": lambda w: {"server_id": w.server, "endpoint_id": 1},
    "provider.monitoring_endpoint_delete": lambda w: {"server_id": w.server, "endpoint_id": 1},
    "provider.monitoring_defaults": lambda w: {"server_id": w.server},
    "provider.monitoring_maintenance": lambda w: {"server_id": w.server},
    "provider.monitoring_maintenance_delete": lambda w: {"server_id": w.server, "window_id": 1},
    "provider.log_watch_server": lambda w: {"server_id": w.server},
    "provider.log_suppression_delete": lambda w: {"server_id": w.server, "suppression_id": 1},
    "provider.log_pattern_toggle": lambda w: {"pattern_id": 1},
    "provider.monitoring_thresholds": lambda w: {"server_id": w.server},
    # issue 6: incidents, fault reports, mass-mail locks, remediation settings
    "provider.incident": lambda w: {"incident_id": w.incident},
    "provider.incident_acknowledge": lambda w: {"incident_id": w.incident},
    "provider.fault_report": lambda w: {"report_id": w.report},
    "provider.mail_lock_unlock": lambda w: {"lock_id": w.lock},
    "provider.server_remediation": lambda w: {"server_id": w.server},
    "reseller.mail_lock_unlock": lambda w: {"lock_id": w.lock},
    # managed-service contracts (acme is the contract party of w.contracts)
    **{f"provider.{e}": (lambda w: {"contract_id": w.contracts["contract"]}) for e in (
        "contract", "contract_accept", "contract_refuse", "contract_notice", "contract_confirm",
        "contract_cancel", "contract_option_add", "contract_party", "contract_suspend",
        "contract_work_new", "contract_complaint_new", "contract_report")},
    "provider.contract_option_cancel": lambda w: {"option_id": w.contracts["option"]},
    "provider.contract_invoice": lambda w: {"invoice_id": w.contracts["invoice"]},
    "provider.contract_invoice_print": lambda w: {"invoice_id": w.contracts["invoice"]},
    **{f"provider.{e}": (lambda w: {"invoice_id": w.contracts["invoice"]}) for e in (
        "contract_invoice_pdf", "contract_invoice_send", "contract_invoice_credit", "contract_invoice_credit_note")},
    "provider.contract_extra_charge": lambda w: {"contract_id": w.contracts["contract"]},
    "provider.billing_bank_line": lambda w: {"line_id": 1},  # the provider's alone: every other login is sent away
    "provider.reseller_oem_fee": lambda w: {"reseller_id": w.acme},
    "provider.contract_resume": lambda w: {"suspension_id": w.contracts["suspension"]},
    "provider.contract_terminate": lambda w: {"suspension_id": w.contracts["suspension"]},
    "provider.contract_work": lambda w: {"request_id": w.contracts["work"]},
    "provider.contract_complaint": lambda w: {"complaint_id": w.contracts["complaint"]},
    **{f"reseller.{e}": (lambda w: {"contract_id": w.contracts["contract"]}) for e in (
        "my_contract", "my_work_new", "my_complaint_new", "my_report")},
    "reseller.my_work": lambda w: {"request_id": w.contracts["work"]},
    "reseller.my_invoice": lambda w: {"invoice_id": w.contracts["invoice"]},
    "reseller.my_invoice_pdf": lambda w: {"invoice_id": w.contracts["invoice"]},
    "provider.contract_party_login": lambda w: {"contract_id": w.contracts["contract"]},
    # provider staff logins (the demo admin's)
    "provider.staff_active": lambda w: {"principal_id": w.principals["admin"]},
    "provider.staff_password": lambda w: {"principal_id": w.principals["admin"]},
    # the managed-customer panel: tonari's (kanri's neighbour, another direct customer)
    **{f"managed.{e}": (lambda w: {"contract_id": w.direct["contract"]}) for e in (
        "my_contract", "my_work_new", "my_complaint_new", "my_report")},
    "managed.my_work": lambda w: {"request_id": w.direct["work"]},
    "managed.my_invoice": lambda w: {"invoice_id": w.direct["invoice"]},
    # issue 21: roles, a reseller's own operators, two-factor resets, one's own sessions
    "provider.reseller_totp": lambda w: {"reseller_id": w.acme},
    "provider.operator_active": lambda w: {"reseller_id": w.acme, "principal_id": w.principals["acme-op"]},
    "provider.staff_access": lambda w: {"principal_id": w.principals["admin"]},
    "provider.staff_totp_reset": lambda w: {"principal_id": w.principals["admin"]},
    **{f"reseller.{e}": (lambda w: {"principal_id": w.principals["acme-op"]}) for e in (
        "operator_active", "operator_password", "operator_access", "operator_totp_reset")},
    # a session of hanako's (another reseller's end user) and of the victims' operator and staff
    **{f"{panel}.session_end": (lambda w: {"session_id": w.victim_session}) for panel in (
        "provider", "reseller", "managed", "enduser")},
    "managed.my_invoice_pdf": lambda w: {"invoice_id": w.direct["invoice"]},
}
# pages a worker makes first: 202 (being prepared) until it has, then 200
MADE_BY_A_WORKER = {"provider.contract_invoice_pdf"}
# Feature modules register their id routes here (endpoint -> callable(world) -> url args).
NON_ID_ARGS = {"code", "filename", "lang", "token"}


def id_rules(app):
    for rule in app.url_map.iter_rules():
        if set(rule.arguments) - NON_ID_ARGS:
            yield rule


def test_every_id_route_is_covered(app):
    missing = sorted(r.endpoint for r in id_rules(app) if r.endpoint not in VICTIM_IDS)
    assert not missing, f"add these id routes to VICTIM_IDS in the isolation walk: {missing}"


def _attackers(app):
    op = app.test_client()
    login(op, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    eu = app.test_client()
    login(eu, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    mc = app.test_client()
    login(mc, "managed", "kanri", DEMO_PASSWORDS["kanri"])
    return {"operator of demo": (op, "demo"), "end user taro": (eu, "demo"), "managed customer kanri": (mc, None)}


def _url(app, rule, values):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


@pytest.fixture
def walk_world(app, world):
    """The demo world plus jiro: a second customer of reseller demo (taro's neighbour)."""
    from sqlalchemy import select

    from tenants.accounts.principals import create_principal
    from tenants.models import Customer, ReservedName, Role, Server, ServerAssignment
    from tenants.tenancy import Scope
    from tests.contracts.helpers import direct_customer, victim_contract
    from tests.hosting.victims import make_hosting
    from tests.support import scoped_session

    with scoped_session(app, Scope.system()) as s:
        jiro = Customer(reseller_id=world.demo, course_id=world.demo_course, server_id=world.server,
                        contractor_name="鈴木 次郎")
        s.add(jiro)
        s.flush()
        create_principal(s, Role.ENDUSER, "jiro", "Neighbour-Pass-1", reseller_id=world.demo, customer_id=jiro.id)
        world.jiro_hosting = make_hosting(s, jiro, "jiro")
        world.hanako_hosting = make_hosting(s, s.get(Customer, world.acme_customer), "hanako")
        acme_only = Server(hostname="acme-only.example.jp", address="127.0.0.2", assignments=[
            ServerAssignment(reseller_id=world.acme)])
        s.add(acme_only)
        s.commit()
        world.acme_only_server = acme_only.id
        world.jiro_customer = s.scalar(select(Customer.id).where(Customer.contractor_name == "鈴木 次郎"))
        world.contracts = victim_contract(s, world.acme, world.server)
        world.direct = direct_customer(s, "tonari", "Neighbour-Direct-1")
        s.commit()
        world.reserved_name = s.scalar(select(ReservedName.id).where(ReservedName.name == "ns1.example.jp"))
    from datetime import date

    from tenants.resellers.api_tokens import create_token
    for code in ("demo", "acme"):  # reseller API tokens: demo's is the attacker's
        with scoped_session(app, Scope("reseller", reseller_id=getattr(world, code))) as s:
            row, token = create_token(s, None, f"{code} walk", None, None, date(2026, 1, 1))
            s.commit()
            setattr(world, f"{code}_token", row.id)
            setattr(world, f"{code}_bearer", token)
    from tests.incidents.helpers import victim_objects  # issue 6: an incident, its report, acme's lock

    victim_objects(app, world)
    from tenants.accounts.sessions import open_session
    from tenants.models import Principal

    with scoped_session(app, Scope.system()) as s:  # hanako is logged in somewhere
        open_session(s, s.get(Principal, world.principals["hanako"]), "198.51.100.9")
        s.commit()
        from tenants.models import LoginSession
        world.victim_session = s.scalar(select(LoginSession.id).where(
            LoginSession.principal_id == world.principals["hanako"]))
    return world


def test_other_tenants_ids_answer_404_everywhere(app, walk_world):
    attackers = _attackers(app)
    failures = []
    for rule in id_rules(app):
        values = VICTIM_IDS[rule.endpoint](walk_world)
        if "code" in rule.arguments:
            values = {"code": "demo", **values}
        url = _url(app, rule, values)
        for who, (client, _code) in attackers.items():
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if rule.rule.startswith("/api/"):  # the API: demo's bearer token, never a cookie
                    response = app.test_client().open(url, method=method, json={},
                                                      headers={"Authorization": f"Bearer {walk_world.demo_bearer}"})
                    if response.status_code != 404:
                        failures.append(f"api token of demo: {method} {url} -> {response.status_code}")
                    continue
                response = client.open(url, method=method, data={})
                status = response.status_code
                location = response.headers.get("Location", "")
                if rule.rule.startswith("/admin"):
                    ok = status == 404 or (status == 302 and location.startswith("/admin/login"))
                elif rule.rule.startswith("/panel") and not who.startswith("operator"):
                    ok = status == 404 or (status == 302 and location.startswith("/panel/login"))
                elif rule.rule.startswith("/managed") and not who.startswith("managed"):
                    ok = status == 404 or (status == 302 and location.startswith("/managed/login"))
                elif rule.rule.startswith("/u/") and who.startswith("managed"):
                    ok = status == 404 or (status == 302 and location.startswith("/u/demo/"))
                else:
                    ok = status == 404
                if not ok:
                    failures.append(f"{who}: {method} {url} -> {status}")
    assert not failures, "\n".join(failures)


def test_the_walk_can_fail(app, walk_world):
    """Staff are allowed everything: the same walk as the provider must get through (so the 404s
    above come from scoping, not from broken URLs)."""
    staff = app.test_client()
    login(staff, "provider", "admin", DEMO_PASSWORDS["admin"])
    for rule in id_rules(app):
        if rule.rule.startswith("/admin") and "GET" in rule.methods:
            url = _url(app, rule, VICTIM_IDS[rule.endpoint](walk_world))
            assert staff.get(url).status_code in ({200, 202} if rule.endpoint in MADE_BY_A_WORKER else {200}), url


# The role walk (issue 21): every route of the provider admin and the business panel, as every
# role, answers as this one table says: a role refused an area gets 403 and nothing runs. "r": it
# may look at the area's pages; "w": it may also change things there. An area not listed: refused.
STAFF_AREAS = ("account", "dashboard", "audit", "staff", "resellers", "servers", "monitoring", "incidents",
               "contracts")
RESELLER_AREAS = ("account", "dashboard", "audit", "operators", "branding", "api_tokens", "customers", "courses",
                  "status", "contracts")
ROLE_TABLE = {
    ("provider", "admin"): dict.fromkeys(STAFF_AREAS, "w"),
    ("provider", "operator"): {"account": "w", "dashboard": "r", "audit": "r", "resellers": "r", "servers": "w",
                               "monitoring": "w", "incidents": "w", "contracts": "w"},
    ("provider", "auditor"): dict.fromkeys(STAFF_AREAS, "r") | {"account": "w"},
    ("operator", "owner"): dict.fromkeys(RESELLER_AREAS, "w"),
    ("operator", "operator"): {"account": "w", "dashboard": "r", "audit": "r", "customers": "w", "courses": "w",
                               "status": "r", "contracts": "r"},
    ("operator", "readonly"): {"account": "w", "dashboard": "r", "audit": "r", "customers": "r", "courses": "r",
                               "status": "r", "contracts": "r"},
}
ROLE_LOGINS = {("provider", "admin"): "admin", ("provider", "operator"): "walk-ops", ("provider", "auditor"): "walk-aud",
               ("operator", "owner"): "demo-op", ("operator", "operator"): "walk-op",
               ("operator", "readonly"): "walk-ro"}
ROLE_PASSWORD = "Kinmokusei-Hashi-73"
ENDS_THE_SESSION = {"logout", "sessions_end_all"}
NO_SUCH_ID = 999_999


def _role_clients(app, world):
    from tenants.accounts.principals import create_principal
    from tenants.models import Role
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    with scoped_session(app, Scope.system()) as s:
        for (kind, access), login_id in ROLE_LOGINS.items():
            if login_id not in DEMO_PASSWORDS:
                create_principal(s, Role(kind), login_id, ROLE_PASSWORD, access=access,
                                 reseller_id=world.demo if kind == "operator" else None)
        s.commit()
    clients = {}
    for (kind, access), login_id in ROLE_LOGINS.items():
        client = app.test_client()
        login(client, "provider" if kind == "provider" else "reseller", login_id,
              DEMO_PASSWORDS.get(login_id, ROLE_PASSWORD))
        clients[(kind, access)] = client
    return clients


def test_every_route_answers_each_role_as_the_role_table_says(app, world):
    from web.rights import NEEDS, PUBLIC

    clients = _role_clients(app, world)
    failures, walked, refused = [], 0, 0
    for rule in app.url_map.iter_rules():
        kind = {"provider": "provider", "reseller": "operator"}.get(rule.endpoint.split(".")[0])
        if kind is None or rule.endpoint.split(".")[1] in ENDS_THE_SESSION:
            continue
        need = NEEDS.get(rule.endpoint)
        if need is None:
            failures.append(f"{rule.endpoint}: names no area in its URL table")
            continue
        if need is PUBLIC:
            continue
        url = _url(app, rule, {arg: NO_SUCH_ID for arg in rule.arguments})
        for (role_kind, access), client in clients.items():
            if role_kind != kind:
                continue
            granted = ROLE_TABLE[(kind, access)].get(need.area.value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                writing = method != "GET" or need.forms_only
                allowed = granted == "w" or (granted == "r" and not writing)
                status = client.open(url, method=method, data={}).status_code
                walked += 1
                refused += not allowed
                if status >= 500 or (status == 403) == allowed:
                    failures.append(f"{kind} {access}: {method} {url} -> {status} (table: "
                                    f"{'allowed' if allowed else 'refused'})")
    assert not failures, "\n".join(failures)
    assert walked > 300 and refused > 100, (walked, refused)  # the table refuses, and the walk saw it


def test_a_page_that_names_no_area_is_refused_to_everyone(app):
    @app.get("/admin/forgotten-for-test", endpoint="provider.forgotten_for_test")
    def forgotten():
        return "everything"

    as_provider = app.test_client()
    login(as_provider, "provider", "admin", DEMO_PASSWORDS["admin"])
    assert as_provider.get("/admin/forgotten-for-test").status_code == 403  # even the admin
    anonymous = app.test_client().get("/admin/forgotten-for-test")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/admin/login")
