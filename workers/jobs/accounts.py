"""Account jobs: the mail of a password reset request (tenants/accounts/resets.py).

The request itself only records the attempt and enqueues this job, so its answer takes the same
time whether or not a login has the address; the job looks the address up, queues one mail per
login in the outbox (none for an unknown address) and sends them at once."""
from __future__ import annotations

from tenants.accounts import resets
from workers import runtime
from workers.jobs.outbox import send_mails

TOKEN_MARK = "__token__"


def mail_password_reset(realm: str, email: str, link_template: str, site: str) -> int:
    """Queue and send the reset mail(s) for this address in this realm; the link is
    ``link_template`` with its TOKEN_MARK replaced by each login's token. Returns how many were sent."""
    settings = runtime.settings()
    with runtime.job_session() as s:
        ids = resets.queue_reset_mails(s, settings.secret_key, realm, email,
                                       lambda token: link_template.replace(TOKEN_MARK, token), site)
        s.commit()
    return send_mails(ids) if ids else 0
