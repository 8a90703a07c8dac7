"""Provider admin: resellers, operators, servers and assignments, audit log; bad input saves nothing."""
from sqlalchemy import func, select

from tenants.models import AuditLog, Principal, Reseller, Server
from tenants.tenancy import Scope
from tests.support import login, scoped_session

NEW_RESELLER = {"code": "sakura", "name": "さくら商会", "brand_name": "さくらサーバー",
                "support_email": "help@sakura.example.jp", "support_phone": "", "support_hours": "平日10-17時",
                "panel_host": ""}


def count(app, model, *where):
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_create_edit_suspend_resume_a_reseller(app, as_provider):
    r = as_provider.post("/admin/resellers/new", data=NEW_RESELLER)
    assert r.status_code == 302
    rid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = as_provider.get(f"/admin/resellers/{rid}").get_data(as_text=True)
    assert "さくら商会" in page and "/u/sakura/" in page
    r = as_provider.post(f"/admin/resellers/{rid}/edit", data=NEW_RESELLER | {"brand_name": "さくらクラウド"})
    assert r.status_code == 302
    assert "さくらクラウド" in as_provider.get("/admin/resellers").get_data(as_text=True)
    assert as_provider.post(f"/admin/resellers/{rid}/status", data={"status": "suspended"}).status_code == 302
    assert count(app, Reseller, Reseller.id == rid, Reseller.status == "suspended") == 1
    assert as_provider.post(f"/admin/resellers/{rid}/status", data={"status": "active"}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.reseller_id == rid)))
    assert {"reseller.create", "reseller.update", "reseller.suspend", "reseller.resume"} <= actions


def test_bad_reseller_input_is_shown_beside_the_field_and_nothing_saved(app, as_provider):
    before = count(app, Reseller)
    r = as_provider.post("/admin/resellers/new", data=NEW_RESELLER | {"code": "demo", "support_email": "nope"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "このコードはすでに使われています" in html
    assert "有効なメールアドレス" in html
    r = as_provider.post("/admin/resellers/new", data=NEW_RESELLER | {"code": "Bad Code!"})
    assert r.status_code == 400
    assert count(app, Reseller) == before


def test_suspended_reseller_cannot_log_in_its_operators_or_end_users(app, as_provider, world):
    as_provider.post(f"/admin/resellers/{world.acme}/status", data={"status": "suspended"})
    c = app.test_client()
    assert c.post("/panel/login", data={"login_id": "acme-op", "password": "Acme-Operator-2026"}).status_code == 200
    assert c.post("/u/acme/", data={"login_id": "hanako", "password": "Acme-User-2026"}).status_code == 200
    assert c.get("/panel/").status_code == 302


def test_create_operator_with_a_generated_password_shown_once(app, as_provider, world):
    r = as_provider.post(f"/admin/resellers/{world.demo}/operators/new",
                         data={"login_id": "yamada", "display_name": "山田", "email": "", "password": ""})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    start = html.index('class="secret">') + len('class="secret">')
    password = html[start:html.index("</code>", start)]
    c = app.test_client()
    login(c, "reseller", "yamada", password)
    assert "デモホスティング" in c.get("/panel/").get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        stored = s.scalars(select(Principal).where(Principal.login_id == "yamada")).one()
    assert stored.password_hash.startswith("$argon2id$") and password not in stored.password_hash


def test_operator_with_weak_password_or_taken_login_is_refused(app, as_provider, world):
    before = count(app, Principal)
    r = as_provider.post(f"/admin/resellers/{world.demo}/operators/new",
                         data={"login_id": "acme-op", "display_name": "", "email": "", "password": "password"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "このログインIDはすでに使われています" in html or "10" in html
    assert count(app, Principal) == before


def test_register_a_server_and_assign_it(app, as_provider, as_acme_operator, world):
    data = {"hostname": "web02.example.jp", "address": "192.0.2.20", "role": "web", "kind": "oem",
            "driver": "local", "monitor_interval_minutes": "10", "auto_remediation": "y", "status": "active",
            "notes": "", "resellers": [str(world.acme)]}
    assert as_provider.post("/admin/servers/new", data=data).status_code == 302
    assert "web02.example.jp" in as_acme_operator.get("/panel/").get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        sid = s.scalar(select(Server.id).where(Server.hostname == "web02.example.jp"))
    r = as_provider.post(f"/admin/servers/{sid}/edit", data=data | {"resellers": []})
    assert r.status_code == 302
    assert "web02.example.jp" not in as_acme_operator.get("/panel/").get_data(as_text=True)


def test_bad_server_input_is_refused(app, as_provider):
    before = count(app, Server)
    r = as_provider.post("/admin/servers/new", data={
        "hostname": "localhost", "address": "999.1.1.1", "role": "web", "kind": "oem", "driver": "local",
        "monitor_interval_minutes": "0", "status": "active"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "IPv4" in html
    assert count(app, Server) == before


def test_fault_contacts_are_saved_and_checked(app, as_provider, world):
    url = f"/admin/resellers/{world.demo}/contacts"
    bad = {"contacts-0-name": "当番", "contacts-0-email": "not-an-email"}
    assert as_provider.post(url, data=bad).status_code == 400
    good = {"contacts-0-name": "当番", "contacts-0-email": "oncall@demo.example.jp", "contacts-0-is_emergency": "y",
            "contacts-1-name": "", "contacts-1-email": ""}
    assert as_provider.post(url, data=good).status_code == 302
    assert "oncall@demo.example.jp" in as_provider.get(f"/admin/resellers/{world.demo}").get_data(as_text=True)


def test_audit_log_lists_what_staff_did(as_provider):
    as_provider.post("/admin/resellers/new", data=NEW_RESELLER)
    html = as_provider.get("/admin/audit").get_data(as_text=True)
    assert "reseller.create" in html and "provider:admin" in html
    filtered = as_provider.get("/admin/audit?action=server.").get_data(as_text=True)
    assert "reseller.create" not in filtered
