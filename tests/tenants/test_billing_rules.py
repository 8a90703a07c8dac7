"""Money rules of the managed terms, in integer yen."""
from datetime import date
from decimal import Decimal

import pytest

from tenants.contracts.money import (
    cancellation_month_charge,
    days_overdue,
    early_cancellation_charge,
    first_month_charge,
    first_month_days,
    invoice_due_date,
    late_damages,
    late_damages_between,
    monthly_charge,
    prorated,
    service_month_billed_in,
)
from tenants.contracts.terms import minimum_term_end
from tenants.errors import RuleViolation

D = date.fromisoformat


@pytest.mark.parametrize("fee, start, days, expected", [
    (30_000, "2026-01-15", 16, 16_000),
    (10_000, "2026-01-15", 16, 5_333),   # floor(10,000 × 16 / 30)
    (29_999, "2026-01-15", 16, 15_999),  # 479,984 / 30 = 15,999.47
    (30_000, "2026-02-15", 13, 13_000),
    (30_000, "2024-02-15", 14, 14_000),  # leap February
    (30_000, "2026-04-01", 29, 29_000),  # 30-day month: from the 2nd
    (30_000, "2026-01-01", 30, 30_000),  # 31-day month from the 2nd: a full fee, never more
    (30_000, "2026-01-31", 0, 0),        # starts on the month's last day
    (0, "2026-01-15", 16, 0),
])
def test_first_month_charge(fee, start, days, expected):
    assert first_month_days(D(start)) == days
    assert first_month_charge(fee, D(start)) == expected


@pytest.mark.parametrize("month, cancelled, expected", [
    ("2025-12-20", None, 0),              # before billing starts
    ("2026-01-20", None, 16_000),         # first month pro rata
    ("2026-02-01", None, 30_000),
    ("2027-03-01", None, 30_000),
    ("2026-04-30", "2026-05-31", 30_000),
    ("2026-05-10", "2026-05-31", 30_000),  # cancellation month in full
    ("2026-06-01", "2026-05-31", 0),
])
def test_monthly_charge(month, cancelled, expected):
    cancelled_on = D(cancelled) if cancelled else None
    assert monthly_charge(30_000, D(month), D("2026-01-15"), cancelled_on) == expected


def test_cancellation_in_the_start_month_is_charged_in_full():
    assert monthly_charge(30_000, D("2026-01-20"), D("2026-01-15"), D("2026-01-31")) == 30_000
    assert cancellation_month_charge(30_000) == 30_000


@pytest.mark.parametrize("cancelled", ["2026-05-15", "2025-12-31"])
def test_monthly_charge_refuses_impossible_cancellations(cancelled):
    with pytest.raises(RuleViolation) as info:
        monthly_charge(30_000, D("2026-02-01"), D("2026-01-15"), D(cancelled))
    assert info.value.problems[0].field == "cancelled_on"


@pytest.mark.parametrize("fee, formed, cancelled, expected", [
    (30_000, "2026-01-15", "2026-05-31", 7 * 30_000 + 14_000),  # = 224,000
    (10_000, "2026-01-15", "2026-05-31", 7 * 10_000 + 4_666),
    (30_000, "2026-01-15", "2026-12-31", 14_000),        # only January's 14 days left
    (30_000, "2026-01-15", "2027-01-31", 0),             # cancelled in the term's last month
    (30_000, "2026-01-15", "2027-03-31", 0),             # after the term
    (30_000, "2026-02-01", "2026-05-31", 8 * 30_000),    # term ends 31 Jan: a whole month
    (30_000, "2026-02-28", "2026-11-30", 2 * 30_000 + 27_000),  # term ends 27 Feb 2027
    (30_000, "2024-02-29", "2024-11-30", 3 * 30_000),    # term ends 28 Feb 2025, a month end
])
def test_early_cancellation_charge(fee, formed, cancelled, expected):
    assert early_cancellation_charge(fee, minimum_term_end(D(formed)), D(cancelled)) == expected


def test_early_cancellation_example_of_the_brief():
    term_ends = minimum_term_end(D("2026-01-15"))
    assert term_ends == D("2027-01-14")
    assert monthly_charge(30_000, D("2026-05-01"), D("2026-01-15"), D("2026-05-31")) == 30_000
    assert early_cancellation_charge(30_000, term_ends, D("2026-05-31")) == 224_000


def test_early_cancellation_refuses_a_mid_month_date():
    with pytest.raises(RuleViolation):
        early_cancellation_charge(30_000, D("2027-01-14"), D("2026-05-30"))


@pytest.mark.parametrize("service_month, due", [
    ("2026-06-01", "2026-05-31"),
    ("2026-06-20", "2026-05-31"),
    ("2026-03-15", "2026-02-28"),
    ("2024-03-01", "2024-02-29"),
    ("2027-01-01", "2026-12-31"),
    ("2026-05-01", "2026-04-30"),
])
def test_invoice_due_date(service_month, due):
    assert invoice_due_date(D(service_month)) == D(due)


@pytest.mark.parametrize("run_on, month", [
    ("2026-05-20", "2026-06-01"),
    ("2026-12-31", "2027-01-01"),
])
def test_service_month_billed_in(run_on, month):
    assert service_month_billed_in(D(run_on)) == D(month)
    assert invoice_due_date(D(month)).month == D(run_on).month


@pytest.mark.parametrize("amount, days, expected", [
    (30_000, 31, 369),            # floor(30,000 × 0.145 × 31 / 365) = floor(369.45)
    (30_000, 0, 0),
    (10_000, 365, 1_450),
    (100_000, 1, 39),             # 39.73
    (1, 365, 0),
    (1_000_000, 366, 145_397),    # leap year: still / 365
    (10**15 + 1, 365, 145_000_000_000_000),
])
def test_late_damages(amount, days, expected):
    assert late_damages(amount, days) == expected


@pytest.mark.parametrize("due, paid, days", [
    ("2026-05-31", "2026-07-01", 31),
    ("2026-05-31", "2026-05-31", 0),
    ("2026-05-31", "2026-05-20", 0),
    ("2024-02-28", "2024-03-01", 2),
])
def test_days_overdue(due, paid, days):
    assert days_overdue(D(due), D(paid)) == days


def test_late_damages_between():
    assert late_damages_between(30_000, D("2026-05-31"), D("2026-07-01")) == 369


@pytest.mark.parametrize("call", [
    lambda: first_month_charge(-1, D("2026-01-15")),
    lambda: early_cancellation_charge(-30_000, D("2027-01-14"), D("2026-05-31")),
    lambda: late_damages(-1, 10),
    lambda: late_damages(30_000, -1),
    lambda: prorated(30_000, -1),
])
def test_negative_input_is_refused(call):
    with pytest.raises(RuleViolation):
        call()


@pytest.mark.parametrize("fee", [30_000.0, Decimal("30000"), True, "30000"])
def test_money_must_be_int_yen(fee):
    with pytest.raises(TypeError):
        prorated(fee, 16)
