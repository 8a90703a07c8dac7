"""Small periodic chores: the scheduler's heartbeat and pruning old login attempts and sessions."""
from __future__ import annotations

from datetime import timedelta

from tenants.accounts import auth
from tenants.accounts import sessions as login_sessions
from tenants.db import utcnow
from workers import runtime
from workers.queues import connection


def heartbeat() -> str:
    """Lets the provider see the scheduler and a worker are alive (key expires after 3 minutes)."""
    stamp = utcnow().isoformat()
    connection().set("panel:heartbeat", stamp, ex=180)
    return stamp


def prune_login_attempts(days: int = 30) -> int:
    """Old login attempts, and login sessions that have ended by idleness or age, go (daily)."""
    settings = runtime.settings()
    lifetime = login_sessions.Lifetime(idle=timedelta(minutes=settings.session_idle_minutes),
                                       absolute=timedelta(hours=settings.session_max_hours))
    with runtime.job_session() as s:
        n = auth.prune_login_attempts(s, timedelta(days=days)) + login_sessions.prune_sessions(s, lifetime)
        s.commit()
        return n
