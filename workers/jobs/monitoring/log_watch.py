"""Log watch (managed option spec, Gold/Platinum: hourly system-log collection with error detection;
the rules: tenants.monitoring.log_watch): every hour, each watched server's system logs are read
through its driver (this machine or SSH) from where the last read ended, surviving rotation; new
findings are recorded and alerted. The first read of a log starts at its end: what was logged
before the watch began is not news."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from tenants.db import utcnow
from tenants.models import LogWatchCursor, Server
from tenants.monitoring.log_watch import (
    DEFAULT_LOGS,
    alert_new_findings,
    classify,
    patterns_of,
    record_findings,
    suppressions_of,
    watched_servers,
)
from workers import runtime
from workers.drivers import driver_for
from workers.drivers.errors import ApplyError
from workers.maillog import MailLogState, read_new_lines, state_at_end

log = logging.getLogger(__name__)


def _cursor(session, server_id: int, path: str) -> LogWatchCursor:
    cursor = session.execute(select(LogWatchCursor).where(LogWatchCursor.server_id == server_id,
                                                          LogWatchCursor.path == path)).scalar()
    if cursor is None:
        cursor = LogWatchCursor(server_id=server_id, path=path, state={})
        session.add(cursor)
    return cursor


def watch_server(server_id: int, now: str | None = None) -> dict:
    at = datetime.fromisoformat(now) if now else utcnow()
    new, lines, errors = [], 0, []
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        if server is None:
            return {"server": server_id, "new": 0}
        patterns, suppressions = patterns_of(s), suppressions_of(s, server_id)
        try:
            with driver_for(server) as driver:
                for path in list(driver.settings.get("system_logs") or DEFAULT_LOGS):
                    cursor = _cursor(s, server_id, path)
                    try:
                        state = MailLogState.from_dict(cursor.state) if cursor.read_at else state_at_end(path, driver.host)
                        while True:
                            got, state, run = read_new_lines(path, state, host=driver.host)
                            lines += len(got)
                            new += record_findings(s, server_id, path, classify(got, patterns, suppressions), at)
                            if not run.more:
                                break
                        cursor.state, cursor.read_at, cursor.last_error = state.to_dict(), at, None
                    except OSError as exc:  # read again from the same place next hour
                        errors.append(f"{path}: {exc}")
                        cursor.last_error = str(exc)[:2000]
        except ApplyError as exc:
            errors.append(exc.message)
            log.warning("log watch of server %s: %s", server_id, exc.message)
        alerted = alert_new_findings(s, server_id, new, at)
        s.commit()
    if alerted:
        from workers.jobs.outbox import send_outbox

        send_outbox(server_id, now)
    return {"server": server_id, "lines": lines, "new": len(new), "errors": errors}


def watch_logs(now: str | None = None) -> list[dict]:
    """The hourly run over every server with the Gold/Platinum log watch."""
    with runtime.job_session() as s:
        servers = watched_servers(s)
    return [watch_server(server_id, now) for server_id in servers]
