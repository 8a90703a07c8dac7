"""Mail of the contract workflow: rules queue a ContractMail row; a worker job sends it over SMTP
and stamps it sent, so every mail sent is on record (workers/jobs/contract_jobs.py)."""
from __future__ import annotations

import re

from tenants.db import utcnow
from tenants.models import Contract, ContractMail

_LINE_BREAKS = re.compile(r"[\r\n]+")


def one_line(text: str) -> str:
    """A mail header holds one line: line breaks (e.g. from a work request's title) become spaces."""
    return _LINE_BREAKS.sub(" ", text or "").strip()


def queue_mail(session, contract: Contract, purpose: str, subject: str, body: str) -> ContractMail | None:
    """Queue a mail to the contract party's contact address; None when it has none."""
    to_addr = (contract.party.contact_email or "").strip()
    if not to_addr:
        return None
    mail = ContractMail(contract_id=contract.id, reseller_id=contract.reseller_id, purpose=purpose,
                        to_addr=to_addr, subject=one_line(subject), body=body, queued_at=utcnow())
    session.add(mail)
    return mail


def settings_text(settings: dict) -> str:
    """The initial-settings form as lines of text for the start-of-service notice."""
    labels = {"applications": "アプリケーション", "contacts": "連絡先",
              "emergency_contact": "緊急連絡先", "notes": "備考"}
    return "\n".join(f"{labels.get(k, k)}: {v}" for k, v in settings.items() if v)
