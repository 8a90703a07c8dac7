"""The managed-contract screens: provider admin under /admin/contracts and the customer view in the
business panel, with the issue's figures and refusals of bad input beside their fields."""
import re

from sqlalchemy import select

from tenants.calendar import today_jst
from tenants.models import Contract, Invoice, OutboxMail, WorkRequest
from tests.contracts.helpers import done_objected_and_redone, system

APPLICATION = {
    "name": "株式会社画面テスト", "contact_email": "it@screen.example", "billing_address": "東京都 経理部",
    "reseller_id": "0", "server_id": "0", "monthly_fee": "30000", "initial_fee": "0",
    "applied_on": "2025-12-01", "applications": "nginx", "contacts": "田中",
    "emergency_contact": "田中 090-0000-0000",
}


def _apply(client, **changes):
    return client.post("/admin/contracts/new", data={**APPLICATION, **changes})


def _formed(client, billing_start="2026-01-15"):
    r = _apply(client)
    assert r.status_code == 302
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    for step, data in (("accept", {"accept-on": "2025-12-02"}), ("notice", {"notice-on": "2025-12-03"}),
                       ("confirm", {"confirm-billing_starts_on": billing_start})):
        assert client.post(f"/admin/contracts/{cid}/{step}", data=data).status_code == 302, step
    return cid


def test_application_refuses_bad_input_beside_the_fields(as_provider):
    as_provider.get("/lang/en")
    r = _apply(as_provider, name="", monthly_fee="-5")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "This field is required." in html and "Number must be at least 0." in html
    r = _apply(as_provider, emergency_contact="")  # the rule's own refusal, beside its field
    assert r.status_code == 400
    assert re.search(r'name="emergency_contact"[^>]*>\s*<p class="error" role="alert">Enter the emergency contact.</p>',
                     r.get_data(as_text=True))
    r = _apply(as_provider, monthly_fee="abc")
    assert r.status_code == 400 and "Not a valid integer value." in r.get_data(as_text=True)


def test_lifecycle_invoice_16000_payment_406_and_cancellation_224000(app, as_provider):
    as_provider.get("/lang/en")
    cid = _formed(as_provider)
    page = as_provider.get(f"/admin/contracts/{cid}").get_data(as_text=True)
    assert "2027-01-14" in page and "formed" in page  # minimum term end
    with system(app) as s:
        notice = s.execute(select(OutboxMail).where(OutboxMail.contract_id == cid)).scalar_one()
        assert notice.kind == "start_notice" and "田中 090-0000-0000" in notice.body

    r = as_provider.post("/admin/contracts/invoices", data={"run_on": "2026-01-20"})
    assert r.status_code == 302
    with system(app) as s:
        inv = {i.service_month.month: i.id for i in s.execute(select(Invoice).where(Invoice.contract_id == cid)).scalars()}
    assert sorted(inv) == [1, 2]
    printable = as_provider.get(f"/admin/contracts/invoices/{inv[1]}/print").get_data(as_text=True)
    assert "16,000" in printable and "2026年01月31日" in printable and "東京都 経理部" in printable

    r = as_provider.post(f"/admin/contracts/invoices/{inv[2]}", data={"paid_on": "2026-03-03", "amount": "1.5"})
    assert r.status_code == 400 and "Not a valid integer value." in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/invoices/{inv[2]}", data={"paid_on": "2026-03-03", "amount": "33001"},
                         follow_redirects=True)
    assert "Payment recorded; late damages 406 yen; 1 yen held as credit." in r.get_data(as_text=True)

    r = as_provider.post(f"/admin/contracts/{cid}/cancel",
                         data={"cancel-notified_on": "2026-03-10", "cancel-cancellation_date": "2026-04-30"})
    assert r.status_code == 400
    assert "the earliest cancellation date is 2026-05-31" in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/{cid}/cancel",
                         data={"cancel-notified_on": "2026-03-10", "cancel-cancellation_date": "2026-05-31"},
                         follow_redirects=True)
    assert "early-cancellation charge 224,000 yen" in r.get_data(as_text=True)


def test_refusal_needs_a_listed_ground(app, as_provider):
    as_provider.get("/lang/en")
    cid = int(_apply(as_provider).headers["Location"].rsplit("/", 1)[1])
    r = as_provider.post(f"/admin/contracts/{cid}/refuse", data={"refuse-on": "2025-12-02",
                                                                 "refuse-refusal_ground": "because"})
    assert r.status_code == 400 and "Not a valid choice" in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/{cid}/refuse", data={"refuse-on": "2025-12-02",
                                                                 "refuse-refusal_ground": "false_statement"})
    assert r.status_code == 302
    with system(app) as s:
        assert (s.get(Contract, cid).status, s.get(Contract, cid).refusal_ground) == ("refused", "false_statement")


def test_suspension_without_notice_is_refused_and_emergency_goes_through(app, as_provider):
    as_provider.get("/lang/en")
    cid = _formed(as_provider)
    r = as_provider.post(f"/admin/contracts/{cid}/suspend", data={"suspend-ground": "non_payment",
                                                                  "suspend-ends_at": "2030-01-01T10:00"})
    assert r.status_code == 400 and "Outside an emergency the notice must be sent before" in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/{cid}/suspend", data={
        "suspend-ground": "obstruction", "suspend-ends_at": "2030-01-01T10:00", "suspend-emergency": "y",
        "suspend-reason": "踏み台"}, follow_redirects=True)
    assert r.status_code == 200
    with system(app) as s:
        assert s.get(Contract, cid).status == "suspended"


def test_work_request_target_and_customer_inspection(app, world, as_provider, as_acme_operator, as_demo_operator):
    as_provider.get("/lang/en")
    cid = _formed(as_provider)
    with system(app) as s:  # the contract party is reseller acme
        c = s.get(Contract, cid)
        c.reseller_id = c.party.reseller_id = world.acme
        s.commit()
    assert as_provider.post(f"/admin/contracts/{cid}/work", data={"work-title": "", "work-on": "2026-12-28"}).status_code == 400
    r = as_provider.post(f"/admin/contracts/{cid}/work", data={"work-title": "DNS変更", "work-on": "2026-12-28"})
    assert r.status_code == 302
    with system(app) as s:
        wid = s.execute(select(WorkRequest.id).where(WorkRequest.contract_id == cid)).scalar_one()
    r = as_provider.post(f"/admin/contracts/work/{wid}", data={"step": "accept", "on": "2026-12-29"}, follow_redirects=True)
    assert "2027-01-06" in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/work/{wid}", data={"step": "accept", "on": "2026-12-29"})
    assert r.status_code == 400
    r = as_provider.post(f"/admin/contracts/work/{wid}", data={"step": "complete", "on": "2026-12-28"})
    assert r.status_code == 400 and "Work cannot be completed before it was accepted." in r.get_data(as_text=True)

    listing = as_acme_operator.get("/panel/contracts").get_data(as_text=True)
    assert f'/panel/contracts/{cid}"' in listing
    assert f'/panel/contracts/{cid}"' not in as_demo_operator.get("/panel/contracts").get_data(as_text=True)
    assert as_demo_operator.get(f"/panel/contracts/work/{wid}").status_code == 404
    detail = as_acme_operator.get(f"/panel/contracts/{cid}").get_data(as_text=True)
    assert "DNS変更" in detail and "30,000" in detail
    # the customer files work itself, we do it today, the customer objects, then accepts the redo
    assert as_acme_operator.post(f"/panel/contracts/{cid}/work", data={"work-title": ""}).status_code == 400
    r = as_acme_operator.post(f"/panel/contracts/{cid}/work", data={"work-title": "追加作業"})
    assert r.status_code == 302
    with system(app) as s:
        own = s.execute(select(WorkRequest.id).where(WorkRequest.title == "追加作業")).scalar_one()
    done_objected_and_redone(app, as_provider, as_acme_operator, "/panel", own)
    assert as_acme_operator.post(f"/panel/contracts/work/{own}", data={"note": ""}).status_code == 302
    with system(app) as s:
        assert (s.get(WorkRequest, own).status, s.get(WorkRequest, own).inspected_on) == ("done", today_jst())
        mails = s.execute(select(OutboxMail).where(OutboxMail.kind == "work_completed")).scalars().all()
        assert len(mails) == 2 and all("追加作業" in m.subject for m in mails)


def test_annual_report_downloads_as_csv_for_staff_and_the_customer(app, world, as_provider, as_acme_operator):
    cid = _formed(as_provider)
    as_provider.post(f"/admin/contracts/{cid}/complaints", data={"complaint-subject": "遅い", "complaint-on": "2026-03-01"})
    r = as_provider.get(f"/admin/contracts/{cid}/report?year=2026&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "complaints,received,1" in r.get_data(as_text=True)
    assert as_acme_operator.get(f"/panel/contracts/{cid}/report").status_code == 404  # a direct customer's


def test_contract_data_changes_keep_history_and_late_succession_is_flagged(app, as_provider):
    as_provider.get("/lang/en")
    cid = _formed(as_provider)
    data = {**{k: APPLICATION[k] for k in ("name", "contact_email", "billing_address", "emergency_contact")},
            "address": "大阪市北区1-1", "notified_on": "2026-04-01"}
    assert as_provider.post(f"/admin/contracts/{cid}/party", data={**data, "name": ""}).status_code == 400
    assert as_provider.post(f"/admin/contracts/{cid}/party", data=data).status_code == 302
    r = as_provider.post(f"/admin/contracts/{cid}/party", data={
        "succ-successor_name": "新会社", "succ-succeeded_on": "2026-05-01", "succ-notified_on": "2026-04-30"})
    assert r.status_code == 400 and "The notice cannot come before the succession." in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/{cid}/party", data={
        "succ-successor_name": "新会社", "succ-succeeded_on": "2026-05-01", "succ-notified_on": "2026-06-05"},
        follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "大阪市北区1-1" in page and "2026-05-31" in page and "late" in page  # deadline 30 days on
    assert page.index("新会社") < page.index("大阪市北区1-1")  # newest change first


def test_customer_sees_its_own_printable_invoice(app, world, as_provider, as_acme_operator, as_demo_operator):
    cid = _formed(as_provider)
    with system(app) as s:
        c = s.get(Contract, cid)
        c.reseller_id = c.party.reseller_id = world.acme
        s.commit()
    as_provider.post("/admin/contracts/invoices", data={"run_on": "2026-01-20"})
    with system(app) as s:
        january = s.execute(select(Invoice).where(Invoice.contract_id == cid, Invoice.subtotal == 16_000)).scalar_one()
        assert january.reseller_id == world.acme
    page = as_acme_operator.get(f"/panel/contracts/{cid}").get_data(as_text=True)
    assert f"/panel/contracts/invoices/{january.id}" in page
    printable = as_acme_operator.get(f"/panel/contracts/invoices/{january.id}")
    assert printable.status_code == 200 and "16,000" in printable.get_data(as_text=True)
    assert as_demo_operator.get(f"/panel/contracts/invoices/{january.id}").status_code == 404
