"""The one sender: every mail the system sends leaves here, from the outbox (tenants/outbox), over
the configured SMTP host (settings SMTP_HOST / SMTP_PORT, From MAIL_FROM).

send_outbox(server_id=None, now=None)  every 5 minutes (the scheduler) and right after the jobs
                                       that queue mail (incidents, mass-mail locks, fault reports):
                                       send every due mail (of one server).
send_mails(ids, now=None)              send these mails, each one only if this worker claims it.

A mail to an end user is From the reseller's brand name (at MAIL_FROM) with Reply-To its support
address, as queued (tenants.outbox.rules.queue_to_end_user); every other mail is From MAIL_FROM.
A mail about an invoice carries the invoice's PDF (workers/jobs/invoices.py). Each attempt is
recorded by the outbox's one retry rule.
"""
from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from tenants.db import utcnow
from tenants.incidents.rules import note_delivery
from tenants.models import OutboxMail
from tenants.outbox import rules as outbox
from workers import runtime
from workers.jobs import webhooks
from workers.jobs.invoices import attachments_of

TIMEOUT = 30.0  # seconds for the SMTP host to answer


class Unsendable(ValueError):
    """A mail that cannot be built as it is; sending it again would fail the same way."""


class Unreachable(Exception):
    """The SMTP host could not be reached or hung up: not the mail's fault."""


def _at(value: str | datetime | None) -> datetime:
    if value is None:
        return utcnow()
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def message_of(mail: OutboxMail, mail_from: str, attachments: Sequence[tuple[str, bytes]] = ()) -> EmailMessage:
    """The message as it goes out, with ``attachments`` (file name, PDF bytes); raises Unsendable
    when it cannot be built."""
    headers = (("subject", mail.subject), ("recipient address", mail.recipient),
               ("sender name", mail.sender_name or ""), ("reply-to address", mail.reply_to or ""))
    for field, value in headers:
        if "\r" in value or "\n" in value:
            raise Unsendable(f"the {field} contains a line break, which a mail header cannot carry")
    msg = EmailMessage()
    try:
        msg["From"] = formataddr((mail.sender_name, mail_from)) if mail.sender_name else mail_from
        msg["To"] = mail.recipient
        if mail.reply_to:
            msg["Reply-To"] = mail.reply_to
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2] or "localhost")
        msg.set_content(mail.body)
        for filename, data in attachments:
            msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
        msg.as_bytes()  # everything the SMTP client will serialise, so it fails here and not mid-send
    except (ValueError, TypeError, UnicodeError) as exc:
        raise Unsendable(f"the mail cannot be built: {exc}") from exc
    return msg


class SmtpLink:
    """One connection to the SMTP host for a run of mails, opened when the first one is ready. Once
    the host is unreachable, the rest of the run waits for the next one."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.unreachable: str | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message over; raises Unreachable, or smtplib.SMTPException when it is refused."""
        if self.unreachable is not None:
            raise Unreachable(self.unreachable)
        try:
            if self.smtp is None:
                settings = runtime.settings()
                self.smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
            self.smtp.send_message(message)
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected) as exc:
            self._lost(exc)
        except smtplib.SMTPException:  # the host answered and refused (an OSError too: keep it first)
            raise
        except OSError as exc:  # refused connection, no route, timeout
            self._lost(exc)

    def _lost(self, exc: Exception):
        self.close()
        self.unreachable = str(exc) or "the SMTP host closed the connection"
        raise Unreachable(self.unreachable) from exc

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def send_mails(ids: list[int], now: str | datetime | None = None) -> int:
    """Claim each mail (of any number of workers exactly one sends it), send what was claimed over
    one connection and record every attempt. Returns how many were delivered."""
    sent, link = 0, SmtpLink()
    with runtime.job_session() as s:
        claimed = []
        for mail_id in ids:
            if outbox.claim(s, mail_id, _at(now)):
                s.commit()  # the claim is visible to every other worker before we send
                claimed.append(mail_id)
            else:
                s.rollback()
        try:
            for mail_id in claimed:
                sent += _deliver(s, s.get(OutboxMail, mail_id), link, _at(now))
                s.commit()
        finally:
            link.close()
    return sent


def _deliver(session, mail: OutboxMail, link: SmtpLink, now: datetime) -> bool:
    """Send one claimed mail and record the attempt (for an incident's notice, in its timeline too);
    True when delivered."""
    before, waiting = mail.last_error, False
    error: str | None  # None: delivered
    try:
        if mail.channel == "webhook":  # issue 20: a signed JSON notice (workers/jobs/webhooks.py)
            try:
                webhooks.post(session, mail)
            except ValueError as exc:
                raise Unsendable(str(exc)) from exc
        elif link.unreachable is not None:  # no PDF is made for a mail that cannot go now
            raise Unreachable(link.unreachable)
        try:
            attachments = attachments_of(session, mail.invoice_id)
        except Exception as exc:  # noqa: BLE001 — a PDF that cannot be made: every attempt would fail alike
            raise Unsendable(f"the invoice PDF cannot be made: {type(exc).__name__}: {exc}") from exc
        if mail.channel != "webhook":
            link.send(message_of(mail, runtime.settings().mail_from, attachments))
    except Unsendable as exc:
        outbox.give_up(mail, now, str(exc))
        error = str(exc)
    except Unreachable as exc:
        outbox.record_unreachable(mail, str(exc))
        error, waiting = mail.last_error, True
    except Exception as exc:  # noqa: BLE001 — refused (or any other failure): recorded and retried
        error = f"{type(exc).__name__}: {exc}"
        outbox.record_refused(mail, now, error)
    else:
        outbox.record_sent(mail, now)
        error = None
    if mail.incident_id is not None and not (waiting and error == before):  # a wait that goes on: one line
        note_delivery(session, mail, now, error)
    return error is None


def send_outbox(server_id: int | None = None, now: str | None = None) -> int:
    """Send every due mail (of one server): the periodic job, and the last step of the jobs that
    queue mail. Safe to run twice or on several workers at once."""
    with runtime.job_session() as s:
        ids = outbox.due(s, server_id)
    return send_mails(ids, now)
