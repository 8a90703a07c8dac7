"""Chasing overdue invoices: on each day of the provider's schedule (business days after the due
date, e.g. 3 and 10) an invoice still open gets one reminder by mail. A run that finds several
days passed sends only the latest step due, so nobody gets two reminders at once; every step is
sent at most once per invoice (the outbox's key)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants.calendar import add_business_days
from tenants.contracts.billing_models import InvoiceKind, InvoiceStatus
from tenants.contracts.documents import billing_settings
from tenants.contracts.invoice_mail import queue_reminder
from tenants.models import Invoice


# managed terms §20.3, §22.1 (fees are due by a date; what is overdue is demanded)
def reminder_step_due(due_on: date, today: date, schedule: list[int]) -> int | None:
    """The latest step of ``schedule`` (business days after ``due_on``) reached by ``today``."""
    reached = [n for n in sorted(schedule) if today >= add_business_days(due_on, n)]
    return reached[-1] if reached else None


def chase_overdue(session, today: date) -> int:
    """Queue the reminders due today; returns how many were queued."""
    schedule = list(billing_settings(session).reminder_days or [])
    if not schedule:
        return 0
    overdue = session.execute(select(Invoice).where(
        Invoice.status == InvoiceStatus.ISSUED, Invoice.kind != InvoiceKind.CREDIT, Invoice.due_on < today)
        .order_by(Invoice.due_on, Invoice.id)).scalars()
    queued = 0
    for invoice in overdue:
        step = reminder_step_due(invoice.due_on, today, schedule)
        if step is not None and invoice.balance > 0 and queue_reminder(session, invoice, step, today) is not None:
            queued += 1
    return queued
