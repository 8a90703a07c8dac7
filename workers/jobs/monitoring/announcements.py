"""Maintenance announcements (issue 20; the rules: tenants.monitoring.announcements): every few
minutes, queue the announcements, reminders and ended notices that are due, then send them."""
from __future__ import annotations

from datetime import datetime

from tenants.db import utcnow
from tenants.monitoring.announcements import due_notices, send_notice
from workers import runtime


def announce_maintenance(now: str | None = None) -> int:
    """Queue every maintenance notice due now (each once per window and recipient) and send the
    mail; returns how many mails were queued."""
    at = datetime.fromisoformat(now) if now else utcnow()
    queued = 0
    with runtime.job_session() as s:
        for window, kind in due_notices(s, at):
            queued += len(send_notice(s, window, kind, at))
            s.commit()  # each window's notice stands on its own
    if queued:
        from workers.jobs.outbox import send_outbox

        send_outbox(now=now)
    return queued
