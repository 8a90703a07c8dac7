"""Sending the panel's mails over SMTP (settings.smtp_host/port), in the default language, under
the sending reseller's brand (OEM spec: end users never see the provider's name)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr
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
    catalog = _catalog(locale)
    msgid, params = msg
    params = {k: (catalog.gettext(v) if k in NESTED and isinstance(v, str) else v) for k, v in params.items()}
    return catalog.gettext(msgid) % params


def send(to: list[str], subject: str, body: str, *, sender_name: str, reply_to: str | None = None) -> None:
    settings = runtime.settings()
    message = EmailMessage()
    message["From"] = formataddr((sender_name, settings.mail_from))
    message["To"] = ", ".join(to)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)
