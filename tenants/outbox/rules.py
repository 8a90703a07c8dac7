"""The outbox's one set of rules for every mail: queue it (once per key where it must go once),
claim it for sending, record each attempt, and say what is due.

The retry rule: each claim is an attempt, and a mail gets at most MAX_ATTEMPTS. A mail the SMTP
host refuses is ``failed`` and tried again on the next run; after the last attempt it is given up.
A mail that cannot be built at all (a line break in a header) is given up at once, since every
attempt would fail the same way. An attempt that never reached the SMTP host (unreachable, or it
hung up) does not count: the mail waits for the host. A worker that claimed a mail and died frees
it after STALE_CLAIM. Given-up mail is never picked again; the screens show it failed, with why.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tenants.db import utcnow
from tenants.models import OutboxMail, Reseller
from tenants.outbox.models import MailStatus

MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=10)
CLAIMABLE = (MailStatus.PENDING, MailStatus.FAILED)
NOT_DONE = (*CLAIMABLE, MailStatus.SENDING)
MAX_ERROR = 2000


def queue(session, kind: str, recipient: str, subject: str, body: str, *, key: str | None = None,
          label: str = "", **links) -> OutboxMail | None:
    """Queue one mail. With a ``key``, at most one per (key, kind, recipient) however many workers
    queue it: None when it is queued already. ``links``: server_id, incident_id, contract_id,
    reseller_id, customer_id, and for mail an end user reads sender_name and reply_to."""
    mail = OutboxMail(kind=kind, dedup_key=key, recipient=recipient, recipient_label=label[:200],
                      subject=subject[:300], body=body, queued_at=utcnow(), **links)
    if key is None:
        session.add(mail)
        return mail
    try:
        with session.begin_nested():
            session.add(mail)
            session.flush()
        return mail
    except IntegrityError:
        return None


# OEM spec: the end user deals with the reseller only and never sees the provider's name
def queue_to_end_user(session, reseller: Reseller, kind: str, recipients: list[str], subject: str, body: str,
                      **links) -> OutboxMail | None:
    """One mail to a reseller's end user (and whoever else of the reseller reads along), From the
    reseller's brand name, Reply-To its support address. None as for queue(): a ``key`` already queued."""
    return queue(session, kind, ", ".join(recipients), subject, body, reseller_id=reseller.id,
                 sender_name=reseller.brand_name, reply_to=reseller.support_email or None, **links)


def due(session, server_id: int | None = None) -> list[int]:
    """The mail still to send (of one server), oldest first."""
    query = select(OutboxMail.id).where(OutboxMail.status.in_(NOT_DONE), OutboxMail.attempts < MAX_ATTEMPTS)
    if server_id is not None:
        query = query.where(OutboxMail.server_id == server_id)
    return list(session.execute(query.order_by(OutboxMail.id)).scalars())


def claim(session, mail_id: int, now: datetime) -> bool:
    """Take a mail for sending: pending, failed (retry) or a stale claim → sending, in one
    conditional UPDATE, so of any number of workers exactly one sends it. Counts an attempt."""
    claimable = (OutboxMail.status.in_(CLAIMABLE)
                 | ((OutboxMail.status == MailStatus.SENDING) & (OutboxMail.claimed_at < now - STALE_CLAIM)))
    return session.execute(update(OutboxMail).where(
        OutboxMail.id == mail_id, claimable, OutboxMail.attempts < MAX_ATTEMPTS).values(
        status=MailStatus.SENDING, claimed_at=now, attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount == 1


def record_sent(mail: OutboxMail, now: datetime) -> None:
    mail.status, mail.sent_at, mail.last_error = MailStatus.SENT, now, None


def record_refused(mail: OutboxMail, now: datetime, error: str) -> None:
    """The SMTP host did not take it: tried again on the next run, given up after the last attempt."""
    if mail.attempts >= MAX_ATTEMPTS:
        give_up(mail, now, f"given up after {mail.attempts} attempts; the last answer: {error}")
    else:
        mail.status, mail.last_error = MailStatus.FAILED, error[:MAX_ERROR]


def record_unreachable(mail: OutboxMail, error: str) -> None:
    """The SMTP host was not reached: the attempt does not count, the mail waits for the host."""
    mail.status, mail.attempts = MailStatus.FAILED, max(0, mail.attempts - 1)
    mail.last_error = f"SMTP connection failed: {error}"[:MAX_ERROR]


def give_up(mail: OutboxMail, now: datetime, reason: str) -> None:
    """Never picked again; the screens show it failed with the reason."""
    mail.status, mail.given_up_at = MailStatus.GAVE_UP, now
    mail.last_error = f"Not sent: {reason}"[:MAX_ERROR]


def anything_due(session) -> bool:
    return session.execute(select(OutboxMail.id).where(OutboxMail.status.in_(CLAIMABLE)).limit(1)).first() is not None
