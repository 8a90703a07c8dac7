"""Jobs of the managed-service contracts: the monthly invoice run, the daily contract chores
(formation, cancellations, scheduled suspensions, work-request acceptance and overdue flags) and
sending the contract workflow's mail over SMTP. Each takes an injectable date and is safe to run
twice."""
from __future__ import annotations

import smtplib
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select

from tenants.contracts.invoicing import monthly_invoice_run
from tenants.calendar import today_jst
from tenants.contracts.options import monitoring_features
from tenants.contracts.suspension import start_if_due
from tenants.contracts.work import daily_work_requests
from tenants.contracts.lifecycle import end_if_cancelled, form_if_due, running_contracts
from tenants.db import utcnow
from tenants.models import ContractMail, Suspension
from tenants.monitoring.endpoints import set_contract_monitoring
from workers import runtime

MAX_ATTEMPTS = 5  # runs a mail the SMTP host refuses is tried on (5 minutes apart), then given up


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else (value or today_jst())


# managed terms §20.3: run on the 1st of each month; invoices next month
def monthly_invoices(run_on: str | date | None = None) -> list[str]:
    with runtime.job_session() as s:
        issued = monthly_invoice_run(s, _day(run_on))
        s.commit()
        return [inv.number for inv in issued]


# managed terms §5.4, §11.2, §23, §18.4
# managed terms, operation support Gold/Platinum: the options switch on what the monitoring watches
def sync_monitoring(session, contract, day: date) -> None:
    if contract.server is None:
        return
    features = monitoring_features(contract, day)
    set_contract_monitoring(session, contract.server, bool({"file_count_90", "db_size_90"} & features))


def daily_contracts(today: str | date | None = None, now: datetime | None = None) -> dict:
    day = _day(today)
    now = now or utcnow()
    with runtime.job_session() as s:
        formed = ended = started = 0
        for contract in running_contracts(s):
            formed += form_if_due(contract, day)
            ended += end_if_cancelled(contract, day)
            sync_monitoring(s, contract, day)
        for suspension in s.execute(select(Suspension).where(Suspension.status == "scheduled")).scalars():
            started += start_if_due(suspension, now)
        result = {"formed": formed, "cancelled": ended, "suspensions_started": started,
                  **daily_work_requests(s, day)}
        s.commit()
    return result  # mail queued on the way goes out with send_contract_mail (every 5 minutes)


class Unsendable(ValueError):
    """A mail that cannot be built as it is; sending it again would fail the same way."""


def _message(mail: ContractMail, sender: str) -> EmailMessage:
    for field, value in (("subject", mail.subject), ("recipient address", mail.to_addr)):
        if "\r" in value or "\n" in value:
            raise Unsendable(f"the {field} contains a line break, which a mail header cannot carry")
    msg = EmailMessage()
    try:
        msg["From"], msg["To"], msg["Subject"] = sender, mail.to_addr, mail.subject
        msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="panel.invalid")
        msg.set_content(mail.body)
        msg.as_bytes()  # everything the SMTP client will serialise, so it fails here and not mid-send
    except (ValueError, TypeError, UnicodeError) as exc:
        raise Unsendable(f"the mail cannot be built: {exc}") from exc
    return msg


def _give_up(mail: ContractMail, reason: str) -> None:
    """Never picked again; the provider's contract screen shows it failed with the reason."""
    mail.failed_at, mail.error = utcnow(), f"Not sent: {reason}"[:2000]


def send_contract_mail() -> int:
    """Send every queued contract mail to the configured SMTP host and stamp it sent.

    A mail that cannot be built is given up at once; one the SMTP host refuses is tried again on
    the next runs (every 5 minutes) and given up after MAX_ATTEMPTS. Either way the queue moves on.
    """
    settings = runtime.settings()
    sent = 0
    with runtime.job_session() as s:
        pending = s.execute(select(ContractMail).where(
            ContractMail.sent_at.is_(None), ContractMail.failed_at.is_(None), ContractMail.attempts < MAX_ATTEMPTS)
            .order_by(ContractMail.id)).scalars().all()
        if not pending:
            return 0
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
                for mail in pending:
                    mail.attempts += 1
                    try:
                        smtp.send_message(_message(mail, settings.mail_from))
                    except Unsendable as exc:
                        _give_up(mail, str(exc))
                    except smtplib.SMTPServerDisconnected as exc:  # the rest wait for the next run
                        mail.error = str(exc)[:2000] or "the SMTP host closed the connection"
                        s.commit()
                        break
                    except smtplib.SMTPException as exc:
                        mail.error = str(exc)[:2000]
                        if mail.attempts >= MAX_ATTEMPTS:
                            _give_up(mail, f"given up after {mail.attempts} attempts; the last answer: {exc}")
                    else:
                        mail.sent_at, mail.error = utcnow(), None
                        sent += 1
                    s.commit()
        except OSError as exc:  # SMTP host unreachable: keep the mail queued for the next run
            for mail in pending:
                if mail.sent_at is None and mail.failed_at is None:
                    mail.error = f"SMTP connection failed: {exc}"[:2000]
            s.commit()
    return sent
