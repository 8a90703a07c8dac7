"""The provider's monthly invoices to its resellers for the OEM service, through the same
machinery as the managed contracts' (qualified invoice, PDF, mail, reminders, payments).

A month is billed after it ends (月末締め), due by the end of the month the invoice is issued in
(翌月末払い): its plan fee, and its fee per server for each server assigned to the reseller when
the invoice is issued. The OEM spec sets no pro rata: a month the fees run in is billed in full.
The number (OEM<reseller>-<yyyymm>) makes the run safe to repeat."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tenants import audit
from tenants.calendar import add_months, month_end, month_start
from tenants.contracts.billing_models import InvoiceKind
from tenants.contracts.documents import issue, make_line, recipient_of_reseller
from tenants.contracts.ledger_models import OemFee
from tenants.models import Invoice, InvoiceLine, ServerAssignment


def oem_number(reseller_id: int, month: date) -> str:
    return f"OEM{reseller_id:04d}-{month:%Y%m}"


def assigned_servers(session, reseller_id: int) -> int:
    return session.execute(select(func.count(ServerAssignment.id))
                           .where(ServerAssignment.reseller_id == reseller_id)).scalar_one()


def oem_lines(session, fee: OemFee, month: date) -> list[InvoiceLine]:
    first = max(month, fee.starts_on)
    last = min(month_end(month), fee.ends_on or date.max)
    label = f"{month:%Y年%m月}分"
    lines = []
    if fee.plan_fee:
        name = f"OEMプラン {fee.plan_name}".strip() if fee.plan_name else "OEMプラン"
        lines.append(make_line("oem_plan", f"{name} {label}", fee.plan_fee, period=(first, last)))
    servers = assigned_servers(session, fee.reseller_id)
    if fee.server_fee and servers:
        lines.append(make_line("oem_server", f"サーバ利用料 {servers}台 × {fee.server_fee:,}円 {label}",
                               servers * fee.server_fee, period=(first, last)))
    return lines


def invoice_oem_month(session, month: date, issued_on: date, reseller_id: int | None = None,
                      notify: bool = True) -> list[Invoice]:
    """Issue the OEM invoice of ``month`` to every reseller whose fees ran in it (or to one);
    a reseller already invoiced for it is skipped."""
    month = month_start(month)
    query = select(OemFee).where(OemFee.starts_on <= month_end(month)).order_by(OemFee.reseller_id)
    if reseller_id is not None:
        query = query.where(OemFee.reseller_id == reseller_id)
    issued = []
    for fee in session.execute(query).scalars().all():
        if fee.ends_on is not None and fee.ends_on < month:
            continue
        number = oem_number(fee.reseller_id, month)
        if session.execute(select(Invoice.id).where(Invoice.number == number)).first() is not None:
            continue
        lines = oem_lines(session, fee, month)
        if not lines:
            continue
        issued.append(issue(session, kind=InvoiceKind.OEM, number=number,
                            recipient=recipient_of_reseller(session, fee.reseller_id), service_month=month,
                            issued_on=issued_on, due_on=max(month_end(issued_on), issued_on),
                            lines=lines, reseller_id=fee.reseller_id, notify=notify,
                            note="OEMレンタルサーバサービス利用料"))
    return issued


def oem_invoice_run(session, run_on: date) -> list[Invoice]:
    """The monthly run (on the 1st): the month that just ended."""
    issued = invoice_oem_month(session, add_months(month_start(run_on), -1), run_on)
    if issued:
        audit.record(session, None, "billing.oem.run", None, f"{len(issued)} OEM invoices issued on {run_on.isoformat()}")
    return issued
