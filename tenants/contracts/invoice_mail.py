"""Mail about invoices, queued in the outbox (tenants/outbox) with the invoice linked: the one
sender (workers/jobs/outbox.py) attaches the invoice's PDF. The texts are Japanese, as the
invoices themselves and the contract workflow's mail are."""
from __future__ import annotations

from datetime import date

from tenants.contracts.billing_models import InvoiceKind
from tenants.models import Invoice, OutboxMail
from tenants.outbox import rules as outbox

TITLES: dict[str, str] = {
    InvoiceKind.CREDIT: "適格返還請求書",
    InvoiceKind.LATE_DAMAGES: "遅延損害金のご請求",
}


def document_title(invoice: Invoice) -> str:
    if invoice.kind in TITLES:
        return TITLES[invoice.kind]
    return "請求書（適格請求書）" if invoice.qualified else "請求書"


def yen(amount: int) -> str:
    return f"{amount:,}円"


def _queue(session, invoice: Invoice, kind: str, subject: str, body: str, key: str | None) -> OutboxMail | None:
    to_addr = (invoice.recipient_email or "").strip()
    if not to_addr:
        return None
    return outbox.queue(session, kind, to_addr, subject, body, key=key, label=invoice.recipient_name,
                        contract_id=invoice.contract_id, reseller_id=invoice.reseller_id, invoice_id=invoice.id)


def _signature(invoice: Invoice) -> str:
    lines = [invoice.issuer_name]
    if invoice.registration_number:
        lines.append(f"登録番号 {invoice.registration_number}")
    return "\n".join(x for x in lines if x)


def _payment_text(invoice: Invoice) -> str:
    if invoice.kind == InvoiceKind.CREDIT:
        return f"返還金額（税込）: {yen(invoice.total)}\n"
    text = f"ご請求金額（税込）: {yen(invoice.total)}\nお支払期限: {invoice.due_on:%Y年%m月%d日}\n"
    if invoice.bank_details:
        text += f"お振込先:\n{invoice.bank_details}\n"
    return text


def queue_invoice_mail(session, invoice: Invoice, again: bool = False) -> OutboxMail | None:
    """The issued invoice to its recipient, PDF attached: once per invoice (``again``: sent anew on
    request)."""
    title = document_title(invoice)
    body = (f"{invoice.recipient_name} 御中\n\n平素よりお世話になっております。\n"
            f"{title}（{invoice.number}）をお送りいたします。PDF を添付しております。\n\n"
            f"請求書番号: {invoice.number}\n発行日: {invoice.issued_on:%Y年%m月%d日}\n{_payment_text(invoice)}")
    if invoice.corrects is not None:
        body += f"\n本書は {invoice.corrects.number}（{invoice.corrects.issued_on:%Y年%m月%d日} 発行）に関するものです。\n"
    body += f"\n{_signature(invoice)}\n"
    subject = f"【{title}】{invoice.number}"
    return _queue(session, invoice, "invoice", subject, body, None if again else f"invoice:{invoice.id}")


# managed terms §22.1 (late damages accrue on what is overdue)
def queue_reminder(session, invoice: Invoice, step: int, today: date) -> OutboxMail | None:
    """A reminder for an overdue invoice, once per invoice and step of the schedule."""
    days = (today - invoice.due_on).days
    body = (f"{invoice.recipient_name} 御中\n\n下記のご請求について、お支払期限を過ぎてもご入金を確認できておりません。\n"
            f"お手数ですが、至急お支払いくださいますようお願い申し上げます。\n\n"
            f"請求書番号: {invoice.number}\nお支払期限: {invoice.due_on:%Y年%m月%d日}（{days}日経過）\n"
            f"未入金額: {yen(invoice.balance)}\n")
    if invoice.bank_details:
        body += f"お振込先:\n{invoice.bank_details}\n"
    if invoice.contract_id is not None:
        body += "\nお支払いの遅延には、年率14.5%の遅延損害金が発生いたします（利用約款第22条）。\n"
    body += "本メールと行き違いでお支払いいただいている場合は、ご容赦ください。\n\n" + _signature(invoice) + "\n"
    return _queue(session, invoice, "invoice_reminder", f"【お支払いのお願い】請求書 {invoice.number}", body,
                  f"invoice:{invoice.id}:r{step}")


# managed terms §12 (after a termination nothing is owed for the months after its end)
def queue_void_notice(session, invoice: Invoice) -> OutboxMail | None:
    body = (f"{invoice.recipient_name} 御中\n\n下記の請求書を取り消しました。お支払いの必要はございません。\n"
            f"請求書番号: {invoice.number}（{invoice.issued_on:%Y年%m月%d日} 発行）\n理由: {invoice.void_reason}\n")
    if invoice.paid:
        body += "既にお支払いいただいた料金は払い戻しいたしません（利用約款第20条第5項）。\n"
    body += "\n" + _signature(invoice) + "\n"
    return _queue(session, invoice, "invoice_void", f"【請求書取消のお知らせ】{invoice.number}", body,
                  f"invoice:{invoice.id}:void")
