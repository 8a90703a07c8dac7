"""Every charge of the managed terms billed on a qualified invoice, rule by rule with its article,
through the service functions and the jobs: the invoice keeps what it was issued with (消費税法
第57条の4), an option's early charge (§6.4), quoted extras (§20.1③, §20.2), termination (§12,
§20.5), late damages (§22.1), reminders, receipts with credit, and credit notes."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tenants.contracts import lifecycle as contracts
from tenants.contracts.billing_admin import save_billing_settings
from tenants.contracts.charges import bill_extra_charge, issue_credit_note
from tenants.contracts.invoicing import invoice_contract
from tenants.contracts.options import add_option, cancel_option
from tenants.contracts.payments import apply_credit, credit_of, record_payment, record_receipt
from tenants.contracts.suspension import suspend, terminate
from tenants.errors import RuleViolation
from tenants.models import AuditLog, Invoice, OutboxMail
from tests.contracts.helpers import formed_contract, system
from workers.jobs.contracts import daily_contracts

UTC = timezone.utc
ISSUER = {"issuer_name": "OEMホスティング株式会社", "registration_number": "T7123456789012",
          "issuer_address": "東京都千代田区丸の内1-1-1", "bank_details": "みずほ銀行 丸の内支店 普通 1234567",
          "tax_rounding": "floor", "reminder_days": "3, 10", "late_damages_due_days": 14}


def _by_number(s, number):
    return s.execute(select(Invoice).where(Invoice.number == number)).scalar_one()


def test_an_issued_invoice_keeps_its_issuer_and_tax_when_the_settings_change(app):
    """消費税法第57条の4第1項: issuer, registration number, tax per rate, recipient — as issued."""
    with system(app) as s:
        c = formed_contract(s, fee=10_005, billing_start=date(2026, 1, 31))
        feb = invoice_contract(s, c, date(2026, 1, 31))[-1]
        assert (feb.qualified, feb.registration_number, feb.recipient_name) == (True, "T7123456789012", "株式会社テスト")
        assert (feb.subtotal, feb.tax_breakdown, feb.total) == (10_005, [{"rate": 10, "taxable": 10_005, "tax": 1_000}],
                                                                11_005)
        save_billing_settings(s, None, {**ISSUER, "issuer_name": "新社名株式会社", "registration_number": "T7000012050002",
                                        "tax_rounding": "half_up"})
        mar = invoice_contract(s, c, date(2026, 2, 1))[-1]
        s.commit()
        assert (feb.issuer_name, feb.registration_number, feb.tax) == ("OEMホスティング株式会社", "T7123456789012", 1_000)
        assert (mar.issuer_name, mar.registration_number, mar.tax, mar.tax_rounding) == (
            "新社名株式会社", "T7000012050002", 1_001, "half_up")  # 1,000.5 rounded half up


def test_bad_issuer_settings_are_refused_and_nothing_changes(app):
    with system(app) as s:
        with pytest.raises(RuleViolation) as exc:
            save_billing_settings(s, None, {**ISSUER, "registration_number": "T1234567890123", "reminder_days": "3, x",
                                            "late_damages_due_days": -1})
        assert {p.field for p in exc.value.problems} == {"registration_number", "reminder_days", "late_damages_due_days"}
        s.rollback()
        from tenants.contracts.documents import billing_settings
        assert billing_settings(s).registration_number == "T7123456789012"


def test_option_cancelled_early_is_billed_on_its_own_invoice_due_by_the_end_of_its_cancellation_month(app):
    """§6.3, §6.4: an option's remaining minimum-term fees, due by the end of its cancellation month,
    and never billed again when the whole contract is cancelled later."""
    with system(app) as s:
        c = formed_contract(s)
        option = add_option(s, None, c, "port_monitoring", date(2026, 2, 10), 6_000)  # term ends 2027-02-09
        charge = cancel_option(s, None, option, date(2026, 3, 10), date(2026, 5, 31))
        assert charge == 8 * 6_000 + 1_800
        early = _by_number(s, f"MC{c.id:05d}-202605-O{option.id}")
        assert (early.kind, early.issued_on, early.due_on) == ("option_early", date(2026, 3, 10), date(2026, 5, 31))
        assert [(line.amount, line.tax_rate, line.option_id) for line in early.lines] == [(49_800, None, option.id)]
        assert (early.untaxed, early.tax, early.total) == (49_800, 0, 49_800)  # 不課税 (基本通達5-5-2)
        mail = s.execute(select(OutboxMail).where(OutboxMail.invoice_id == early.id)).scalar_one()
        assert mail.recipient == "it@customer.example" and "49,800円" in mail.body
        contracts.notify_cancellation(s, None, c, date(2026, 6, 10), date(2026, 8, 31))
        closing = _by_number(s, f"MC{c.id:05d}-202608-X")
        assert [line.option_id for line in closing.lines] == [None]  # the base service only
        s.commit()


def test_quoted_extra_charge_is_billed_with_the_due_date_set_and_its_rate(app):
    """§20.1③ (見積書), §20.2 (当社が別に定める期日)."""
    with system(app) as s:
        c = formed_contract(s)
        extra = bill_extra_charge(s, None, c, description="SSL証明書の取得代行", amount=12_345, rate=10,
                                  issued_on=date(2026, 3, 2), due_on=date(2026, 3, 31), quote="Q-2026-015")
        reduced = bill_extra_charge(s, None, c, description="お茶", amount=1_001, rate=8,
                                    issued_on=date(2026, 3, 2), due_on=date(2026, 3, 2))
        assert (extra.number, extra.kind, extra.due_on, extra.tax, extra.total) == (
            f"MC{c.id:05d}-E01", "extra", date(2026, 3, 31), 1_234, 13_579)
        assert "Q-2026-015" in extra.note
        assert (reduced.number, reduced.tax_breakdown) == (f"MC{c.id:05d}-E02", [{"rate": 8, "taxable": 1_001, "tax": 80}])
        for bad, fields in (({"amount": -1}, {"amount"}), ({"amount": 1.5}, {"amount"}),
                            ({"due_on": date(2026, 3, 1)}, {"due_on"}), ({"rate": 5, "description": " "},
                                                                         {"tax_rate", "description"})):
            args = {"description": "作業", "amount": 1_000, "rate": 10, "issued_on": date(2026, 3, 2),
                    "due_on": date(2026, 3, 31), **bad}
            with pytest.raises(RuleViolation) as exc:
                bill_extra_charge(s, None, c, **args)
            assert {p.field for p in exc.value.problems} == fields
        s.commit()
        assert s.execute(select(Invoice).where(Invoice.kind == "extra", Invoice.contract_id == c.id)).scalars().all() \
            == [extra, reduced]


def test_a_further_charge_corrects_an_invoice_as_a_new_document_referring_to_it(app):
    """修正: the invoice stays as issued; the correction is a new invoice that refers to it."""
    with system(app) as s:
        c, other = formed_contract(s), formed_contract(s, name="別会社")
        feb = invoice_contract(s, c, date(2026, 1, 20))[-1]
        fix = bill_extra_charge(s, None, c, description="2月分 オプション料金の請求漏れ", amount=5_000, rate=10,
                                issued_on=date(2026, 2, 5), due_on=date(2026, 2, 28), corrects=feb)
        assert (fix.corrects_id, fix.total, feb.total) == (feb.id, 5_500, 33_000)
        assert fix.note.startswith(f"{feb.number} の修正")
        with pytest.raises(RuleViolation) as exc:
            bill_extra_charge(s, None, other, description="誤り", amount=1, rate=10, issued_on=date(2026, 2, 5),
                              due_on=date(2026, 2, 28), corrects=feb)
        assert exc.value.problems[0].field == "corrects"
        s.commit()


def test_termination_voids_open_invoices_of_later_months_and_leaves_paid_ones(app):
    """§12: after the end nothing more is owed; §20.5: nothing paid is refunded."""
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with system(app) as s:
        c = formed_contract(s)
        invoices = invoice_contract(s, c, date(2026, 3, 25))  # January to April
        by_month = {i.service_month.month: i for i in invoices}
        record_payment(s, None, by_month[4], date(2026, 3, 26), 33_000)  # April paid in advance
        record_payment(s, None, by_month[3], date(2026, 3, 26), 10_000)  # March part paid
        susp = suspend(s, None, c, ground="non_payment", reason="", starts_at=now, ends_at=now + timedelta(days=3),
                       emergency=True, now=now)
        terminate(s, None, susp, "未払い", now + timedelta(days=4), date(2026, 2, 27))
        s.commit()
        assert [by_month[m].status for m in (1, 2, 3, 4)] == ["issued", "issued", "void", "issued"]
        assert (by_month[3].balance, by_month[3].paid, by_month[4].balance) == (0, 10_000, 0)
        audit = s.execute(select(AuditLog).where(AuditLog.action == "managed.invoice.void")).scalars().all()
        assert [a.object_id for a in audit] == [by_month[3].id] and "10000 yen paid is kept" in audit[0].summary
        void_mail = s.execute(select(OutboxMail).where(OutboxMail.kind == "invoice_void")).scalar_one()
        assert "払い戻しいたしません" in void_mail.body and by_month[3].number in void_mail.subject


def test_late_damages_are_billed_once_the_invoice_is_settled_with_the_due_date_set(app):
    """§22.1: 14.5 % a year for the days late, payable by a date the provider sets."""
    with system(app) as s:
        c = formed_contract(s)
        feb = invoice_contract(s, c, date(2026, 1, 20))[-1]  # 33,000 due 2026-01-31
        record_payment(s, None, feb, date(2026, 2, 10), 13_000)  # 10 days late: floor(13,000 × .145 × 10 / 365) = 51
        assert s.execute(select(Invoice).where(Invoice.kind == "late_damages")).first() is None  # still open
        record_payment(s, None, feb, date(2026, 3, 3), 20_000)   # 31 days late: 246
        damages = _by_number(s, f"{feb.number}-L")
        assert (damages.total, damages.tax, damages.issued_on, damages.due_on) == (
            297, 0, date(2026, 3, 3), date(2026, 3, 17))
        assert damages.corrects_id == feb.id and damages.lines[0].period_from == date(2026, 2, 1)
        record_payment(s, None, damages, date(2026, 5, 1), 297)  # late damages bear no late damages
        assert s.execute(select(Invoice).where(Invoice.number.like(f"{damages.number}%"))).scalars().all() == [damages]
        jan = invoice_contract(s, c, date(2026, 1, 20))  # nothing new
        assert jan == []
        s.commit()


def test_overdue_invoices_are_reminded_on_the_schedules_business_days_once_each(app):
    with system(app) as s:
        c = formed_contract(s, email="ops@customer.example")
        feb = invoice_contract(s, c, date(2026, 1, 20))[-1]  # due Sat 2026-01-31
        s.commit()
        number = feb.number
    counts = [daily_contracts(today=d)["reminders"] for d in
              ("2026-02-04", "2026-02-05", "2026-02-06", "2026-02-13", "2026-02-16")]
    with system(app) as s:
        mine = s.execute(select(OutboxMail).where(OutboxMail.kind == "invoice_reminder",
                                                  OutboxMail.invoice_id == feb.id)).scalars().all()
        assert sorted(m.dedup_key for m in mine) == [f"invoice:{feb.id}:r10", f"invoice:{feb.id}:r3"]
        assert all(m.recipient == "ops@customer.example" and number in m.subject and "33,000円" in m.body
                   for m in mine)
    # business days after Sat 01-31: 02-02 (1), 02-03 (2), 02-04 (3) ... 02-13 (9; 02-11 is 建国記念の日),
    # 02-16 (10); January and February are both open and due that day: two reminders on each step
    assert counts == [2, 0, 0, 0, 2]


def test_one_payment_pays_several_invoices_oldest_first_and_the_rest_is_credit(app):
    with system(app) as s:
        c = formed_contract(s, initial_fee=50_000)
        jan, feb = invoice_contract(s, c, date(2026, 1, 20))  # 72,600 (initial + pro rata) and 33,000
        payer = jan.payer_key
        with pytest.raises(RuleViolation) as exc:
            record_receipt(s, None, payer=payer, received_on=date(2026, 1, 25), amount=-5, invoices=[jan])
        assert exc.value.problems[0].field == "amount"
        part = record_receipt(s, None, payer=payer, received_on=date(2026, 1, 25), amount=80_000, invoices=[feb, jan])
        assert (jan.balance, feb.balance, part.unapplied) == (0, 25_600, 0)  # January first: it is due first
        over = record_receipt(s, None, payer=payer, received_on=date(2026, 1, 30), amount=30_000, invoices=[feb])
        assert (feb.balance, over.unapplied, credit_of(s, payer)) == (0, 4_400, 4_400)
        mar = invoice_contract(s, c, date(2026, 2, 1))[-1]
        assert apply_credit(s, None, mar, date(2026, 2, 2)) == 4_400
        assert (mar.balance, credit_of(s, payer), mar.payments[0].paid_on, mar.payments[0].late_damages) == (
            28_600, 0, date(2026, 2, 1), 0)  # credit held before the due date pays on time
        with pytest.raises(RuleViolation):
            apply_credit(s, None, mar, date(2026, 2, 2))
        s.commit()


def test_a_credit_note_refers_to_the_invoice_and_reduces_what_is_open(app):
    """消費税法第57条の4第3項 (適格返還請求書); §20.5: never more than is still open."""
    with system(app) as s:
        c = formed_contract(s)
        feb = invoice_contract(s, c, date(2026, 1, 20))[-1]
        line = feb.lines[0]
        with pytest.raises(RuleViolation) as exc:
            issue_credit_note(s, None, feb, line_id=line.id, amount=30_001, reason="誤請求", issued_on=date(2026, 1, 25))
        assert exc.value.problems[0].field == "amount"
        note = issue_credit_note(s, None, feb, line_id=line.id, amount=10_000, reason="1月障害の減額",
                                 issued_on=date(2026, 1, 25))
        assert (note.number, note.kind, note.corrects_id, note.total) == (f"{feb.number}-C01", "credit", feb.id, 11_000)
        assert (feb.total, feb.balance, note.balance) == (33_000, 22_000, 0)  # the old invoice is never edited
        record_payment(s, None, feb, date(2026, 1, 30), 22_000)
        with pytest.raises(RuleViolation) as exc:
            issue_credit_note(s, None, feb, line_id=line.id, amount=1, reason="追加", issued_on=date(2026, 2, 1))
        assert "not refunded" in exc.value.problems[0].msgid
        s.commit()
