"""Helpers of the account tests: an authenticator app's codes, enrolling two-factor login through
the pages, running the mail job, reading what a page shows."""
from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select

from tenants.models import OutboxMail
from tenants.tenancy import Scope
from tests.support import scoped_session

PREFIX = {"provider": "/admin", "reseller": "/panel", "managed": "/managed"}


def prefix(panel: str, code: str | None = None) -> str:
    return f"/u/{code}" if panel == "enduser" else PREFIX[panel]


def code_of(secret: str, steps: int = 0) -> str:
    """What the authenticator app shows now (or ``steps`` periods of 30 s later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def enrol(client, base: str) -> tuple[str, list[str]]:
    """Set up two-factor login on the account page as a person does: read the key under the QR
    code, type the app's code. Returns the key and the recovery codes shown once."""
    page = client.get(f"{base}/account/two-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn on our side
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    r = client.post(f"{base}/account/two-factor", data={"code": code_of(secret)})
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", r.get_data(as_text=True)
    codes = re.findall(r'<li><code class="secret">([a-z0-9-]+)</code></li>', r.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def password_step(client, panel: str, login_id: str, password: str, code: str | None = None):
    base = prefix(panel, code)
    return client.post(f"{base}/" if panel == "enduser" else f"{base}/login",
                       data={"login_id": login_id, "password": password})


def run_mail_jobs(app) -> None:
    """Run the queued notification jobs (the password reset mail) on a real RQ worker, then stop."""
    from rq import SimpleWorker

    from workers import queues

    with app.app_context():
        SimpleWorker([queues.queue("notifications")], connection=queues.connection()).work(burst=True)


def reset_mails(app, recipient: str) -> list[OutboxMail]:
    with scoped_session(app, Scope.system()) as s:
        rows = list(s.scalars(select(OutboxMail).where(OutboxMail.kind == "password_reset",
                                                       OutboxMail.recipient == recipient).order_by(OutboxMail.id)))
        s.expunge_all()
        return rows


def link_in(mail: OutboxMail) -> str:
    """The reset page's path in a mail's body."""
    return re.search(r"https?://[^/\s]+(/\S+/password/reset/\S+)", mail.body).group(1)
