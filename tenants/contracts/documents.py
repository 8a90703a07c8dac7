"""Issuing an invoice as a qualified invoice (適格請求書, 消費税法第57条の4第1項): who issues it with
its registration number, the issue date, each line with its transaction date or period and tax
rate, per rate the total and the tax (one rounding per rate per invoice), the total, and the
recipient. The issuer and recipient are copied onto the invoice when it is issued, so a later
change of either never changes an issued document."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tenants.contracts.invoice_mail import queue_invoice_mail
from tenants.contracts.ledger_models import BillingSettings
from tenants.contracts.tax import Rounding, rate_of_item, registration_number_problem, summarize
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Contract, Invoice, InvoiceLine

DEFAULT_REMINDER_DAYS = [3, 10]  # business days after the due date (the provider changes them)


def billing_settings(session) -> BillingSettings:
    """The issuer's settings; an unsaved default when the provider has set none yet."""
    found = session.execute(select(BillingSettings).order_by(BillingSettings.id).limit(1)).scalar_one_or_none()
    return found or BillingSettings(issuer_name="", registration_number="", tax_rounding=Rounding.FLOOR,
                                    reminder_days=list(DEFAULT_REMINDER_DAYS), late_damages_due_days=14,
                                    issuer_address="", issuer_phone="", bank_details="")


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str
    email: str


def recipient_of_contract(contract: Contract) -> Recipient:
    party = contract.party
    return Recipient(party.name, party.billing_address or party.address or "", party.invoice_email)


def recipient_of_reseller(session, reseller_id: int) -> Recipient:
    """A reseller billed for the OEM service: its company name, and the billing address and email
    of its OEM fees (else its support address)."""
    from tenants.contracts.ledger_models import OemFee
    from tenants.models import Reseller

    reseller = session.get(Reseller, reseller_id)
    fee = session.execute(select(OemFee).where(OemFee.reseller_id == reseller_id)).scalar_one_or_none()
    email = (fee.billing_email if fee else "") or reseller.support_email or ""
    return Recipient(reseller.name, fee.billing_address if fee else "", email)


def recipient_of(session, invoice: Invoice) -> Recipient:
    """Who an invoice (and what follows from it) goes to, as of now."""
    if invoice.contract is not None:
        return recipient_of_contract(invoice.contract)
    if invoice.reseller_id is None:
        raise ValueError(f"invoice {invoice.number} has neither a contract nor a reseller")
    return recipient_of_reseller(session, invoice.reseller_id)


def make_line(item: str, description: str, amount: int, *, period: tuple[date, date] | None = None,
              rate: int | None | str = "item", option_kind: str | None = None,
              option_id: int | None = None) -> InvoiceLine:
    """One line; its tax rate is the item's (tenants.contracts.tax.ITEM_RATES) unless given."""
    return InvoiceLine(item=item, description=description, amount=amount,
                       tax_rate=rate_of_item(item) if rate == "item" else rate,
                       period_from=period[0] if period else None, period_to=period[1] if period else None,
                       option_kind=option_kind, option_id=option_id)


def amount_problems(lines: list[InvoiceLine], field: str = "amount") -> list[Problem]:
    problems = []
    for line in lines:
        if isinstance(line.amount, bool) or not isinstance(line.amount, int) or line.amount < 0:
            problems.append(Problem(N_("Enter a whole amount of yen of 0 or more."), field))
            break
    return problems


# 消費税法第57条の4第1項 (the statements of a qualified invoice)
def issue(session, *, kind: str, number: str, recipient: Recipient, service_month: date, issued_on: date,
          due_on: date, lines: list[InvoiceLine], contract: Contract | None = None,
          reseller_id: int | None = None, note: str = "", corrects: Invoice | None = None,
          notify: bool = True) -> Invoice:
    """Issue one invoice with its tax per rate, copy the issuer and the recipient onto it, and
    (``notify``) queue its mail with the PDF to the recipient. A due date before the issue date
    or an amount that is not whole, non-negative yen is refused and nothing is issued."""
    problems = amount_problems(lines)
    if due_on < issued_on:
        problems.append(Problem(N_("The due date cannot be before the issue date."), "due_on"))
    if problems:
        raise RuleViolation(problems)
    settings = billing_settings(session)
    summary = summarize([(line.amount, line.tax_rate) for line in lines], settings.tax_rounding)
    if contract is not None:
        reseller_id = contract.reseller_id
    invoice = Invoice(
        contract_id=contract.id if contract else None, party_id=contract.party_id if contract else None,
        reseller_id=reseller_id, kind=kind, number=number, service_month=service_month,
        issued_on=issued_on, due_on=due_on, subtotal=summary.subtotal, tax=summary.tax,
        total=summary.total, qualified=registration_number_problem(settings.registration_number) is None,
        tax_breakdown=summary.as_json(), untaxed=summary.untaxed, tax_rounding=settings.tax_rounding,
        issuer_name=settings.issuer_name, registration_number=settings.registration_number,
        issuer_address=settings.issuer_address, issuer_phone=settings.issuer_phone,
        bank_details=settings.bank_details, recipient_name=recipient.name,
        recipient_address=recipient.address, recipient_email=recipient.email, note=note,
        corrects_id=corrects.id if corrects else None)
    for line in lines:
        line.reseller_id = reseller_id
        invoice.lines.append(line)
    session.add(invoice)
    session.flush()
    if notify:
        queue_invoice_mail(session, invoice)
    return invoice


def next_number(session, prefix: str) -> str:
    """``prefix`` + the next free sequence number among the invoices numbered with it."""
    taken = set(session.execute(select(Invoice.number).where(Invoice.number.like(f"{prefix}%"))).scalars())
    n = 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"
