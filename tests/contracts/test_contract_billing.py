"""Invoices, payments, late damages and suspension through the service functions and the monthly
job, with the issue's figures in integer yen (managed terms §20–§23, §12)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tenants.contracts import lifecycle as contracts
from tenants.contracts.invoicing import accrued_late_damages
from tenants.contracts.options import add_option
from tenants.contracts.payments import credit_of, record_payment
from tenants.contracts.suspension import resume, suspend, terminate
from tenants.errors import RuleViolation
from tenants.models import Contract, Invoice, OutboxMail
from tests.contracts.helpers import formed_contract, system
from workers.jobs.contracts import monthly_invoices

UTC = timezone.utc


def _invoices(s, contract_id, kind="monthly"):
    return {inv.service_month: inv for inv in s.execute(select(Invoice).where(
        Invoice.contract_id == contract_id, Invoice.kind == kind)).scalars()}


def test_monthly_run_first_month_pro_rata_16000_and_next_month_due_this_month(app):
    with system(app) as s:
        c = formed_contract(s, fee=30_000, initial_fee=50_000)
        s.commit()
        cid = c.id
    assert monthly_invoices("2026-01-20") == [f"MC{cid:05d}-202601", f"MC{cid:05d}-202602"]
    assert monthly_invoices("2026-01-20") == []  # safe to run twice
    assert monthly_invoices("2026-02-01") == [f"MC{cid:05d}-202603"]
    with system(app) as s:
        inv = _invoices(s, cid)
        jan, feb, mar = inv[date(2026, 1, 1)], inv[date(2026, 2, 1)], inv[date(2026, 3, 1)]
        assert [(line.item, line.amount) for line in jan.lines] == [("initial_fee", 50_000), ("base", 16_000)]
        assert (jan.subtotal, jan.tax, jan.total, jan.due_on) == (66_000, 6_600, 72_600, date(2026, 1, 31))
        assert (feb.subtotal, feb.total, feb.due_on) == (30_000, 33_000, date(2026, 1, 31))  # §20.3
        assert (mar.subtotal, mar.total, mar.due_on) == (30_000, 33_000, date(2026, 2, 28))


def test_fee_10000_first_month_is_5333(app):
    with system(app) as s:
        c = formed_contract(s, fee=10_000)
        s.commit()
        cid = c.id
    monthly_invoices(date(2026, 1, 16))
    with system(app) as s:
        assert _invoices(s, cid)[date(2026, 1, 1)].subtotal == 5_333


def test_cancellation_month_in_full_and_nothing_after(app):
    with system(app) as s:
        c = formed_contract(s)
        add_option(s, None, c, "port_monitoring", date(2026, 2, 10), 6_000)
        contracts.notify_cancellation(s, None, c, date(2026, 3, 10), date(2026, 5, 31))
        s.commit()
        cid = c.id
    for run in ("2026-01-31", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"):
        monthly_invoices(run)
    with system(app) as s:
        inv = _invoices(s, cid)
        assert sorted(inv) == [date(2026, m, 1) for m in (1, 2, 3, 4, 5)]
        may = inv[date(2026, 5, 1)]
        assert [(line.item, line.amount) for line in may.lines] == [("base", 30_000), ("option", 6_000)]
        feb = inv[date(2026, 2, 1)]
        assert [line.amount for line in feb.lines] == [30_000, 6_000 * 18 // 30]  # option pro rata (§21.1)
        closing = _invoices(s, cid, "closing")[date(2026, 5, 1)]
        # base 224,000; option (term ends 2027-02-09): 8 months + floor(6,000 × 9 / 30)
        assert [line.amount for line in closing.lines] == [224_000, 8 * 6_000 + 1_800]


def test_payment_31_days_late_owes_406_and_overpayment_is_held_as_credit(app):
    with system(app) as s:
        c = formed_contract(s)
        s.commit()
    monthly_invoices("2026-01-20")
    with system(app) as s:
        feb = _invoices(s, c.id)[date(2026, 2, 1)]
        # §22.1: 33,000 yen (30,000 + 10 % tax) 31 days late: floor(33,000 × 0.145 × 31 / 365)
        assert accrued_late_damages(feb, date(2026, 3, 3)) == 406
        with pytest.raises(RuleViolation) as exc:
            record_payment(s, None, feb, date(2026, 3, 3), 0)
        assert exc.value.problems[0].field == "amount"
        payment = record_payment(s, None, feb, date(2026, 3, 3), 33_001)
        s.commit()
        assert (payment.amount, payment.days_late, payment.late_damages, feb.balance) == (33_000, 31, 406, 0)
        assert credit_of(s, feb.payer_key) == 1  # the yen paid too much is held, not dropped
        on_time = record_payment(s, None, _invoices(s, c.id)[date(2026, 1, 1)], date(2026, 1, 31), 17_600)
        assert on_time.late_damages == 0


def test_suspension_needs_notice_still_bills_and_cure_resumes(app):
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with system(app) as s:
        c = formed_contract(s)
        with pytest.raises(RuleViolation) as exc:  # no advance notice possible for "now"
            suspend(s, None, c, ground="non_payment", reason="", starts_at=now, ends_at=now + timedelta(days=14),
                    emergency=False, now=now)
        assert exc.value.problems[0].field == "notified_at"
        with pytest.raises(RuleViolation) as exc:
            suspend(s, None, c, ground="bogus", reason="", starts_at=now + timedelta(days=7), ends_at=None,
                    emergency=False, now=now)
        assert {p.field for p in exc.value.problems} == {"ground", "ends_at"}
        planned = suspend(s, None, c, ground="non_payment", reason="2月分未払い", starts_at=now + timedelta(days=7),
                          ends_at=now + timedelta(days=21), emergency=False, now=now)
        assert (planned.status, c.status) == ("scheduled", "formed")
        urgent = suspend(s, None, c, ground="obstruction", reason="攻撃の踏み台", starts_at=now,
                         ends_at=now + timedelta(days=3), emergency=True, now=now)
        s.commit()
        assert (urgent.status, c.status) == ("active", "suspended")
        mails = s.execute(select(OutboxMail).where(OutboxMail.kind == "suspension_notice")).scalars().all()
        assert len(mails) == 2 and "停止後のご通知" in mails[1].body and "理由: 利用料金" in mails[0].body
        cid = c.id
    assert monthly_invoices("2026-03-05") == [f"MC{cid:05d}-{m}" for m in ("202601", "202602", "202603", "202604")]
    with system(app) as s:
        c = s.get(Contract, cid)
        urgent = c.suspensions[1]
        with pytest.raises(RuleViolation):  # period not over yet
            terminate(s, None, urgent, "未解消", now, date(2026, 3, 2))
        resume(s, None, urgent, now + timedelta(days=1))
        assert c.status == "formed"


def test_uncured_suspension_leads_to_termination_and_billing_stops(app):
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with system(app) as s:
        c = formed_contract(s)
        susp = suspend(s, None, c, ground="non_payment", reason="", starts_at=now, ends_at=now + timedelta(days=3),
                       emergency=True, now=now)
        terminate(s, None, susp, "未払いが解消されない", now + timedelta(days=4), date(2026, 3, 6))
        s.commit()
        assert (c.status, c.terminated_on) == ("terminated", date(2026, 3, 6))
        cid = c.id
    monthly_invoices("2026-03-10")
    monthly_invoices("2026-04-01")
    with system(app) as s:
        assert sorted(_invoices(s, cid)) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
