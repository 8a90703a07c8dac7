"""The demo data `make run` seeds into an empty installation, and only there: on a database that
holds data, a withdrawn server assignment or a deleted demo login (whose password is published)
must never come back."""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from tenants.accounts.models import realm_for
from tenants.accounts.passwords import hash_password
from tenants.accounts.principals import DEFAULT_ACCESS
from tenants.models import (
    Course,
    Customer,
    Domain,
    MonitoredEndpoint,
    Principal,
    Reseller,
    ReservedName,
    Role,
    Server,
    ServerAssignment,
)
from tenants.servers.models import ServerKind
from tenants.servers.rules import seal_driver_config
from tenants.settings import local_db_admin

DEMO_LOGINS = [
    # (panel, path, login ID, password) — printed by `make run`; demo data only
    ("Provider admin", "/admin", "admin", "Demo-Admin-2026"),
    ("Business panel", "/panel", "demo-op", "Demo-Operator-2026"),
    ("End-user panel", "/u/demo/", "taro", "Demo-User-2026"),
    ("Business panel", "/panel", "acme-op", "Acme-Operator-2026"),
    ("End-user panel", "/u/acme/", "hanako", "Acme-User-2026"),
    ("Managed customer", "/managed/", "kanri", "Demo-Kanri-2026"),
]
DEMO_NAMESERVERS = ["ns1.example.jp", "ns2.example.jp"]
DEMO_SERVER_ADDRESS = "127.0.0.1"
DEMO_SITES_PORT = 8081  # `make run` serves the demo server's sites here (workers/demo_sites.py)
DEMO_PHP_SITE = "taro-shop.example.jp"
DEMO_PHP_PAGE = """<?php
// The demo customer's PHP page (issue 16): PHP-FPM runs it as the customer's own system user.
echo "<h1>Hello from PHP " . PHP_VERSION . "</h1>";
echo "<p>Running as uid " . posix_geteuid() . " (the customer's own user), confined to " . ini_get("open_basedir") . "</p>";
"""
ALL_ADDRESSES = ("0.0.0.0", "::", "")  # a web app listening on every address answers on the demo server's too


def _one(session, stmt):
    return session.execute(stmt).scalars().first()


def _principal(session, role: Role, login_id: str, password: str, reseller_id=None, customer_id=None,
               name: str = "", managed_customer_id=None) -> Principal:
    realm = realm_for(role, reseller_id)
    found = _one(session, select(Principal).where(Principal.realm == realm, Principal.login_id == login_id))
    if found:
        return found
    p = Principal(role=role.value, realm=realm, login_id=login_id, password_hash=hash_password(password),
                  reseller_id=reseller_id, customer_id=customer_id, display_name=name or login_id,
                  managed_customer_id=managed_customer_id, access=DEFAULT_ACCESS.get(role))
    session.add(p)
    session.flush()
    return p


def _reserved(session, name: str, note: str) -> None:
    if not _one(session, select(ReservedName).where(ReservedName.name == name)):
        session.add(ReservedName(name=name, note=note))
        session.flush()


def _reseller(session, code: str, name: str, brand: str, email: str) -> Reseller:
    found = _one(session, select(Reseller).where(Reseller.code == code))
    if found:
        return found
    r = Reseller(code=code, name=name, brand_name=brand, support_email=email,
                 support_phone="03-0000-0000", support_hours="平日 10:00–12:00, 13:00–17:00")
    session.add(r)
    session.flush()
    return r


def _course(session, reseller: Reseller, name: str, **limits) -> Course:
    found = _one(session, select(Course).where(Course.reseller_id == reseller.id, Course.name == name))
    if found:
        return found
    c = Course(reseller_id=reseller.id, name=name, **limits)
    session.add(c)
    session.flush()
    return c


def _customer(session, reseller, course, server, login_id, password, contractor, number) -> Customer:
    principal = _one(session, select(Principal).where(
        Principal.realm == realm_for(Role.ENDUSER, reseller.id), Principal.login_id == login_id))
    if principal and principal.customer_id:
        return session.get(Customer, principal.customer_id)
    customer = Customer(reseller_id=reseller.id, course_id=course.id, server_id=server.id,
                        contractor_name=contractor, customer_number=number,
                        contact_email=f"{login_id}@example.jp", contract_date=date(2026, 4, 1),
                        start_date=date(2026, 4, 1))
    session.add(customer)
    session.flush()
    _principal(session, Role.ENDUSER, login_id, password, reseller.id, customer.id, contractor)
    return customer


def _managed_customer(session, login_id: str, password: str) -> None:
    """A direct managed-service customer (not one of our resellers) with a formed contract, an
    option, its first two invoices (one paid), an open work request, and its own login."""
    from tenants.contracts import lifecycle as contracts
    from tenants.contracts.invoicing import invoice_contract
    from tenants.contracts.options import add_option
    from tenants.contracts.payments import record_payment
    from tenants.contracts.work import file_work_request
    from tenants.models import ContractStatus

    if _one(session, select(Principal).where(Principal.realm == realm_for(Role.MANAGED, None),
                                             Principal.login_id == login_id)):
        return
    party = contracts.register_party(session, None, {
        "name": "株式会社サンプル製作所", "address": "大阪府大阪市北区1-2-3", "representative": "代表取締役 木村 一郎",
        "phone": "06-0000-0000", "contact_person": "情報システム課 木村", "contact_email": "it@sample-mfg.example.jp",
        "billing_address": "大阪府大阪市北区1-2-3 経理部", "billing_email": "keiri@sample-mfg.example.jp",
        "payer_name": "カ)サンプルセイサクシヨ", "emergency_contact": "木村 090-0000-0000"})
    c = contracts.apply(session, None, party, server_id=None, monthly_fee=30_000, initial_fee=50_000,
                        applied_on=date(2026, 8, 20), settings={
                            "applications": "nginx, PostgreSQL", "contacts": "木村 06-0000-0000",
                            "emergency_contact": "木村 090-0000-0000"})
    contracts.accept(session, None, c, date(2026, 8, 25))
    c.status, c.notice_sent_on = ContractStatus.NOTIFIED.value, date(2026, 8, 28)  # demo: no notice mail
    contracts.confirm(session, None, c, date(2026, 10, 1), today=date(2026, 10, 1))
    add_option(session, None, c, "daily_backup", date(2026, 10, 1), 8_000)
    session.flush()
    october = invoice_contract(session, c, date(2026, 10, 1), notify=False)[0]  # demo: no invoice mail
    session.flush()
    record_payment(session, None, october, date(2026, 10, 20), october.total)
    file_work_request(session, None, c, "SSL証明書の更新", "www.sample-mfg.example.jp の証明書を更新してください。",
                      date(2026, 11, 2))
    _principal(session, Role.MANAGED, login_id, password, name=party.name, managed_customer_id=party.id)


DEMO_ISSUER = {
    "issuer_name": "OEMホスティング株式会社", "registration_number": "T7123456789012",
    "issuer_address": "東京都千代田区丸の内1-1-1", "issuer_phone": "03-0000-0001",
    "bank_details": "みずほ銀行 丸の内支店 普通 1234567 オーイーエムホスティング（カ",
}


def _billing(session, demo: Reseller) -> None:
    """The demo issuer (a made-up registration number with a valid check digit) and the demo
    reseller's OEM fees from October 2026."""
    from tenants.contracts.billing_admin import save_billing_settings, save_oem_fee

    save_billing_settings(session, None, {**DEMO_ISSUER, "tax_rounding": "floor", "reminder_days": "3, 10",
                                          "late_damages_due_days": 14})
    save_oem_fee(session, None, demo, {"plan_name": "OEMスタンダード", "plan_fee": 50_000, "server_fee": 20_000,
                                       "starts_on": date(2026, 10, 1), "billing_email": "keiri@demo.example.jp",
                                       "billing_address": "東京都港区1-1-1 デモ商事株式会社 経理部",
                                       "payer_name": "デモシヨウジ(カ"})


def local_driver_config(instance_path: Path | str, db_admin: dict | None = None) -> dict:
    """Settings of the local driver for this machine: files under instance/local-server, and the
    machine's MariaDB and PostgreSQL with the admin logins given (settings PANEL_MARIADB_* and
    PANEL_PG_*; the local defaults when none are given)."""
    base = Path(instance_path).resolve() / "local-server"
    return {
        "config_dir": str(base / "config"),
        "homes_root": str(base / "homes"),
        "db_admin": db_admin or local_db_admin({}),
        "tools": {},
        "nameservers": list(DEMO_NAMESERVERS),
        "http_listen": [f"127.0.0.1:{DEMO_SITES_PORT}"],
        # nginx's workers read customers' homes through the web group (workers/drivers/host/users.py)
        **({"nginx_user": "www-data"} if os.geteuid() == 0 else {}),
    }


def _backup_plan(session, box, server, instance_path) -> None:
    """The demo server's backup (issue 18): a repository under instance/local-server/backups, daily
    at its spread time; "Run a backup now" on Servers → Backups takes a generation at once."""
    from tenants.backups.plans import plan_for, save_plan

    if plan_for(session, server.id) is None:
        target = Path(instance_path).resolve() / "local-server" / "backups" / "borg"
        save_plan(session, None, box, server, {"enabled": True, "target_kind": "path", "target_path": str(target)})
def local_php_versions() -> list[str]:
    """The PHP-FPM versions this machine has (the demo's own machine; the driver detects them the
    same way on every server)."""
    found = {m.group(1) for p in Path("/usr/sbin").glob("php-fpm*") if (m := re.match(r"^php-fpm(\d+\.\d+)$", p.name))}
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def _php_site(session, customer: Customer, homes_root: str | None) -> None:
    """The demo customer's PHP site with a page, where this machine has PHP-FPM."""
    versions = local_php_versions()
    if not versions or _one(session, select(Domain).where(Domain.name == DEMO_PHP_SITE)):
        return
    session.add(Domain(customer_id=customer.id, reseller_id=customer.reseller_id, name=DEMO_PHP_SITE,
                       docroot=f"public_html/{DEMO_PHP_SITE}", php_version=versions[-1], dns_serial=1))
    session.flush()
    if homes_root:
        page = Path(homes_root) / str(customer.id) / "public_html" / DEMO_PHP_SITE / "index.php"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(DEMO_PHP_PAGE)


def panel_endpoint(host: str, port: int) -> dict:
    """The panel's own web port, as `make run` serves it: its health page must answer "ok"."""
    own = None if host in ALL_ADDRESSES or host in (DEMO_SERVER_ADDRESS, "localhost") else host
    return {"protocol": "http", "host": own, "port": port, "path": "/healthz", "keyword": "ok",
            "timeout_seconds": 5.0}


def machine_endpoints(db_admin: dict | None = None) -> list[dict]:
    """What else the demo server may really run: this machine itself (ping) and the MariaDB and
    PostgreSQL its local driver creates customers' databases on. Only those that answer when the
    demo is seeded are monitored (workers/cli.py asks the probes)."""
    db_admin = db_admin or local_db_admin({})
    found = [{"protocol": "icmp", "host": None, "port": None, "timeout_seconds": 3.0}]
    for protocol, name in (("mysql", "mariadb"), ("postgresql", "postgresql")):
        host = db_admin[name]["host"]
        found.append({"protocol": protocol, "host": None if host in (DEMO_SERVER_ADDRESS, "localhost") else host,
                      "port": int(db_admin[name]["port"]), "timeout_seconds": 5.0})
    return found


def _monitor(session, server: Server, endpoints) -> None:
    """Monitoring endpoints on the demo server (once each: the same protocol, address and port)."""
    have = {(e.protocol, e.host, e.port) for e in session.execute(
        select(MonitoredEndpoint).where(MonitoredEndpoint.server_id == server.id)).scalars()}
    for spec in endpoints:
        if (spec["protocol"], spec.get("host"), spec.get("port")) not in have:
            session.add(MonitoredEndpoint(server_id=server.id, **spec))
    session.flush()


def is_empty_installation(session) -> bool:
    """Nobody has set this installation up yet: no reseller and no login at all (two indexed
    look-ups of one row each)."""
    return session.execute(select(Reseller.id).limit(1)).first() is None and \
        session.execute(select(Principal.id).limit(1)).first() is None


def seed_demo_if_empty(session, box=None, instance_path=None, db_admin: dict | None = None,
                       endpoints=()) -> bool:
    """Seed the demo into an empty installation; leave one that holds data alone. True if seeded."""
    if not is_empty_installation(session):
        return False
    seed_demo(session, box, instance_path, db_admin, endpoints)
    return True


def seed_demo(session, box=None, instance_path=None, db_admin: dict | None = None, endpoints=()) -> None:
    """Into an empty database (seed_demo_if_empty decides; the tests build their template with it):
    a provider login, the demo nameservers as reserved names, two resellers with an operator, a
    course, a customer each, a direct managed-service customer with its contract and login, and
    this machine registered as a local server assigned to both resellers. Given the app's SecretBox
    and instance folder, the server gets working local-driver settings (once; settings already
    there are kept); given `endpoints` (what this machine really serves: panel_endpoint and those
    of machine_endpoints that answer), the server is monitored on them."""
    _principal(session, Role.PROVIDER, "admin", DEMO_LOGINS[0][3], name="Provider admin")
    for nameserver in DEMO_NAMESERVERS:  # no customer may register these (resellers' panel hosts need no row)
        _reserved(session, nameserver, "demo nameserver")
    server = _one(session, select(Server).where(Server.hostname == "localhost"))
    if server is None:
        server = Server(hostname="localhost", address=DEMO_SERVER_ADDRESS, role="all-in-one", kind=ServerKind.OEM,
                        driver="local")
        session.add(server)
        session.flush()
    if box is not None and instance_path is not None and not server.driver_config_secret:
        seal_driver_config(box, server, local_driver_config(instance_path, db_admin))
    if box is not None and instance_path is not None:
        _backup_plan(session, box, server, instance_path)
    _monitor(session, server, endpoints)
    demo = _reseller(session, "demo", "デモ商事株式会社", "デモホスティング", "support@demo.example.jp")
    acme = _reseller(session, "acme", "Acme Web Services", "Acme Hosting", "help@acme.example.jp")
    for reseller in (demo, acme):
        if not _one(session, select(ServerAssignment).where(ServerAssignment.server_id == server.id,
                                                            ServerAssignment.reseller_id == reseller.id)):
            session.add(ServerAssignment(server_id=server.id, reseller_id=reseller.id))
    _principal(session, Role.OPERATOR, "demo-op", DEMO_LOGINS[1][3], demo.id, name="デモ 運用担当")
    _principal(session, Role.OPERATOR, "acme-op", DEMO_LOGINS[3][3], acme.id, name="Acme operator")
    standard = _course(session, demo, "スタンダード", disk_quota_mb=20480, max_domains=10)
    basic = _course(session, acme, "Basic", disk_quota_mb=5120, max_domains=2)
    taro = _customer(session, demo, standard, server, "taro", DEMO_LOGINS[2][3], "山田 太郎", "C-0001")
    if box is not None and instance_path is not None:
        _php_site(session, taro, local_driver_config(instance_path)["homes_root"])
    _customer(session, acme, basic, server, "hanako", DEMO_LOGINS[4][3], "佐藤 花子", "A-0001")
    _billing(session, demo)
    _managed_customer(session, DEMO_LOGINS[5][2], DEMO_LOGINS[5][3])
