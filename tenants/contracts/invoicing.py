"""Invoices and payments of managed-service contracts (managed terms §20–§22, §6.4).

The monthly run invoices next month, due by the end of the current month (§20.3); a month not yet
invoiced (e.g. a billing start confirmed mid-month) is caught up by the next run, due by the end of
the run's month at the earliest. Fees continue during suspension (§20.4) and nothing paid is
refunded (§20.5): an issued invoice is never changed."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants import audit
from tenants.calendar import add_months, month_end, month_start
from tenants.contracts.billing_models import InvoiceKind
from tenants.contracts.money import (
    days_overdue,
    invoice_due_date,
    late_damages_between,
    monthly_charge,
    service_month_billed_in,
)
from tenants.contracts.options import option_label
from tenants.contracts.terms import early_cancellation_charge_due_on
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Contract, Invoice, InvoiceLine, Payment
from tenants.models import ContractStatus as S

BILLED_STATUSES = (S.CONFIRMED.value, S.FORMED.value, S.SUSPENDED.value, S.CANCELLED.value,
                   S.TERMINATED.value)


def _ends_on(contract: Contract) -> date | None:
    """The last day charged: the cancellation date (§11.2), or the end of the termination month."""
    if contract.cancelled_on:
        return contract.cancelled_on
    if contract.terminated_on:
        return month_end(contract.terminated_on)
    return None


# managed terms §20.1, §21.1, §21.2 (initial fee, monthly fees, pro rata first month, full last)
def lines_for_month(contract: Contract, month: date) -> list[InvoiceLine]:
    billing_starts_on = contract.billing_starts_on
    assert billing_starts_on is not None  # a billed contract was confirmed, which set it (invoice_contract checks)
    month = month_start(month)
    ends_on = _ends_on(contract)
    lines = []
    if month == month_start(billing_starts_on) and contract.initial_fee:
        lines.append(InvoiceLine(item="initial_fee", description="初期費用", amount=contract.initial_fee))
    base = monthly_charge(contract.monthly_fee, month, billing_starts_on, ends_on)
    if base:
        lines.append(InvoiceLine(item="base", description=f"月額利用料 {month:%Y-%m}", amount=base))
    for option in contract.options:
        option_end = min(d for d in (option.cancelled_on, ends_on, date.max) if d is not None)
        amount = monthly_charge(option.monthly_fee, month, option.starts_on,
                                None if option_end == date.max else option_end)
        if amount:
            lines.append(InvoiceLine(item="option", option_kind=option.kind,
                                     description=f"{option_label(option.kind)} {month:%Y-%m}", amount=amount))
    return lines


def _number(contract: Contract, kind: str, month: date) -> str:
    return f"MC{contract.id:05d}-{month:%Y%m}" + ("-X" if kind == InvoiceKind.CLOSING else "")


def _issue(session, contract: Contract, kind: str, month: date, issued_on: date, due_on: date,
           lines: list[InvoiceLine]) -> Invoice:
    invoice = Invoice(contract_id=contract.id, reseller_id=contract.reseller_id, kind=kind,
                      number=_number(contract, kind, month), service_month=month, issued_on=issued_on,
                      due_on=due_on, total=sum(line.amount for line in lines))
    for line in lines:
        line.reseller_id = contract.reseller_id
        invoice.lines.append(line)
    session.add(invoice)
    return invoice


def _invoiced_months(session, contract: Contract, kind: str) -> set[date]:
    return set(session.execute(select(Invoice.service_month).where(
        Invoice.contract_id == contract.id, Invoice.kind == kind)).scalars())


# managed terms §20.3 (next month invoiced, due by the end of the current month)
def invoice_contract(session, contract: Contract, run_on: date) -> list[Invoice]:
    """Issue every monthly invoice of ``contract`` still missing up to next month; safe to repeat."""
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
                issued.append(_issue(session, contract, InvoiceKind.MONTHLY, month, run_on, due, lines))
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
    if contract.early_cancellation_charge:
        lines.append(InvoiceLine(item="early_cancellation", description="最低利用期間の残余期間分 (基本)",
                                 amount=contract.early_cancellation_charge))
    for option in contract.options:
        if option.early_cancellation_charge:
            lines.append(InvoiceLine(item="early_cancellation", option_kind=option.kind,
                                     description=f"最低利用期間の残余期間分 ({option_label(option.kind)})",
                                     amount=option.early_cancellation_charge))
    if not lines:
        return None
    return _issue(session, contract, InvoiceKind.CLOSING, month, issued_on,
                  early_cancellation_charge_due_on(contract.cancelled_on), lines)


# managed terms §22.1 (late damages of 14.5 % a year for the days overdue)
def record_payment(session, actor, invoice: Invoice, paid_on: date, amount: int, note: str = "") -> Payment:
    problems: list[Problem] = []
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(Problem(N_("Enter an amount of yen above 0."), "amount"))
    elif amount > invoice.balance:
        problems.append(Problem(N_("The payment exceeds the open balance of %(balance)s yen."),
                                "amount", {"balance": invoice.balance}))
    if paid_on < invoice.issued_on:
        problems.append(Problem(N_("A payment cannot come before the invoice was issued."), "paid_on"))
    if problems:
        raise RuleViolation(problems)
    payment = Payment(invoice_id=invoice.id, reseller_id=invoice.reseller_id, paid_on=paid_on,
                      amount=amount, days_late=days_overdue(invoice.due_on, paid_on),
                      late_damages=late_damages_between(amount, invoice.due_on, paid_on),
                      note=(note or "").strip())
    invoice.payments.append(payment)
    session.flush()
    audit.record(session, actor, "managed.payment", invoice,
                 f"{amount} yen on {invoice.number}, late damages {payment.late_damages}")
    return payment


# managed terms §22.1 (what is owed today on an unpaid balance)
def accrued_late_damages(invoice: Invoice, today: date) -> int:
    return late_damages_between(invoice.balance, invoice.due_on, today) if invoice.balance > 0 else 0
