"""Sending email through the configured SMTP server (settings SMTP_HOST / SMTP_PORT): mails to a
reseller's end users, in the default language under the reseller's brand (OEM spec: end users
never see the provider's name)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from functools import lru_cache
from pathlib import Path

from babel.support import Translations

from workers import runtime

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
NESTED = ("resource", "action")  # parameters that are msgids themselves


@lru_cache(maxsize=4)
def _catalog(locale: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [locale])


def render(msg: tuple[str, dict], locale: str) -> str:
    """A (msgid, params) pair from tenants/ in the given language."""
    catalog = _catalog(locale)
    msgid, params = msg
    params = {k: (catalog.gettext(v) if k in NESTED and isinstance(v, str) else v) for k, v in params.items()}
    return catalog.gettext(msgid) % params


def send(to: list[str], subject: str, body: str, *, sender_name: str, reply_to: str | None = None,
         timeout: float = 30.0) -> None:
    """One mail to a reseller's end users (and the reseller), From its brand name, Reply-To its support."""
    settings = runtime.settings()
    message = EmailMessage()
    message["From"] = formataddr((sender_name, settings.mail_from))
    message["To"] = ", ".join(to)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        smtp.send_message(message)
