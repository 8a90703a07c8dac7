"""Invoices of managed-service contracts (managed terms §20–§22, §6.4).

The monthly run invoices next month, due by the end of the current month (§20.3); a month not yet
invoiced (e.g. a billing start confirmed mid-month) is caught up by the next run, due by the end of
the run's month at the earliest. Fees continue during suspension (§20.4) and nothing paid is
refunded (§20.5): an issued invoice is never changed. Every invoice is issued as a qualified
invoice (tenants/contracts/documents.py) and mailed with its PDF."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tenants import audit
from tenants.calendar import add_months, month_end, month_start
from tenants.contracts.billing_models import DAMAGES_ACCRUE, InvoiceKind, InvoiceStatus
from tenants.contracts.documents import issue, make_line, recipient_of_contract
from tenants.contracts.money import invoice_due_date, late_damages_between, monthly_charge, service_month_billed_in
from tenants.contracts.option_kinds import option_label
from tenants.contracts.terms import early_cancellation_charge_due_on
from tenants.models import Contract, Invoice, InvoiceLine
from tenants.models import ContractStatus as S
from tenants.outbox.text import render

BILLED_STATUSES = (S.CONFIRMED.value, S.FORMED.value, S.SUSPENDED.value, S.CANCELLED.value,
                   S.TERMINATED.value)


def _ends_on(contract: Contract) -> date | None:
    """The last day charged: the cancellation date (§11.2), or the end of the termination month."""
    if contract.cancelled_on:
        return contract.cancelled_on
    if contract.terminated_on:
        return month_end(contract.terminated_on)
    return None


def option_name_ja(kind: str) -> str:
    """An option's name as the (Japanese) invoice prints it."""
    return render((option_label(kind), {}), "ja")


def _period(month: date, starts_on: date) -> tuple[date, date]:
    """The days of ``month`` a monthly fee covers: from the day after the start in the first month
    (§21.1), else the whole month (the cancellation month too, §21.2)."""
    first = starts_on + timedelta(days=1) if month == month_start(starts_on) else month
    return first, month_end(month)


# managed terms §20.1, §21.1, §21.2 (initial fee, monthly fees, pro rata first month, full last)
def lines_for_month(contract: Contract, month: date) -> list[InvoiceLine]:
    month = month_start(month)
    ends_on = _ends_on(contract)
    starts_on = contract.billing_starts_on
    if starts_on is None:  # not confirmed: nothing is billed (§5.4)
        return []
    lines = []
    if month == month_start(starts_on) and contract.initial_fee:
        lines.append(make_line("initial_fee", "初期費用", contract.initial_fee, period=(starts_on, starts_on)))
    base = monthly_charge(contract.monthly_fee, month, starts_on, ends_on)
    if base:
        lines.append(make_line("base", f"月額利用料 {month:%Y年%m月}分", base, period=_period(month, starts_on)))
    for option in contract.options:
        option_end = min(d for d in (option.cancelled_on, ends_on, date.max) if d is not None)
        amount = monthly_charge(option.monthly_fee, month, option.starts_on,
                                None if option_end == date.max else option_end)
        if amount:
            lines.append(make_line("option", f"{option_name_ja(option.kind)} {month:%Y年%m月}分", amount,
                                   period=_period(month, option.starts_on), option_kind=option.kind))
    return lines


def contract_number(contract: Contract, month: date, suffix: str = "") -> str:
    return f"MC{contract.id:05d}-{month:%Y%m}{suffix}"


def _issue(session, contract: Contract, kind: str, month: date, issued_on: date, due_on: date,
           lines: list[InvoiceLine], notify: bool = True) -> Invoice:
    suffix = "-X" if kind == InvoiceKind.CLOSING else ""
    return issue(session, kind=kind, number=contract_number(contract, month, suffix),
                 recipient=recipient_of_contract(contract), service_month=month, issued_on=issued_on,
                 due_on=due_on, lines=lines, contract=contract, notify=notify)


def _invoiced_months(session, contract: Contract, kind: str) -> set[date]:
    return set(session.execute(select(Invoice.service_month).where(
        Invoice.contract_id == contract.id, Invoice.kind == kind)).scalars())


def billed_option_ids(session, contract: Contract) -> set[int]:
    """Options whose early charge an invoice of their own already carries (§6.4)."""
    return set(session.execute(select(InvoiceLine.option_id).join(Invoice).where(
        Invoice.contract_id == contract.id, Invoice.kind == InvoiceKind.OPTION_EARLY,
        Invoice.status == InvoiceStatus.ISSUED, InvoiceLine.option_id.is_not(None))).scalars())


# managed terms §20.3 (next month invoiced, due by the end of the current month)
def invoice_contract(session, contract: Contract, run_on: date, notify: bool = True) -> list[Invoice]:
    """Issue every monthly invoice of ``contract`` still missing up to next month; safe to repeat.
    Each is mailed to the billing contact (``notify``)."""
    if contract.status not in BILLED_STATUSES or contract.billing_starts_on is None:
        return []
    last = service_month_billed_in(run_on)
    ends_on = _ends_on(contract)
    if ends_on is not None:
        last = min(last, month_start(ends_on))
    done = _invoiced_months(session, contract, InvoiceKind.MONTHLY)
    issued = []
    month = month_start(contract.billing_starts_on)
    while month <= last:
        if month not in done:
            lines = lines_for_month(contract, month)
            if lines:
                due = max(invoice_due_date(month), month_end(run_on))
                issued.append(_issue(session, contract, InvoiceKind.MONTHLY, month, run_on, due, lines, notify))
        month = add_months(month, 1)
    return issued


# managed terms §20.3 (the monthly billing run)
def monthly_invoice_run(session, run_on: date) -> list[Invoice]:
    contracts = session.execute(select(Contract).where(Contract.status.in_(BILLED_STATUSES))
                                .order_by(Contract.id)).scalars().all()
    issued = [inv for c in contracts for inv in invoice_contract(session, c, run_on)]
    if issued:
        audit.record(session, None, "managed.invoice.run", None,
                     f"{len(issued)} invoices issued on {run_on.isoformat()}")
    return issued


# managed terms §6.4 (remaining fees of the minimum terms, due by the end of the cancellation month)
def issue_closing_invoice(session, contract: Contract, issued_on: date) -> Invoice | None:
    """The early-cancellation invoice for a cancelled contract; None when nothing is owed or it
    was already issued."""
    if contract.cancelled_on is None:
        return None
    month = month_start(contract.cancelled_on)
    if month in _invoiced_months(session, contract, InvoiceKind.CLOSING):
        return None
    lines = []
    period = (contract.cancelled_on + timedelta(days=1), contract.minimum_term_ends_on or contract.cancelled_on)
    if contract.early_cancellation_charge:
        lines.append(make_line("early_cancellation", "最低利用期間の残余期間分（基本サービス）",
                               contract.early_cancellation_charge, period=period))
    billed = billed_option_ids(session, contract)
    for option in contract.options:
        if option.early_cancellation_charge and option.id not in billed:
            lines.append(make_line("early_cancellation", f"最低利用期間の残余期間分（{option_name_ja(option.kind)}）",
                                   option.early_cancellation_charge, option_kind=option.kind, option_id=option.id,
                                   period=(contract.cancelled_on + timedelta(days=1), option.minimum_term_ends_on)))
    if not lines:
        return None
    return _issue(session, contract, InvoiceKind.CLOSING, month, issued_on,
                  early_cancellation_charge_due_on(contract.cancelled_on), lines)


# managed terms §22.1 (what is owed today on an unpaid balance)
def accrued_late_damages(invoice: Invoice, today: date) -> int:
    if invoice.balance <= 0 or invoice.kind not in DAMAGES_ACCRUE:
        return 0
    return late_damages_between(invoice.balance, invoice.due_on, today)
