"""Sending a webhook notice from the outbox (channel ``webhook``, tenants/incidents/webhooks.py):
an HTTP POST of the stored JSON, signed with HMAC-SHA256 over ``<timestamp>.<body>`` with the
secret of the provider's on-call (settings) or of the fault contact (sealed on the contact).
Python's urllib: one POST with a timeout needs no HTTP library. A 2xx answer is delivered;
anything else is a refused attempt, retried by the outbox's one retry rule."""
from __future__ import annotations

import time
import urllib.error
import urllib.request

from tenants.crypto import SecretBox
from tenants.incidents import webhooks
from tenants.models import OutboxMail, ResellerContact
from workers import runtime

TIMEOUT = 10.0


class WebhookRefused(Exception):
    pass


def secret_of(session, mail: OutboxMail) -> str:
    if mail.recipient_label == webhooks.ONCALL:
        return runtime.settings().oncall_webhook_secret
    contact_id = mail.recipient_label.removeprefix("contact:").split(" ", 1)[0]
    contact = session.get(ResellerContact, int(contact_id)) if contact_id.isdigit() else None
    if contact is None or not contact.webhook_secret:
        raise ValueError("the webhook's contact or its secret is gone")
    return SecretBox(runtime.settings().encryption_keys).open(
        contact.webhook_secret, owner=webhooks.secret_owner(contact.id), field="webhook_secret")


def post(session, mail: OutboxMail) -> None:
    """POST one webhook notice; raises ValueError when it cannot be signed, WebhookRefused when the
    receiver does not take it."""
    secret = secret_of(session, mail)
    if not secret:
        raise ValueError("no webhook secret is configured")
    body, stamp = mail.body.encode(), int(time.time())
    request = urllib.request.Request(mail.recipient, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "hosting-panel-webhook",
        "X-Panel-Event": mail.kind, "X-Panel-Timestamp": str(stamp),
        "X-Panel-Signature": webhooks.signature(secret, stamp, body)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - http(s) only (check_url)
            if not 200 <= answer.status < 300:
                raise WebhookRefused(f"the receiver answered {answer.status}")
    except urllib.error.HTTPError as exc:
        raise WebhookRefused(f"the receiver answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise WebhookRefused(f"the receiver could not be reached: {exc}") from exc
