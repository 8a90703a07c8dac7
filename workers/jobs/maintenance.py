"""Maintenance announcements (issue 20 item 5): every 15 minutes (the scheduler) the due notices
of announced windows are queued (tenants/monitoring/announcements.py) and sent."""
from __future__ import annotations

from datetime import datetime

from tenants.db import utcnow
from tenants.monitoring.announcements import announce_due
from workers import runtime
from workers.jobs.outbox import send_outbox


def announce(now: str | None = None) -> int:
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        queued = announce_due(s, at)
        s.commit()
    if queued:
        send_outbox(None, now)
    return queued
