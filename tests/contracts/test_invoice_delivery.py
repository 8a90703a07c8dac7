"""What people see of invoices: the demo's November invoice as a PDF attached to the mail the test
SMTP server catches (its text read with pdftotext), the PDF downloaded in each panel, the
provider billing the demo reseller for October, and bad input refused beside its field."""
import shutil
import subprocess
import uuid

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from tenants.models import Invoice, OutboxMail
from tests.contracts.helpers import system
from tests.support import login, require_service
from workers import queues
from workers.jobs.outbox import send_outbox

DEMO_NOVEMBER = "MC00001-202611"


def pdf_text(data: bytes, tmp_path) -> str:
    """The text a reader sees in a PDF, as poppler's pdftotext extracts it."""
    require_service(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _invoice(app, number):
    with system(app) as s:
        return s.execute(select(Invoice).where(Invoice.number == number)).scalar_one()


def _run_billing_jobs():
    SimpleWorker([queues.queue("billing")], connection=queues.connection()).work(burst=True)


def download(client, url):
    """A PDF as a panel serves it: made by a worker when no copy of the document exists yet (202)."""
    response = client.get(url)
    if response.status_code == 202:
        _run_billing_jobs()
        response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def test_the_demo_november_invoice_is_mailed_with_its_pdf(app, as_provider, smtp_sink, tmp_path):
    nov = _invoice(app, DEMO_NOVEMBER)
    r = as_provider.post(f"/admin/contracts/invoices/{nov.id}/send", follow_redirects=True)
    assert "keiri@sample-mfg.example.jp" in r.get_data(as_text=True)
    assert send_outbox() == 1
    (rcpt, message), = smtp_sink.messages
    assert rcpt == ["keiri@sample-mfg.example.jp"] and DEMO_NOVEMBER in message["Subject"]
    assert "41,800円" in message.get_body(("plain",)).get_content()
    (attachment,) = list(message.iter_attachments())
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/pdf", f"{DEMO_NOVEMBER}.pdf")
    text = pdf_text(attachment.get_content(), tmp_path)
    assert "登録番号: T7123456789012" in text
    assert "消費税（10%）" in text and "3,800 円" in text
    assert "合計（税込）" in text and "41,800 円" in text
    assert "株式会社サンプル製作所 御中" in text and "2026年10月01日" in text  # recipient, issue date
    assert "2026年11月01日～2026年11月" in text  # the transaction period
    page = as_provider.get(f"/admin/contracts/invoices/{nov.id}").get_data(as_text=True)
    assert f"【請求書（適格請求書）】{DEMO_NOVEMBER}" in page  # the mail, on the invoice's screen
    with system(app) as s:
        mail = s.execute(select(OutboxMail).where(OutboxMail.invoice_id == nov.id)).scalar_one()
        assert mail.status == "sent"


def test_each_panel_downloads_the_same_pdf_and_nobody_elses(app, world, as_provider, as_demo_operator, tmp_path):
    nov = _invoice(app, DEMO_NOVEMBER)
    kanri = app.test_client()
    login(kanri, "managed", "kanri", "Demo-Kanri-2026")
    mine = download(kanri, f"/managed/contracts/invoices/{nov.id}/pdf")
    assert "T7123456789012" in pdf_text(mine, tmp_path)
    assert download(as_provider, f"/admin/contracts/invoices/{nov.id}/pdf") == mine
    html = kanri.get(f"/managed/contracts/invoices/{nov.id}").get_data(as_text=True)
    assert "登録番号: T7123456789012" in html and "41,800" in html
    assert as_demo_operator.get(f"/panel/contracts/invoices/{nov.id}/pdf").status_code == 404
    assert "MC00001-202611" in kanri.get("/managed/invoices").get_data(as_text=True)


def test_the_provider_bills_the_demo_reseller_for_october(app, world, as_provider, as_demo_operator,
                                                          as_acme_operator, smtp_sink, tmp_path):
    as_provider.get("/lang/en")
    r = as_provider.post("/admin/contracts/invoices", data={"oem-month": "2026-10-15", "oem-issued_on": "2026-11-01"},
                         follow_redirects=True)
    assert "1 invoices issued." in r.get_data(as_text=True)
    assert as_provider.post("/admin/contracts/invoices", data={"oem-month": "2026-10-15", "oem-issued_on": "2026-11-01"},
                            follow_redirects=True).get_data(as_text=True).count("0 invoices issued.") == 1
    with system(app) as s:
        october = s.execute(select(Invoice).where(Invoice.number == f"OEM{world.demo:04d}-202610")).scalar_one()
        assert (october.reseller_id, october.contract_id, october.due_on.isoformat()) == (world.demo, None, "2026-11-30")
        assert [(line.item, line.amount) for line in october.lines] == [("oem_plan", 50_000), ("oem_server", 20_000)]
        assert (october.tax, october.total) == (7_000, 77_000)
    listing = as_demo_operator.get("/panel/invoices").get_data(as_text=True)
    assert october.number in listing and "77,000" in listing
    text = pdf_text(download(as_demo_operator, f"/panel/contracts/invoices/{october.id}/pdf"), tmp_path)
    assert "デモ商事株式会社 御中" in text and "サーバ利用料 1台" in text and "77,000 円" in text
    assert as_acme_operator.get(f"/panel/contracts/invoices/{october.id}").status_code == 404
    assert october.number not in as_acme_operator.get("/panel/invoices").get_data(as_text=True)
    send_outbox()
    assert [rcpt for rcpt, m in smtp_sink.messages if october.number in m["Subject"]] == [["keiri@demo.example.jp"]]


def test_bad_billing_settings_are_refused_beside_the_field(app, as_provider):
    as_provider.get("/lang/en")
    form = {"issuer_name": "OEMホスティング株式会社", "registration_number": "T712345678901", "tax_rounding": "floor",
            "reminder_days": "3, 10", "late_damages_due_days": "14"}
    r = as_provider.post("/admin/billing/settings", data=form)
    assert r.status_code == 400 and "A registration number is T followed by 13 digits" in r.get_data(as_text=True)
    r = as_provider.post("/admin/billing/settings", data={**form, "registration_number": "T1123456789012"})
    assert r.status_code == 400 and "check digit" in r.get_data(as_text=True)
    page = as_provider.get("/admin/billing/settings").get_data(as_text=True)
    assert 'value="T7123456789012"' in page
    r = as_provider.post("/admin/billing/settings", data={**form, "registration_number": "T7000012050002"})
    assert r.status_code == 302


def test_an_extra_charge_due_before_its_issue_is_refused_beside_the_field(app, as_provider, tmp_path):
    as_provider.get("/lang/en")
    nov = _invoice(app, DEMO_NOVEMBER)
    quote = f"Q-{uuid.uuid4().hex[:8]}"  # a document no test made before: its PDF does not exist yet
    data = {"extra-description": "SSL証明書の取得代行", "extra-quote": quote, "extra-amount": "12000",
            "extra-tax_rate": "10", "extra-done_on": "2026-11-20", "extra-issued_on": "2026-11-20",
            "extra-due_on": "2026-11-19"}
    r = as_provider.post(f"/admin/contracts/{nov.contract_id}/extra-charge", data=data)
    assert r.status_code == 400 and "The due date cannot be before the issue date." in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/contracts/{nov.contract_id}/extra-charge", data={**data, "extra-amount": "-5"})
    assert r.status_code == 400
    r = as_provider.post(f"/admin/contracts/{nov.contract_id}/extra-charge", data={**data, "extra-due_on": "2026-12-31"},
                         follow_redirects=True)
    assert "Invoice MC00001-E01 issued." in r.get_data(as_text=True)
    extra = _invoice(app, "MC00001-E01")
    assert (extra.total, extra.due_on.isoformat()) == (13_200, "2026-12-31")
    url = f"/admin/contracts/invoices/{extra.id}/pdf"
    waiting = as_provider.get(url)
    assert waiting.status_code == 202 and "being prepared" in waiting.get_data(as_text=True)
    text = pdf_text(download(as_provider, url), tmp_path)
    assert quote in text and "13,200 円" in text and "2026年12月31日" in text


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig"])
def test_bank_statement_import_reviewed_applied_and_never_twice(app, as_provider, encoding):
    nov = _invoice(app, DEMO_NOVEMBER)
    statement = ("日付,金額,振込依頼人名,照会番号\n"
                 "2026/11/02,\"41,800\",ｶ)ｻﾝﾌﾟﾙｾｲｻｸｼﾖ,0001\n"
                 "2026/11/02,5000,ﾅﾝﾃﾞﾓﾅｲ ﾀﾛｳ,0002\n").encode(encoding)
    broken = statement + "2026/11/03,12.5,ｶ)ｻﾝﾌﾟﾙｾｲｻｸｼﾖ,0003\n".encode(encoding)
    as_provider.get("/lang/en")
    r = as_provider.post("/admin/billing/bank-import", data={"bank-statement": (_file(broken), "nov.csv")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "Row 4: the amount 12.5 is not a whole number of yen above 0." in r.get_data(as_text=True)
    r = as_provider.post("/admin/billing/bank-import", data={"bank-statement": (_file(statement), "nov.csv")},
                         content_type="multipart/form-data", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "2 new lines to review; 0 already imported." in page
    assert "株式会社サンプル製作所" in page and "No match" in page
    with system(app) as s:
        from tenants.models import BankLine
        lines = {line.reference: line for line in s.execute(select(BankLine)).scalars()}
        assert (lines["0001"].match, lines["0001"].proposed_invoice_ids) == ("name_amount", [nov.id])
    as_provider.post(f"/admin/billing/bank-lines/{lines['0001'].id}", data={"action": "apply"})
    as_provider.post(f"/admin/billing/bank-lines/{lines['0002'].id}", data={"action": "ignore"})
    with system(app) as s:
        assert s.execute(select(Invoice).where(Invoice.number == DEMO_NOVEMBER)).scalar_one().balance == 0
    r = as_provider.post("/admin/billing/bank-import", data={"bank-statement": (_file(statement), "again.csv")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "0 new lines to review; 2 already imported." in r.get_data(as_text=True)
    with system(app) as s:
        paid = s.execute(select(Invoice).where(Invoice.number == DEMO_NOVEMBER)).scalar_one()
        assert [(p.amount, p.paid_on.isoformat(), p.late_damages) for p in paid.payments] == [
            (41_800, "2026-11-02", 33)]  # 2 days late: floor(41,800 × 0.145 × 2 / 365)
        late = s.execute(select(Invoice).where(Invoice.number == f"{DEMO_NOVEMBER}-L")).scalar_one()
        assert late.total == 33


def test_one_payment_recorded_on_screen_pays_several_invoices_and_keeps_the_rest(app, as_provider):
    nov = _invoice(app, DEMO_NOVEMBER)
    as_provider.get("/lang/en")
    payer = f"p{nov.party_id}"
    page = as_provider.get(f"/admin/billing/payments?payer={payer}").get_data(as_text=True)
    assert DEMO_NOVEMBER in page
    r = as_provider.post(f"/admin/billing/payments?payer={payer}",
                         data={"receipt-received_on": "2026-10-30", "receipt-amount": "50000",
                               "receipt-invoices": [str(nov.id)]}, follow_redirects=True)
    assert "Payment recorded: 41,800 yen applied, 8,200 yen held as credit." in r.get_data(as_text=True)
    r = as_provider.post(f"/admin/billing/payments?payer={payer}",
                         data={"receipt-received_on": "2026-10-30", "receipt-amount": "1.5"})
    assert r.status_code == 400 and "Not a valid integer value." in r.get_data(as_text=True)


def _file(data: bytes):
    import io
    return io.BytesIO(data)
