"""Mail of the contract workflow: rules queue it in the outbox (tenants/outbox), the one sender
sends it and records the result, so every mail sent is on record and shown on the contract."""
from __future__ import annotations

import re

from tenants.models import Contract, OutboxMail
from tenants.outbox import rules as outbox

_LINE_BREAKS = re.compile(r"[\r\n]+")


def one_line(text: str) -> str:
    """A mail header holds one line: line breaks (e.g. from a work request's title) become spaces."""
    return _LINE_BREAKS.sub(" ", text or "").strip()


def queue_mail(session, contract: Contract, purpose: str, subject: str, body: str) -> OutboxMail | None:
    """Queue a mail to the contract party's contact address; None when it has none."""
    to_addr = (contract.party.contact_email or "").strip()
    if not to_addr:
        return None
    return outbox.queue(session, purpose, to_addr, one_line(subject), body, contract_id=contract.id,
                        reseller_id=contract.reseller_id)


def settings_text(settings: dict) -> str:
    """The initial-settings form as lines of text for the start-of-service notice."""
    labels = {"applications": "アプリケーション", "contacts": "連絡先",
              "emergency_contact": "緊急連絡先", "notes": "備考"}
    return "\n".join(f"{labels.get(k, k)}: {v}" for k, v in settings.items() if v)
