"""Dates and deadlines of the managed-service contract (システムマネジメントサービス利用約款).

Pure functions over ``datetime.date`` (JST calendar days). Money lives in ``tenants.billing_rules``;
application refusal and suspension grounds in ``tenants.contract_grounds``.

Periods counted in months follow the Civil Code (民法143条) the contract is governed by (§34): a
period of N months starting on day D ends the day before D's counterpart N months later, or on that
month's last day when the counterpart does not exist (start 2024-02-29 → end 2025-02-28).
"""
from __future__ import annotations

from datetime import date, timedelta

from tenants.calendar import add_business_days, add_months, is_month_end, month_end, require_date
from tenants.errors import N_, Problem, RuleViolation

MINIMUM_TERM_MONTHS = 12  # §6.1, §6.3
CANCELLATION_NOTICE_MONTHS = 2  # §11.1, §6.4
SUCCESSION_NOTICE_DAYS = 30  # §9.1
WORK_TARGET_BUSINESS_DAYS = 3  # option spec, 運用サポート: ご依頼より3営業日以内
INSPECTION_OBJECTION_DAYS = 7  # §18.4: 1 週間以内 (calendar days)


# Civil Code §143 (Japanese law governs, managed terms §34)
def term_end(starts_on: date, months: int) -> date:
    """The last day of a period of ``months`` months that starts on (and counts) ``starts_on``."""
    require_date(starts_on, "starts_on")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise RuleViolation.one(N_("A term must last at least one month."), "months")
    counterpart = add_months(starts_on, months)
    if counterpart.day != starts_on.day:  # no counterpart day: that month's last day
        return counterpart
    return counterpart - timedelta(days=1)


# managed terms §6.1 (and §5.4: the contract forms on the billing-start date)
def minimum_term_end(formed_on: date) -> date:
    """Last day of the 12-month minimum term of a contract formed on ``formed_on``."""
    return term_end(formed_on, MINIMUM_TERM_MONTHS)


# managed terms §6.3
def option_minimum_term_end(option_starts_on: date) -> date:
    """Last day of the 12-month minimum term of an option, counted from its own start."""
    return term_end(option_starts_on, MINIMUM_TERM_MONTHS)


# managed terms §11.1, §11.2
def earliest_cancellation_date(notified_on: date) -> date:
    """The earliest cancellation date for a written notice received on ``notified_on``: notice in
    month M reaches, at the earliest, the last day of month M+2."""
    require_date(notified_on, "notified_on")
    return month_end(add_months(notified_on.replace(day=1), CANCELLATION_NOTICE_MONTHS))


# managed terms §11.1, §11.2
def cancellation_date_problems(notified_on: date, cancelled_on: date,
                               field: str = "cancellation_date") -> list[Problem]:
    """Why a requested cancellation date is refused; an empty list means it is accepted."""
    require_date(notified_on, "notified_on")
    require_date(cancelled_on, "cancelled_on")
    problems: list[Problem] = []
    if not is_month_end(cancelled_on):
        problems.append(Problem(N_("A cancellation takes effect on the last day of a month."), field))
    earliest = earliest_cancellation_date(notified_on)
    if cancelled_on < earliest:
        problems.append(Problem(
            N_("With notice given on %(notified)s, the earliest cancellation date is %(earliest)s."),
            field, {"notified": notified_on.isoformat(), "earliest": earliest.isoformat()}))
    return problems


# managed terms §11.1, §11.2
def check_cancellation_date(notified_on: date, cancelled_on: date,
                            field: str = "cancellation_date") -> date:
    """``cancelled_on`` if it is allowed, else RuleViolation."""
    problems = cancellation_date_problems(notified_on, cancelled_on, field)
    if problems:
        raise RuleViolation(problems)
    return cancelled_on


# managed terms §6.4 (remaining fees due by the end of the cancellation month)
def early_cancellation_charge_due_on(cancelled_on: date) -> date:
    require_date(cancelled_on, "cancelled_on")
    return month_end(cancelled_on)


# managed terms §9.1
def succession_notice_deadline(succeeded_on: date) -> date:
    """The last day the successor company may notify the succession (30 days from it)."""
    require_date(succeeded_on, "succeeded_on")
    return succeeded_on + timedelta(days=SUCCESSION_NOTICE_DAYS)


# managed terms §9.1
def is_succession_notice_late(succeeded_on: date, notified_on: date) -> bool:
    require_date(notified_on, "notified_on")
    return notified_on > succession_notice_deadline(succeeded_on)


# option spec 運用サポート (ご依頼より3営業日以内の作業完了を基本); managed terms §18
def work_target_completion(accepted_on: date) -> date:
    """Target completion date of a work request: 3 business days after the day it was accepted
    (a target, not a promise: the spec allows longer for investigation or large work)."""
    return add_business_days(require_date(accepted_on, "accepted_on"), WORK_TARGET_BUSINESS_DAYS)


# managed terms §18.4 (1 week, calendar days)
def inspection_objection_deadline(completion_notified_on: date) -> date:
    """The last day a customer's objection to completed work is in time (notice day + 7)."""
    require_date(completion_notified_on, "completion_notified_on")
    return completion_notified_on + timedelta(days=INSPECTION_OBJECTION_DAYS)


# managed terms §18.4
def work_accepted_on(completion_notified_on: date) -> date:
    """The date work counts as accepted when no objection has arrived by the end of that day."""
    return inspection_objection_deadline(completion_notified_on)


# managed terms §18.3, §18.4
def is_work_accepted(completion_notified_on: date, today: date,
                     objected_on: date | None = None) -> bool:
    """Whether the work is accepted for good as of ``today``: no objection arrived in time and the
    objection deadline is over (an objection can still come during its last day)."""
    require_date(today, "today")
    deadline = inspection_objection_deadline(completion_notified_on)
    if objected_on is not None:
        require_date(objected_on, "objected_on")
        if objected_on < completion_notified_on:
            raise RuleViolation.one(
                N_("An objection cannot come before the completion notice."), "objected_on")
        if objected_on <= deadline:
            return False
    return today > deadline

