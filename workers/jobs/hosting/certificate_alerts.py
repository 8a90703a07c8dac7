"""Expiry alerts (issue 17): a certificate that expires within 14, 7 or 1 days is mailed once per
threshold (the outbox's dedup key) — a domain's certificate to its reseller's contacts, a monitored
TLS service's to the fault contacts of the resellers on that server and to the provider."""
from __future__ import annotations

from sqlalchemy import select

from tenants.hosting import hostnames
from tenants.hosting.certificate_expiry import expiring
from tenants.hosting.certificates import alert_threshold
from tenants.incidents.rules import fault_recipients
from tenants.models import Reseller, ResellerContact, Server
from tenants.outbox import rules as outbox
from workers import runtime

KIND = "certificate_expiry"


def _reseller_recipients(session, reseller_id: int) -> list[str]:
    contacts = session.execute(select(ResellerContact.email).where(ResellerContact.reseller_id == reseller_id)
                               .order_by(ResellerContact.sort_order, ResellerContact.id)).scalars()
    found = [email.strip() for email in contacts if email and email.strip()]
    if not found:
        reseller = session.get(Reseller, reseller_id)
        found = [reseller.support_email] if reseller is not None and reseller.support_email else []
    return found


def _text(name: str, days: int, not_after) -> tuple[str, str]:
    shown = hostnames.to_unicode(name.rsplit(":", 1)[0]) + (f":{name.rsplit(':', 1)[1]}" if ":" in name else "")
    when = not_after.strftime("%Y-%m-%d %H:%M UTC")
    subject = f"[証明書/Certificate] {shown}: あと{max(days, 0)}日で期限切れ / expires in {max(days, 0)} day(s)"
    body = "\n".join([f"{shown} の証明書は {when} に期限が切れます。", "更新されているかご確認ください。", "",
                      f"The certificate of {shown} expires on {when}.", "Please check that it is renewed.", ""])
    return subject, body


def send_expiry_alerts() -> list[str]:
    """Queue the alerts due now (each threshold once per certificate and expiry date)."""
    panel = runtime.settings()
    out = []
    with runtime.job_session() as s:
        for item in expiring(s):
            days = item.days_left()
            threshold = alert_threshold(days)
            if threshold is None:
                continue
            if item.reseller_id is not None:
                recipients = _reseller_recipients(s, item.reseller_id)
            else:
                server = s.get(Server, item.server_id)
                recipients = [r.email for r in fault_recipients(s, server)] if server is not None else []
                if panel.acme_contact:
                    recipients.append(panel.acme_contact)  # the provider, for its own hosts
            subject, body = _text(item.name, days, item.not_after)
            key = f"{item.subject}:{item.not_after:%Y%m%d%H%M}:{threshold}"
            for recipient in dict.fromkeys(recipients):
                if outbox.queue(s, KIND, recipient, subject, body, key=key, reseller_id=item.reseller_id,
                                server_id=item.server_id) is not None:
                    out.append(f"{item.name}: {threshold}-day alert to {recipient}")
        s.commit()
    return out
