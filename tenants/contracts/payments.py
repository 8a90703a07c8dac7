"""Money received and what it pays (managed terms §20, §22): a receipt from one payer is applied
to one or several of its open invoices, the oldest due first; a part payment leaves the rest
open; what is left over is held as the payer's credit (never dropped) and can be applied to a
later invoice. Each application records the late damages it owes (14.5 % a year for the days
after the due date, §22.1); once an overdue invoice is settled, those damages are billed on an
invoice of their own with a due date the provider sets."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tenants import audit
from tenants.contracts.billing_models import DAMAGES_ACCRUE, InvoiceKind
from tenants.contracts.documents import billing_settings, issue, make_line, recipient_of
from tenants.contracts.ledger_models import Receipt, ReceiptSource
from tenants.contracts.money import days_overdue, late_damages_between
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Invoice, ManagedCustomer, Payment, Reseller


def parse_payer(key: str) -> tuple[int | None, int | None]:
    """(party id, reseller id) of a payer key: "p<party id>" or "r<reseller id>"."""
    if key and key[0] in "pr" and key[1:].isdigit():
        return (int(key[1:]), None) if key[0] == "p" else (None, int(key[1:]))
    raise RuleViolation.one(N_("Choose one of the listed values."), "payer")


def payer_label(session, key: str) -> str:
    party_id, reseller_id = parse_payer(key)
    if party_id is not None:
        party = session.get(ManagedCustomer, party_id)
        return party.name if party else key
    reseller = session.get(Reseller, reseller_id)
    return reseller.name if reseller else key


def _payer_filter(model, key: str):
    party_id, reseller_id = parse_payer(key)
    if party_id is not None:
        return model.party_id == party_id
    return (model.party_id.is_(None)) & (model.reseller_id == reseller_id)


def open_invoices(session, key: str) -> list[Invoice]:
    """The payer's invoices with something still owed, the oldest due first."""
    rows = session.execute(select(Invoice).where(_payer_filter(Invoice, key))
                           .order_by(Invoice.due_on, Invoice.id)).scalars()
    return [inv for inv in rows if inv.balance > 0]


def receipts_with_credit(session, key: str) -> list[Receipt]:
    rows = session.execute(select(Receipt).where(_payer_filter(Receipt, key))
                           .order_by(Receipt.received_on, Receipt.id)).scalars()
    return [r for r in rows if r.unapplied > 0]


def credit_of(session, key: str) -> int:
    """Money received from the payer and not applied to any invoice: held for it."""
    return sum(r.unapplied for r in receipts_with_credit(session, key))


def _apply(session, receipt: Receipt, invoice: Invoice, amount: int, paid_on: date) -> Payment:
    accrues = invoice.kind in DAMAGES_ACCRUE
    payment = Payment(invoice_id=invoice.id, receipt_id=receipt.id, reseller_id=invoice.reseller_id,
                      paid_on=paid_on, amount=amount,
                      days_late=days_overdue(invoice.due_on, paid_on) if accrues else 0,
                      late_damages=late_damages_between(amount, invoice.due_on, paid_on) if accrues else 0,
                      note=receipt.note)
    invoice.payments.append(payment)
    session.flush()
    session.expire(receipt, ["payments"])  # a view-only list: read again
    return payment


def _allocate(session, receipt: Receipt, invoices: list[Invoice], paid_on: date, today: date) -> list[Payment]:
    """Apply what is left of ``receipt`` to ``invoices``, the oldest due first; bill the late
    damages of each invoice it settles."""
    payments = []
    for invoice in sorted(invoices, key=lambda i: (i.due_on, i.id)):
        left = receipt.unapplied
        if left <= 0:
            break
        part = min(left, invoice.balance)
        if part <= 0:
            continue
        payments.append(_apply(session, receipt, invoice, part, max(paid_on, invoice.issued_on)))
        bill_late_damages(session, invoice, today)
    return payments


def _check(amount, received_on: date, key: str, invoices: list[Invoice]) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(Problem(N_("Enter an amount of yen above 0."), "amount"))
    for invoice in invoices:
        if invoice.payer_key != key:
            problems.append(Problem(N_("Invoice %(number)s is not this payer's."), "invoices",
                                    {"number": invoice.number}))
        elif invoice.balance <= 0:
            problems.append(Problem(N_("Invoice %(number)s has nothing left to pay."), "invoices",
                                    {"number": invoice.number}))
        elif received_on < invoice.issued_on:
            problems.append(Problem(N_("A payment cannot come before the invoice was issued."), "paid_on"))
    return problems


# managed terms §20 (fees are paid to our bank), §22.1 (late damages per payment)
def record_receipt(session, actor, *, payer: str, received_on: date, amount: int, invoices: list[Invoice],
                   payer_name: str = "", note: str = "", source: str = ReceiptSource.MANUAL,
                   today: date | None = None) -> Receipt:
    """Record money received from ``payer`` and apply it to ``invoices`` (the oldest due first);
    the rest is held as the payer's credit. Nothing is recorded when anything is wrong."""
    problems = _check(amount, received_on, payer, invoices)
    if problems:
        raise RuleViolation(problems)
    party_id, reseller_id = parse_payer(payer)
    if party_id is not None:
        party = session.get(ManagedCustomer, party_id)
        if party is None:
            raise RuleViolation.one(N_("Choose one of the listed values."), "payer")
        reseller_id = party.reseller_id
    receipt = Receipt(party_id=party_id, reseller_id=reseller_id, received_on=received_on, amount=amount,
                      payer_name=(payer_name or "").strip()[:200], source=source, note=(note or "").strip()[:200],
                      recorded_by=audit.actor_label(actor))
    session.add(receipt)
    session.flush()
    payments = _allocate(session, receipt, invoices, received_on, today or received_on)
    audit.record(session, actor, "billing.receipt", receipt,
                 f"{amount} yen from {payer_label(session, payer)} on {received_on.isoformat()}: "
                 + (", ".join(f"{p.invoice.number} {p.amount}" for p in payments) or "no invoice")
                 + (f", credit {receipt.unapplied}" if receipt.unapplied else ""), reseller_id=reseller_id)
    return receipt


# managed terms §22.1 (late damages of 14.5 % a year for the days overdue)
def record_payment(session, actor, invoice: Invoice, paid_on: date, amount: int, note: str = "") -> Payment:
    """A payment of one invoice: applied to it up to its balance, the rest held as credit."""
    receipt = record_receipt(session, actor, payer=invoice.payer_key, received_on=paid_on, amount=amount,
                             invoices=[invoice], note=note)
    return next(p for p in invoice.payments if p.receipt_id == receipt.id)


def apply_credit(session, actor, invoice: Invoice, today: date) -> int:
    """Pay ``invoice`` from its payer's credit, the oldest money first; returns the yen applied.
    Money held before the due date pays on time (it was paid when it was received)."""
    if invoice.balance <= 0:
        raise RuleViolation.one(N_("Invoice %(number)s has nothing left to pay."), None, number=invoice.number)
    applied = 0
    for receipt in receipts_with_credit(session, invoice.payer_key):
        if invoice.balance <= 0:
            break
        part = min(receipt.unapplied, invoice.balance)
        _apply(session, receipt, invoice, part, max(receipt.received_on, invoice.issued_on))
        applied += part
    if not applied:
        raise RuleViolation.one(N_("There is no credit to apply."), None)
    bill_late_damages(session, invoice, today)
    audit.record(session, actor, "billing.credit.apply", invoice, f"{applied} yen of credit on {invoice.number}")
    return applied


def late_damages_number(invoice: Invoice) -> str:
    return f"{invoice.number}-L"


# managed terms §22.1 (遅延損害金を当社が指定する期日までに)
def bill_late_damages(session, invoice: Invoice, today: date, due_on: date | None = None) -> Invoice | None:
    """Once an overdue invoice is settled, bill the late damages its payments owe, due
    ``due_on`` (by default the number of days after issue the provider set). Once per invoice."""
    damages = invoice.late_damages
    if invoice.balance > 0 or damages <= 0 or invoice.kind not in DAMAGES_ACCRUE:
        return None
    number = late_damages_number(invoice)
    if session.execute(select(Invoice.id).where(Invoice.number == number)).first() is not None:
        return None
    last_paid = max(p.paid_on for p in invoice.payments)
    due_on = due_on or today + timedelta(days=billing_settings(session).late_damages_due_days)
    line = make_line("late_damages", f"遅延損害金（{invoice.number}、年率14.5%）", damages,
                     period=(invoice.due_on + timedelta(days=1), last_paid))
    return issue(session, kind=InvoiceKind.LATE_DAMAGES, number=number, recipient=recipient_of(session, invoice),
                 service_month=invoice.service_month, issued_on=today, due_on=due_on, lines=[line],
                 contract=invoice.contract, reseller_id=invoice.reseller_id, corrects=invoice,
                 note=f"{invoice.number} のお支払い遅延（利用約款第22条）")
