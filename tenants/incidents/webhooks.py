"""Incident notices as a signed JSON webhook (issue 20 "notice channels beyond e-mail for the
provider's on-call and the resellers' fault contacts"): every fault contact with a webhook URL,
and the provider's on-call (settings ONCALL_WEBHOOK_URL / ONCALL_WEBHOOK_SECRET), get the same
outage and recovery notices as the e-mail, as a JSON document in the outbox (channel ``webhook``),
sent by workers/jobs/webhooks.py with an HMAC-SHA256 signature over ``<timestamp>.<body>``:

    X-Panel-Timestamp: 1795431992
    X-Panel-Signature: sha256=<hex HMAC-SHA256(secret, "1795431992." + body)>

The receiver recomputes it with its secret and refuses a stale timestamp. The JSON carries what
the mail says (the provider's wording, for the reseller's fault contacts: never sent to end users),
times in JST.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy import select

from tenants.calendar import to_jst
from tenants.customers.models import CustomerStatus
from tenants.errors import N_, RuleViolation
from tenants.models import Customer, Incident, ResellerContact, Server
from tenants.outbox import rules as outbox

CHANNEL = "webhook"
ONCALL = "oncall"
MAX_URL = 500


@dataclass(frozen=True)
class Hook:
    url: str
    label: str  # "oncall" or "contact:<id> (<name>)": where the sender finds the secret


def secret_owner(contact_id: int) -> str:
    return f"contact:{contact_id}"


def check_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > MAX_URL or not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise RuleViolation.one(N_("Enter the webhook's address (https://…)."), "webhook_url")
    return url


def set_webhook(box, contact: ResellerContact, url: str, secret: str) -> None:
    """Give a fault contact a webhook; the secret is sealed to the contact (tenants.crypto)."""
    contact.webhook_url = check_url(url)
    if len(secret or "") < 16:
        raise RuleViolation.one(N_("The webhook secret needs at least %(min)s characters."), "webhook_secret", min=16)
    contact.webhook_secret = box.seal(secret, owner=secret_owner(contact.id), field="webhook_secret")


def hooks_for(session, server: Server, oncall_url: str) -> list[Hook]:
    """The provider's on-call, then each fault contact with a webhook of the resellers with
    customers on the server (the same resellers the e-mail goes to)."""
    out = [Hook(oncall_url, ONCALL)] if oncall_url else []
    resellers = select(Customer.reseller_id).where(
        Customer.server_id == server.id, Customer.status != CustomerStatus.CANCELLED.value)
    for contact in session.execute(select(ResellerContact).where(
            ResellerContact.reseller_id.in_(resellers), ResellerContact.webhook_url.is_not(None))
            .order_by(ResellerContact.reseller_id, ResellerContact.id)).scalars():
        if contact.webhook_url and all(h.url != contact.webhook_url for h in out):
            out.append(Hook(contact.webhook_url, f"contact:{contact.id} ({contact.name})"[:200]))
    return out


def payload(incident: Incident, server: Server, kind: str, subject: str, text: str, affected: list[str]) -> str:
    def jst(value):
        return to_jst(value).isoformat(timespec="minutes") if value else None

    return json.dumps({
        "event": kind, "incident": incident.id, "kind": incident.kind, "status": incident.status,
        "server": server.hostname, "service": incident.subject, "affected": affected,
        "started_at": jst(incident.started_at), "recovered_at": jst(incident.recovered_at),
        "subject": subject, "text": text,
    }, ensure_ascii=False, sort_keys=True)


def queue_hooks(session, hooks: list[Hook], server_id: int, key: str, kind: str, subject: str, body: str,
                incident_id: int, have: set[str]) -> list:
    """One webhook notice per (incident, kind, URL), like the mail."""
    queued = []
    for hook in hooks:
        if hook.url in have:
            continue
        row = outbox.queue(session, kind, hook.url, subject, body, key=key, label=hook.label, server_id=server_id,
                           incident_id=incident_id, channel=CHANNEL)
        if row is not None:
            queued.append(row)
    return queued


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
