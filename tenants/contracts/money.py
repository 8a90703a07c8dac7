"""Money rules of the managed-service contract: pro rata, monthly charges, early cancellation,
due dates, late damages and the damages cap.

Money is integer yen (``int``); every rounding is a floor done with exact integer or Fraction
arithmetic, never float.
"""
from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

from tenants.calendar import add_months, is_month_end, month_end, month_start, months_apart, require_date
from tenants.errors import N_, RuleViolation

PRO_RATA_DAYS_PER_MONTH = 30  # §21.1: 月額利用料金の 30 分の 1 を 1 日分
LATE_DAMAGES_ANNUAL_RATE = Fraction(145, 1000)  # §22.1: 年率 14.5%
DAYS_PER_YEAR = 365  # late damages use a 365-day year, leap years included


def require_yen(value: object, field: str = "amount") -> int:
    """``value`` if it is a non-negative whole number of yen (TypeError for non-int money)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field} must be an int of yen, not {type(value).__name__}")
    if value < 0:
        raise RuleViolation.one(N_("The amount cannot be negative."), field)
    return value


# managed terms §21.1 (one day = monthly fee / 30)
def prorated(monthly_fee: int, days: int) -> int:
    """floor(monthly_fee × days / 30)."""
    require_yen(monthly_fee, "monthly_fee")
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("days must be an int")
    if days < 0:
        raise RuleViolation.one(N_("The number of days cannot be negative."), "days")
    return monthly_fee * days // PRO_RATA_DAYS_PER_MONTH


# managed terms §21.1
def first_month_days(billing_starts_on: date) -> int:
    """Days charged in the first month: from the day after the billing-start date to month end."""
    require_date(billing_starts_on, "billing_starts_on")
    return (month_end(billing_starts_on) - billing_starts_on).days


# managed terms §21.1
def first_month_charge(monthly_fee: int, billing_starts_on: date) -> int:
    return prorated(monthly_fee, first_month_days(billing_starts_on))


# managed terms §21.2 (the cancellation month is charged in full, no pro rata)
def cancellation_month_charge(monthly_fee: int) -> int:
    return require_yen(monthly_fee, "monthly_fee")


def _require_cancellation_date(cancelled_on: date) -> date:
    require_date(cancelled_on, "cancelled_on")
    if not is_month_end(cancelled_on):  # §11.2
        raise RuleViolation.one(
            N_("A cancellation takes effect on the last day of a month."), "cancelled_on")
    return cancelled_on


# managed terms §21.1, §21.2
def monthly_charge(monthly_fee: int, month: date, billing_starts_on: date,
                   cancelled_on: date | None = None) -> int:
    """The fee for the calendar month containing ``month``: nothing before the billing-start month
    or after the cancellation month, pro rata in the billing-start month (§21.1), the full fee in
    the cancellation month (§21.2) and in every month between.

    Decision: when the contract is cancelled in its own billing-start month, §21.2 ("日割り計算は
    行いません") wins over §21.1 and the month is charged in full.
    """
    require_yen(monthly_fee, "monthly_fee")
    require_date(month, "month")
    require_date(billing_starts_on, "billing_starts_on")
    if cancelled_on is not None:
        _require_cancellation_date(cancelled_on)
        if cancelled_on < billing_starts_on:
            raise RuleViolation.one(
                N_("The cancellation date cannot be before the billing-start date."), "cancelled_on")
        if months_apart(cancelled_on, month) > 0:
            return 0
        if months_apart(cancelled_on, month) == 0:
            return cancellation_month_charge(monthly_fee)
    since_start = months_apart(billing_starts_on, month)
    if since_start < 0:
        return 0
    if since_start == 0:
        return first_month_charge(monthly_fee, billing_starts_on)
    return monthly_fee


# managed terms §6.4, §21.3
def early_cancellation_charge(monthly_fee: int, term_ends_on: date, cancelled_on: date) -> int:
    """The remaining fees of the minimum term when cancelling on ``cancelled_on`` (a month's last
    day): the full fee for every month after the cancellation month (itself charged in full under
    §21.2) up to the month the term ends, where only days 1..term end are charged at
    floor(fee × days / 30) — or the full fee when the term ends on that month's last day.
    ``term_ends_on`` comes from ``contract_terms.minimum_term_end`` (or
    ``option_minimum_term_end`` for an option). Due by the end of the cancellation month."""
    require_yen(monthly_fee, "monthly_fee")
    require_date(term_ends_on, "term_ends_on")
    _require_cancellation_date(cancelled_on)
    months_left = months_apart(cancelled_on, term_ends_on)
    if months_left <= 0:
        return 0
    if is_month_end(term_ends_on):
        return months_left * monthly_fee
    return (months_left - 1) * monthly_fee + prorated(monthly_fee, term_ends_on.day)


# managed terms §20.3 (next month's fee is paid by the end of the current month)
def invoice_due_date(service_month: date) -> date:
    """When the monthly fee for the month containing ``service_month`` is due: the last day of the
    month before it."""
    require_date(service_month, "service_month")
    return month_end(add_months(month_start(service_month), -1))


# managed terms §20.3
def service_month_billed_in(run_on: date) -> date:
    """The first day of the month a billing run in ``run_on``'s month invoices (the next month)."""
    require_date(run_on, "run_on")
    return add_months(month_start(run_on), 1)


# managed terms §22.1
def days_overdue(due_on: date, paid_on: date) -> int:
    """Days after the due date until payment; 0 when paid on or before the due date."""
    require_date(due_on, "due_on")
    require_date(paid_on, "paid_on")
    return max(0, (paid_on - due_on).days)


# managed terms §22.1 (14.5 % a year for the days overdue)
def late_damages(amount: int, days_late: int) -> int:
    """floor(amount × 0.145 × days_late / 365)."""
    require_yen(amount, "amount")
    if isinstance(days_late, bool) or not isinstance(days_late, int):
        raise TypeError("days_late must be an int")
    if days_late < 0:
        raise RuleViolation.one(N_("The number of days cannot be negative."), "days_late")
    return math.floor(amount * LATE_DAMAGES_ANNUAL_RATE * days_late / DAYS_PER_YEAR)


# managed terms §22.1
def late_damages_between(amount: int, due_on: date, paid_on: date) -> int:
    return late_damages(amount, days_overdue(due_on, paid_on))

