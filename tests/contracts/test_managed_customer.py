"""The managed-customer panel (/managed): a direct managed-service customer logs in with the login
the provider issued, sees only its own contract party's contracts, options, invoices, payments,
work requests and reports, files and inspects work; nobody else reaches it and it reaches nothing
else."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tenants.calendar import today_jst
from tenants.models import (
    AuditLog,
    Complaint,
    Contract,
    ContractOption,
    Customer,
    Incident,
    Invoice,
    InvoiceLine,
    ManagedCustomer,
    MonitoredEndpoint,
    Payment,
    Principal,
    Server,
    Suspension,
    WorkRequest,
    WorkRequestEvent,
)
from tenants.tenancy import Scope, TenantScopeError
from tests.conftest import DEMO_PASSWORDS
from tests.contracts.helpers import direct_customer, done_objected_and_redone, system, victim_contract
from tests.support import login, scoped_session

OTHER_PASSWORD = "Other-Direct-2026"


@pytest.fixture
def managed_world(app, world):
    """kanri (the demo's direct customer), a second direct customer "tonari" and acme's contract."""
    with system(app) as s:
        world.tonari = direct_customer(s, "tonari", OTHER_PASSWORD)
        world.acme_contracts = victim_contract(s, world.acme)
        kanri = s.execute(select(Principal).where(Principal.login_id == "kanri")).scalar_one()
        world.kanri_party = kanri.managed_customer_id
        world.kanri_contract = s.execute(select(Contract.id).where(
            Contract.party_id == kanri.managed_customer_id)).scalar_one()
        s.commit()
    return world


@pytest.fixture
def as_kanri(app):
    c = app.test_client()
    login(c, "managed", "kanri", DEMO_PASSWORDS["kanri"])
    c.get("/lang/en")  # after the login, which starts a fresh session
    return c


def test_login_shows_only_its_own_contract_invoices_payments_and_work(app, managed_world, as_kanri):
    w = managed_world
    listing = as_kanri.get("/managed/", follow_redirects=True).get_data(as_text=True)
    assert f'/managed/contracts/{w.kanri_contract}"' in listing
    for other in (w.tonari["contract"], w.acme_contracts["contract"]):
        assert f'/managed/contracts/{other}"' not in listing
    page = as_kanri.get(f"/managed/contracts/{w.kanri_contract}").get_data(as_text=True)
    assert "株式会社サンプル製作所" in page and "2027-09-30" in page  # minimum term of a 2026-10-01 start
    assert "Daily full backup" in page and "SSL証明書の更新" in page and "nginx, PostgreSQL" in page
    with system(app) as s:
        invoices = s.execute(select(Invoice).where(Invoice.contract_id == w.kanri_contract)
                             .order_by(Invoice.service_month)).scalars().all()
        numbers = [i.number for i in invoices]
        october_total = invoices[0].total
    assert all(n in page for n in numbers) and f"{october_total:,}" in page and "2026-10-20" in page
    printable = as_kanri.get(f"/managed/contracts/invoices/{invoices[0].id}").get_data(as_text=True)
    assert numbers[0] in printable and "大阪府大阪市北区1-2-3 経理部" in printable
    report = as_kanri.get(f"/managed/contracts/{w.kanri_contract}/report?year=2026")
    assert report.status_code == 200 and "Annual service report" in report.get_data(as_text=True)
    csv = as_kanri.get(f"/managed/contracts/{w.kanri_contract}/report?year=2026&format=csv")
    assert csv.mimetype == "text/csv" and "work_requests,requested,1" in csv.get_data(as_text=True)


def test_another_customers_ids_answer_404(app, managed_world, as_kanri):
    for victim in (managed_world.tonari, managed_world.acme_contracts):
        for url in (f"/managed/contracts/{victim['contract']}", f"/managed/contracts/{victim['contract']}/report",
                    f"/managed/contracts/work/{victim['work']}", f"/managed/contracts/invoices/{victim['invoice']}"):
            assert as_kanri.get(url).status_code == 404, url
        assert as_kanri.post(f"/managed/contracts/{victim['contract']}/work",
                             data={"work-title": "乗っ取り"}).status_code == 404
        assert as_kanri.post(f"/managed/contracts/work/{victim['work']}", data={"note": "x"}).status_code == 404
    with system(app) as s:
        assert s.execute(select(WorkRequest).where(WorkRequest.title == "乗っ取り")).first() is None


def test_party_scope_filters_every_managed_model_and_hides_everything_else(app, managed_world):
    w = managed_world
    scope = Scope("managed", party_id=w.tonari["party"], principal_id=_principal_id(app, "tonari"))
    with scoped_session(app, scope) as s:
        assert [p.id for p in s.execute(select(ManagedCustomer)).scalars()] == [w.tonari["party"]]
        assert [c.id for c in s.execute(select(Contract)).scalars()] == [w.tonari["contract"]]
        for model, key in ((ContractOption, "option"), (Invoice, "invoice"), (Suspension, "suspension"),
                           (WorkRequest, "work"), (Complaint, "complaint")):
            rows = s.execute(select(model)).scalars().all()
            assert w.tonari[key] in [r.id for r in rows], model
            assert {r.contract_id for r in rows} == {w.tonari["contract"]}, model
        invoice_ids = {r.invoice_id for r in s.execute(select(InvoiceLine)).scalars()}
        assert invoice_ids == {i.id for i in s.execute(select(Invoice)).scalars()}
        assert {e.request_id for e in s.execute(select(WorkRequestEvent)).scalars()} == {w.tonari["work"]}
        assert s.execute(select(Payment)).scalars().all() == []
        for model in (Customer, Server, AuditLog):
            assert s.execute(select(model)).first() is None, model
        assert [p.login_id for p in s.execute(select(Principal)).scalars()] == ["tonari"]
        # writes: never the provider's records; a work request only on its own contract
        own = s.get(Contract, w.tonari["contract"])
        own.monthly_fee = 1
        with pytest.raises(TenantScopeError):
            s.flush()
        s.rollback()
        s.add(WorkRequest(contract_id=w.kanri_contract, title="x", requested_on=today_jst()))
        with pytest.raises(TenantScopeError):
            s.flush()


def test_the_server_of_its_own_contract_is_shown_and_no_other(app, managed_world, as_kanri):
    w = managed_world
    with system(app) as s:
        mine = Server(hostname="mgd1.sample-mfg.example.jp", address="127.0.0.9", role="web", kind="managed")
        s.add(mine)
        s.flush()
        s.get(Contract, w.kanri_contract).server_id = mine.id
        endpoint = MonitoredEndpoint(server_id=mine.id, protocol="https", port=443)
        s.add(endpoint)
        s.flush()
        at = datetime(2026, 11, 3, 1, 0, tzinfo=timezone.utc)
        s.add(Incident(server_id=mine.id, endpoint_id=endpoint.id, subject="https:443", status="closed",
                       started_at=at, detected_at=at, recovered_at=at + timedelta(minutes=20),
                       reason="connection refused"))
        s.commit()
        mine_id = mine.id
    page = as_kanri.get(f"/managed/contracts/{w.kanri_contract}").get_data(as_text=True)
    assert "mgd1.sample-mfg.example.jp" in page
    assert "mgd1.sample-mfg.example.jp" in as_kanri.get("/managed/", follow_redirects=True).get_data(as_text=True)
    # the annual report reads its server's record in the customer's own scope (managed terms §29)
    report = as_kanri.get(f"/managed/contracts/{w.kanri_contract}/report?year=2026&format=csv").get_data(as_text=True)
    assert "https:443: connection refused" in report
    kanri = Scope("managed", party_id=w.kanri_party, principal_id=_principal_id(app, "kanri"))
    with scoped_session(app, kanri) as s:
        assert [sv.id for sv in s.execute(select(Server)).scalars()] == [mine_id]  # not localhost
    tonari = Scope("managed", party_id=w.tonari["party"], principal_id=_principal_id(app, "tonari"))
    with scoped_session(app, tonari) as s:
        assert s.execute(select(Server)).first() is None
        with pytest.raises(TenantScopeError):  # seen is not writable
            s.add(Server(hostname="x.example.jp", address="127.0.0.10", role="web", kind="managed"))
            s.flush()


def _principal_id(app, login_id):
    with system(app) as s:
        return s.execute(select(Principal.id).where(Principal.login_id == login_id)).scalar_one()


def test_work_request_filed_objected_and_accepted(app, managed_world, as_kanri, as_provider):
    cid = managed_world.kanri_contract
    r = as_kanri.post(f"/managed/contracts/{cid}/work", data={"work-title": "  "})
    assert r.status_code == 400 and "This field is required." in r.get_data(as_text=True)
    with system(app) as s:
        before = s.execute(select(WorkRequest.id).where(WorkRequest.contract_id == cid)).scalars().all()
    assert len(before) == 1
    assert as_kanri.post(f"/managed/contracts/{cid}/work", data={"work-title": "DNS変更"}).status_code == 302
    with system(app) as s:
        wid = s.execute(select(WorkRequest.id).where(WorkRequest.title == "DNS変更")).scalar_one()
        assert s.execute(select(AuditLog).where(AuditLog.action == "managed.work.request",
                                                AuditLog.actor == "managed:kanri")).first() is not None
    r = as_kanri.post(f"/managed/contracts/work/{wid}", data={"note": ""})
    assert r.status_code == 400 and "not possible while the request is requested" in r.get_data(as_text=True)
    done_objected_and_redone(app, as_provider, as_kanri, "/managed", wid)
    page = as_kanri.get(f"/managed/contracts/work/{wid}").get_data(as_text=True)
    assert "Inspection" in page
    assert as_kanri.post(f"/managed/contracts/work/{wid}", data={"note": ""}).status_code == 302
    with system(app) as s:
        assert s.get(WorkRequest, wid).status == "done"
    assert as_kanri.post(f"/managed/contracts/{cid}/complaints", data={"complaint-subject": "遅い"}).status_code == 302


def test_provider_issues_and_resets_the_login(app, managed_world, as_provider):
    as_provider.get("/lang/en")
    with system(app) as s:
        third = victim_contract(s, None)
        s.commit()
    url = f"/admin/contracts/{third['contract']}/party/login"
    assert "Issue the login" in as_provider.get(f"/admin/contracts/{third['contract']}/party").get_data(as_text=True)
    r = as_provider.post(url, data={"login_id": "kanri"})
    assert r.status_code == 400 and "This login ID is already in use." in r.get_data(as_text=True)
    r = as_provider.post(url, data={"login_id": "sandan", "password": "short"})
    assert r.status_code == 400 and "Use at least 10 characters." in r.get_data(as_text=True)
    with system(app) as s:
        assert s.execute(select(Principal).where(Principal.login_id == "sandan")).first() is None
    r = as_provider.post(url, data={"login_id": "sandan"})
    assert r.status_code == 200 and "shown only once" in r.get_data(as_text=True)
    generated = r.get_data(as_text=True).split('<code class="secret">')[1].split("<")[0]
    customer = app.test_client()
    login(customer, "managed", "sandan", generated)
    assert customer.get(f"/managed/contracts/{third['contract']}").status_code == 200
    # a reset with a weak typed password changes nothing; a good one ends the old password's sessions
    r = as_provider.post(url, data={"password": "alllowercase"})
    assert r.status_code == 400 and "Mix lower-case letters" in r.get_data(as_text=True)
    assert customer.get("/managed/contracts").status_code == 200
    assert as_provider.post(url, data={"password": "Fresh-Password-2026"}).status_code == 200
    assert customer.get("/managed/contracts").status_code == 302
    login(app.test_client(), "managed", "sandan", "Fresh-Password-2026")
    with system(app) as s:
        actions = s.execute(select(AuditLog.action).where(AuditLog.action.like("managed.login.%"))
                            .order_by(AuditLog.id)).scalars().all()
    assert actions[-2:] == ["managed.login.issue", "managed.login.reset"]
    # a reseller party has no managed login: its operators use the business panel
    acme_url = f"/admin/contracts/{managed_world.acme_contracts['contract']}/party/login"
    r = as_provider.post(acme_url, data={"login_id": "acme-kanri"})
    assert r.status_code == 400 and "one of our resellers" in r.get_data(as_text=True)


def test_the_database_keeps_one_login_per_party(app, managed_world):
    """Even a write that bypasses the rule (two requests racing) cannot give a party a second login."""
    with system(app) as s:
        kanri = s.execute(select(Principal).where(Principal.login_id == "kanri")).scalar_one()
        s.add(Principal(role="managed", realm=kanri.realm, login_id="kanri-2", password_hash=kanri.password_hash,
                        managed_customer_id=kanri.managed_customer_id))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()
        assert s.execute(select(Principal).where(Principal.login_id == "kanri-2")).first() is None


def test_panels_are_closed_to_the_other_roles(app, managed_world, as_kanri, as_demo_operator, as_taro):
    for client in (as_demo_operator, as_taro):
        r = client.get(f"/managed/contracts/{managed_world.kanri_contract}")
        assert r.status_code == 302 and r.headers["Location"].startswith("/managed/login")
    for url, target in (("/admin/", "/admin/login"), ("/panel/", "/panel/login"),
                        ("/panel/contracts", "/panel/login"), ("/u/demo/home", "/u/demo/")):
        r = as_kanri.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith(target), url


def test_login_rules_lockout_password_change_and_logout(app, managed_world):
    c = app.test_client()
    c.get("/lang/en")
    r = c.post("/managed/login", data={"login_id": "kanri", "password": "Wrong-password-1"})
    assert r.status_code == 200 and "The login ID or password is not correct." in r.get_data(as_text=True)
    r = c.post("/managed/login", data={"login_id": "demo-op", "password": DEMO_PASSWORDS["demo-op"]})
    assert r.status_code == 200  # an operator is not a managed customer
    first, second = app.test_client(), app.test_client()
    login(first, "managed", "kanri", DEMO_PASSWORDS["kanri"])
    login(second, "managed", "kanri", DEMO_PASSWORDS["kanri"])
    r = first.post("/managed/password", data={"current_password": DEMO_PASSWORDS["kanri"],
                                              "new_password": "kanri-short", "confirm_password": "kanri-short"})
    assert r.status_code == 400
    r = first.post("/managed/password", data={"current_password": DEMO_PASSWORDS["kanri"],
                                              "new_password": "Brand-New-Pass-9", "confirm_password": "Brand-New-Pass-9"})
    assert r.status_code == 302
    assert first.get("/managed/contracts").status_code == 200
    assert second.get("/managed/contracts").status_code == 302  # the other session ended
    first.post("/managed/logout")
    assert first.get("/managed/contracts").status_code == 302
    for _ in range(10):
        c.post("/managed/login", data={"login_id": "kanri", "password": "Bad-password-1"})
    r = c.post("/managed/login", data={"login_id": "kanri", "password": "Brand-New-Pass-9"})
    assert r.status_code == 429


def test_managed_login_page_is_japanese_by_default(client):
    html = client.get("/managed/login").get_data(as_text=True)
    assert 'lang="ja"' in html


def test_annual_report_csv_writes_formula_like_text_as_text(app, managed_world, as_kanri):
    import csv
    import io

    with system(app) as s:
        s.get(ManagedCustomer, managed_world.kanri_party).name = "=cmd|' /C calc'!A0"
        s.commit()
    r = as_kanri.get(f"/managed/contracts/{managed_world.kanri_contract}/report?year=2026&format=csv")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert ["contract", "party", "'=cmd|' /C calc'!A0"] in rows  # shown as text, never run
    assert ["contract", "id", str(managed_world.kanri_contract)] in rows  # numbers stay numbers
    assert ["work_requests", "requested", "1"] in rows
