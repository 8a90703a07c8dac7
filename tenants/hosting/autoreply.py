"""A mailbox's autoresponder (issue 17: an automatic reply per mailbox, with start and end dates).

The end user turns it on or off and sets the reply's subject and text, optional first and last
days, and how many days pass before the same sender is answered again (sieve vacation ``:days``).
The server answers with dovecot's sieve ``vacation`` (workers/drivers/host/sieve.py); the days are
dates in Asia/Tokyo like every date of the panel (DESIGN: dates are ``date`` in Asia/Tokyo).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from tenants import audit
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.wanted import Work
from tenants.models import Customer, MailAccount

MAX_SUBJECT = 200
MAX_BODY = 4000
MAX_DAYS = 30           # pigeonhole's sieve_vacation_max_period is 60 days; a month is plenty
DEFAULT_DAYS = 1
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # in the text, only line breaks and tabs


@dataclass(frozen=True)
class Reply:
    """The checked settings (what is saved and what the driver renders)."""
    on: bool
    subject: str
    body: str
    start: date | None
    end: date | None
    days: int


def _date(value, field: str, problems: list[Problem]) -> date | None:
    if isinstance(value, date):
        return value
    text = (value or "").strip() if isinstance(value, str) else value
    if text in (None, ""):
        return None
    if isinstance(text, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    problems.append(Problem(N_("Enter a date as YYYY-MM-DD."), field))
    return None


def _days(value, problems: list[Problem]) -> int:
    if value in (None, ""):
        return DEFAULT_DAYS
    try:
        days = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        days = -1
    if not 1 <= days <= MAX_DAYS:
        problems.append(Problem(N_("Enter a whole number of days from 1 to %(n)s."), "days", {"n": MAX_DAYS}))
        return DEFAULT_DAYS
    return days


def check(on, subject, body, start=None, end=None, days=None) -> Reply:
    """The settings as typed, checked; every problem beside its field (RuleViolation)."""
    problems: list[Problem] = []
    on = bool(on)
    subject = subject if isinstance(subject, str) else ""
    body = (body if isinstance(body, str) else "").replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in subject or "\r" in subject:
        problems.append(Problem(N_("The subject must be one line."), "subject"))
    elif _CONTROL.search(subject):
        problems.append(Problem(N_("The subject holds a character that cannot be sent."), "subject"))
    elif len(subject.strip()) > MAX_SUBJECT:
        problems.append(Problem(N_("Enter at most %(n)s characters."), "subject", {"n": MAX_SUBJECT}))
    elif on and not subject.strip():
        problems.append(Problem(N_("Enter the subject of the reply."), "subject"))
    if len(body) > MAX_BODY:
        problems.append(Problem(N_("Enter at most %(n)s characters."), "body", {"n": MAX_BODY}))
    elif _CONTROL.search(body):
        problems.append(Problem(N_("The text holds a character that cannot be sent."), "body"))
    elif on and not body.strip():
        problems.append(Problem(N_("Enter the text of the reply."), "body"))
    first, last = _date(start, "start", problems), _date(end, "end", problems)
    if first and last and last < first:
        problems.append(Problem(N_("The last day cannot be before the first day."), "end"))
    count = _days(days, problems)
    if problems:
        raise RuleViolation(problems)
    return Reply(on, subject.strip(), body.strip("\n"), first, last, count)


def of(box: MailAccount) -> Reply:
    """What is saved for the mailbox."""
    return Reply(bool(box.autoreply_on), box.autoreply_subject or "", box.autoreply_body or "",
                 box.autoreply_start, box.autoreply_end, box.autoreply_days or DEFAULT_DAYS)


def set_autoreply(session, actor, customer: Customer, box: MailAccount, on, subject, body, start=None, end=None,
                  days=None) -> list[Work]:
    """Save the mailbox's autoresponder and want the mail service applied again."""
    reply = check(on, subject, body, start, end, days)
    box.autoreply_on, box.autoreply_subject, box.autoreply_body = reply.on, reply.subject, reply.body
    box.autoreply_start, box.autoreply_end, box.autoreply_days = reply.start, reply.end, reply.days
    box.want_changed()
    audit.record(session, actor, "mail.autoreply", box,
                 f"autoresponder of {box.address} {'on' if reply.on else 'off'}", customer_id=customer.id)
    return [Work.service(customer, "mail")]
