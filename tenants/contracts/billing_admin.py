"""What the provider sets for billing: the issuer of its invoices (name, registration number,
address, bank account), how tax is rounded, when overdue invoices are chased and late damages
fall due; and each reseller's OEM fees. Bad input is refused field by field and nothing is saved."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tenants import audit
from tenants.contracts.ledger_models import BillingSettings, OemFee
from tenants.contracts.tax import Rounding, registration_number_problem
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Reseller

MAX_REMINDER_DAY = 60
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_reminder_days(text: str) -> list[int]:
    """ "3, 10" → [3, 10]: business days after the due date, each 1–60, ascending, no repeats."""
    parts = [p for p in re.split(r"[,\s、]+", (text or "").strip()) if p]
    if not all(p.isdigit() for p in parts):
        raise RuleViolation.one(N_("Enter whole numbers of business days separated by commas, e.g. 3, 10."),
                                "reminder_days")
    days = sorted({int(p) for p in parts})
    if any(not 1 <= d <= MAX_REMINDER_DAY for d in days):
        raise RuleViolation.one(N_("Each reminder day must be between 1 and %(max)s."), "reminder_days",
                                max=MAX_REMINDER_DAY)
    return days


def _text(data: dict, key: str, limit: int) -> str:
    return (str(data.get(key) or "")).strip()[:limit]


def _whole(value, field: str, problems: list[Problem], low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        problems.append(Problem(N_("Enter a whole amount of yen of 0 or more.") if high is None
                                else N_("Enter a whole number between %(low)s and %(high)s."), field,
                                {} if high is None else {"low": low, "high": high}))
        return 0
    return value


# 消費税法第57条の4第1項第1号 (the issuer's name and registration number on every invoice)
def save_billing_settings(session, actor, data: dict) -> BillingSettings:
    problems: list[Problem] = []
    name = _text(data, "issuer_name", 200)
    if not name:
        problems.append(Problem(N_("Enter the name."), "issuer_name"))
    number = _text(data, "registration_number", 20)
    problem = registration_number_problem(number)
    if problem:
        problems.append(Problem(problem, "registration_number"))
    rounding = data.get("tax_rounding") or Rounding.FLOOR
    if rounding not in set(Rounding):
        problems.append(Problem(N_("Choose one of the listed values."), "tax_rounding"))
    try:
        reminder_days = parse_reminder_days(str(data.get("reminder_days") or ""))
    except RuleViolation as exc:
        problems.extend(exc.problems)
        reminder_days = []
    due_days = _whole(data.get("late_damages_due_days"), "late_damages_due_days", problems, 0, 365)
    if problems:
        raise RuleViolation(problems)
    settings = session.execute(select(BillingSettings).order_by(BillingSettings.id).limit(1)).scalar_one_or_none()
    if settings is None:
        settings = BillingSettings()
        session.add(settings)
    settings.issuer_name, settings.registration_number = name, number
    settings.issuer_address = _text(data, "issuer_address", 400)
    settings.issuer_phone = _text(data, "issuer_phone", 40)
    settings.bank_details = _text(data, "bank_details", 2000)
    settings.tax_rounding, settings.reminder_days = str(rounding), reminder_days
    settings.late_damages_due_days, settings.updated_at = due_days, utcnow()
    session.flush()
    audit.record(session, actor, "billing.settings", None, f"issuer {name} {number}, rounding {rounding}, "
                 f"reminders {reminder_days}, late damages due after {due_days} days")
    return settings


def oem_fee_of(session, reseller_id: int) -> OemFee | None:
    return session.execute(select(OemFee).where(OemFee.reseller_id == reseller_id)).scalar_one_or_none()


def save_oem_fee(session, actor, reseller: Reseller, data: dict) -> OemFee:
    """Set what ``reseller`` pays each month: a plan fee and/or a fee per assigned server."""
    problems: list[Problem] = []
    plan_fee = _whole(data.get("plan_fee"), "plan_fee", problems)
    server_fee = _whole(data.get("server_fee"), "server_fee", problems)
    starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
    if not isinstance(starts_on, date):
        problems.append(Problem(N_("Enter a date."), "starts_on"))
        starts_on = date.min
    elif ends_on is not None and ends_on < starts_on:
        problems.append(Problem(N_("The end cannot come before the start."), "ends_on"))
    email = _text(data, "billing_email", 254)
    if email and not _EMAIL.fullmatch(email):
        problems.append(Problem(N_("Enter a valid email address."), "billing_email"))
    if not problems and not plan_fee and not server_fee:
        problems.append(Problem(N_("Enter a plan fee, a fee per server, or both."), "plan_fee"))
    if problems:
        raise RuleViolation(problems)
    fee = oem_fee_of(session, reseller.id)
    if fee is None:
        fee = OemFee(reseller_id=reseller.id)
        session.add(fee)
    fee.plan_name, fee.plan_fee, fee.server_fee = _text(data, "plan_name", 100), plan_fee, server_fee
    fee.starts_on, fee.ends_on, fee.billing_email = starts_on, ends_on, email
    fee.billing_address, fee.payer_name = _text(data, "billing_address", 400), _text(data, "payer_name", 200)
    fee.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "billing.oem_fee", reseller,
                 f"OEM fees of {reseller.code}: plan {plan_fee}, per server {server_fee} from {starts_on.isoformat()}")
    return fee
