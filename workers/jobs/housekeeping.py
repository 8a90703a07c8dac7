"""Small periodic chores: the scheduler's heartbeat and pruning old login attempts."""
from __future__ import annotations

from datetime import timedelta

from tenants import auth
from tenants.db import utcnow
from workers import runtime
from workers.queues import connection


def heartbeat() -> str:
    """Lets the provider see the scheduler and a worker are alive (key expires after 3 minutes)."""
    stamp = utcnow().isoformat()
    connection().set("panel:heartbeat", stamp, ex=180)
    return stamp


def prune_login_attempts(days: int = 30) -> int:
    with runtime.job_session() as s:
        n = auth.prune_login_attempts(s, timedelta(days=days))
        s.commit()
        return n
