"""Charges of the managed terms beyond the monthly run, each billed on an invoice of its own: an
option cancelled early (§6.3, §6.4), quoted extra charges (§20.1③, §20.2), voiding what a
termination leaves unearned (§12, §20.5), and credit notes (適格返還請求書) reducing an invoice."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tenants import audit
from tenants.calendar import month_start
from tenants.contracts.billing_models import InvoiceKind, InvoiceStatus
from tenants.contracts.documents import issue, make_line, next_number, recipient_of, recipient_of_contract
from tenants.contracts.invoice_mail import queue_void_notice
from tenants.contracts.invoicing import billed_option_ids, contract_number, option_name_ja
from tenants.contracts.tax import RATES, summarize
from tenants.contracts.terms import early_cancellation_charge_due_on
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Contract, ContractOption, Invoice, InvoiceLine


# managed terms §6.3, §6.4 (an option's remaining fees, due by the end of its cancellation month)
def bill_option_early_charge(session, option: ContractOption, issued_on: date) -> Invoice | None:
    """The invoice of one option cancelled inside its minimum term; None when nothing is owed or
    it is billed already."""
    contract = option.contract
    if not option.early_cancellation_charge or option.cancelled_on is None \
            or option.id in billed_option_ids(session, contract):
        return None
    line = make_line("early_cancellation", f"最低利用期間の残余期間分（{option_name_ja(option.kind)}）",
                     option.early_cancellation_charge, option_kind=option.kind, option_id=option.id,
                     period=(option.cancelled_on + timedelta(days=1), option.minimum_term_ends_on))
    month = month_start(option.cancelled_on)
    return issue(session, kind=InvoiceKind.OPTION_EARLY, number=contract_number(contract, month, f"-O{option.id}"),
                 recipient=recipient_of_contract(contract), service_month=month, issued_on=issued_on,
                 due_on=early_cancellation_charge_due_on(option.cancelled_on), lines=[line], contract=contract)


# managed terms §20.1③ (見積書によって提示), §20.2 (当社が別に定める期日までに)
def bill_extra_charge(session, actor, contract: Contract, *, description: str, amount: int, rate: int,
                      issued_on: date, due_on: date, quote: str = "", done_on: date | None = None,
                      corrects: Invoice | None = None) -> Invoice:
    """Bill a charge quoted to the customer, due on the date the provider sets; with ``corrects``,
    an additional charge to an earlier invoice of the contract (修正), which stays as issued."""
    description = (description or "").strip()
    problems: list[Problem] = []
    if not description:
        problems.append(Problem(N_("Enter what is charged."), "description"))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(Problem(N_("Enter a whole amount of yen above 0."), "amount"))
    if rate not in RATES:
        problems.append(Problem(N_("Choose one of the listed values."), "tax_rate"))
    if due_on < issued_on:
        problems.append(Problem(N_("The due date cannot be before the issue date."), "due_on"))
    if corrects is not None and corrects.contract_id != contract.id:
        problems.append(Problem(N_("Choose one of the listed values."), "corrects"))
    if contract.billing_starts_on is None:
        problems.append(Problem(N_("This step is not possible while the contract is %(status)s."), None,
                                {"status": contract.status}))
    if problems:
        raise RuleViolation(problems)
    done_on = done_on or issued_on
    line = make_line("extra", description[:200], amount, rate=rate, period=(done_on, done_on))
    quote = (quote or "").strip()
    if corrects is not None:
        quote_note = f"{corrects.number} の修正（追加のご請求）"
        quote_note += f"、お見積り {quote}" if quote else ""
    invoice = issue(session, kind=InvoiceKind.EXTRA, number=next_number(session, f"MC{contract.id:05d}-E"),
                    recipient=recipient_of_contract(contract), service_month=month_start(done_on),
                    issued_on=issued_on, due_on=due_on, lines=[line], contract=contract, corrects=corrects,
                    note=quote_note if corrects is not None else
                    f"お見積り {quote} に基づくご請求（利用約款第20条第1項第3号）" if quote else
                    "利用約款第20条第1項第3号に基づくご請求")
    audit.record(session, actor, "managed.invoice.extra", contract, f"{invoice.number}: {description} {amount} yen")
    return invoice


# managed terms §12 (termination), §20.5 (no refunds)
def void_after_termination(session, actor, contract: Contract, today: date) -> list[Invoice]:
    """After a termination nothing is owed for the months after its end: each monthly invoice of
    such a month with something still open is voided (its customer told), one fully paid is left
    alone, and nothing paid is refunded."""
    if contract.terminated_on is None:
        return []
    end_month = month_start(contract.terminated_on)
    invoices = session.execute(select(Invoice).where(
        Invoice.contract_id == contract.id, Invoice.kind == InvoiceKind.MONTHLY,
        Invoice.status == InvoiceStatus.ISSUED, Invoice.service_month > end_month)
        .order_by(Invoice.service_month)).scalars().all()
    voided = []
    for invoice in invoices:
        if invoice.balance <= 0:
            continue
        invoice.status, invoice.voided_on = InvoiceStatus.VOID, today
        invoice.void_reason = f"契約解除（{contract.terminated_on:%Y年%m月%d日}、利用約款第12条）後の月のため"
        queue_void_notice(session, invoice)
        audit.record(session, actor, "managed.invoice.void", invoice,
                     f"{invoice.number} voided after the termination on {contract.terminated_on.isoformat()}"
                     + (f"; {invoice.paid} yen paid is kept (§20.5)" if invoice.paid else ""))
        voided.append(invoice)
    return voided


# 消費税法第57条の4第3項 (適格返還請求書: the return per rate and its tax, referring to the sale)
def issue_credit_note(session, actor, invoice: Invoice, *, line_id: int, amount: int, reason: str,
                      issued_on: date) -> Invoice:
    """Reduce ``invoice`` by ``amount`` yen (exclusive of tax) of one of its lines: a credit note
    referring to it, with the tax of that rate. Never more than is still open (§20.5)."""
    line = next((x for x in invoice.lines if x.id == line_id), None)
    reason = (reason or "").strip()
    problems: list[Problem] = []
    if not invoice.payable or not invoice.qualified:
        problems.append(Problem(N_("Only an issued qualified invoice can be reduced."), None))
    if line is None:
        problems.append(Problem(N_("Choose one of the listed values."), "line_id"))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        problems.append(Problem(N_("Enter a whole amount of yen above 0."), "amount"))
    elif line is not None and amount > line.amount:
        problems.append(Problem(N_("A line can be reduced by at most its amount of %(amount)s yen."), "amount",
                                {"amount": line.amount}))
    elif line is not None:
        total = summarize([(amount, line.tax_rate)], invoice.tax_rounding).total
        if total > invoice.balance:
            problems.append(Problem(N_("The credit of %(total)s yen exceeds the open balance of %(balance)s yen; "
                                       "fees paid are not refunded (§20.5)."), "amount",
                                    {"total": total, "balance": invoice.balance}))
    if not reason:
        problems.append(Problem(N_("Enter the reason."), "reason"))
    if problems or line is None:
        raise RuleViolation(problems)
    credit_line = InvoiceLine(item=line.item, option_kind=line.option_kind, description=f"{line.description}（返還）",
                              amount=amount, tax_rate=line.tax_rate, period_from=line.period_from,
                              period_to=line.period_to)
    credit = issue(session, kind=InvoiceKind.CREDIT, number=next_number(session, f"{invoice.number}-C"),
                   recipient=recipient_of(session, invoice), service_month=invoice.service_month,
                   issued_on=issued_on, due_on=issued_on, lines=[credit_line], contract=invoice.contract,
                   reseller_id=invoice.reseller_id, corrects=invoice, note=reason)
    session.expire(invoice, ["credits"])
    audit.record(session, actor, "billing.credit_note", invoice, f"{credit.number} reduces {invoice.number} by "
                 f"{credit.total} yen: {reason}")
    return credit
