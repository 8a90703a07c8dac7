"""Sending one email through the configured SMTP server (settings SMTP_HOST / SMTP_PORT)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from workers import runtime


def send_mail(to: str, subject: str, body: str, *, timeout: float = 30.0) -> None:
    """Hand one plain-text message to the SMTP server; raises (smtplib.SMTPException, OSError)
    when it is not accepted, so the caller records the failure and tries again later."""
    settings = runtime.settings()
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        smtp.send_message(msg)
