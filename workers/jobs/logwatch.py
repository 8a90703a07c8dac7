"""Log watch job (managed option spec: Gold/Platinum hourly system-log collection with error
detection; issue 20 item 4).

collect(server_id)  reads what is new in the server's system logs (driver setting ``system_logs``,
                    default /var/log/syslog; through the driver, this machine or SSH, with the
                    rotation-following reader of workers/maillog.py), records the findings
                    (tenants/logwatch/rules.py) and mails each new one to the server's fault
                    contacts once. The first read of a log only marks where it ends: old lines are
                    not news.
collect_all()       hourly (the scheduler), for every Gold/Platinum server.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.db import utcnow
from tenants.incidents.rules import fault_recipients
from tenants.logwatch.models import LogWatchCursor
from tenants.logwatch.rules import record_lines, watched_servers
from tenants.models import Server
from tenants.outbox import rules as outbox
from workers import runtime
from workers.drivers import driver_for
from workers.drivers.errors import ApplyError
from workers.jobs.outbox import send_outbox
from workers.maillog import MailLogState, read_new_lines

DEFAULT_LOGS = ("/var/log/syslog",)
MAX_PASSES = 16


def system_logs(driver) -> list[str]:
    logs = driver.settings.get("system_logs") or DEFAULT_LOGS
    return [logs] if isinstance(logs, str) else list(logs)


def collect(server_id: int, now: str | None = None) -> dict:
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        if server is None:
            return {"server": server_id, "new": 0}
        cursor = s.execute(select(LogWatchCursor).where(LogWatchCursor.server_id == server_id).with_for_update()).scalar()
        if cursor is None:
            cursor = LogWatchCursor(server_id=server_id, log_states={})
            s.add(cursor)
        states, new, lines_read = dict(cursor.log_states or {}), [], 0
        try:
            with driver_for(server, SecretBox(runtime.settings().encryption_keys)) as driver:
                for path in system_logs(driver):
                    first = path not in states
                    state = MailLogState.from_dict(states.get(path))
                    for _ in range(MAX_PASSES):
                        lines, state, run = read_new_lines(path, state, host=driver.host)
                        lines_read += len(lines)
                        if not first:
                            new += record_lines(s, server_id, path, lines, at)
                        if not run.more:
                            break
                    states[path] = state.to_dict()
        except (ApplyError, OSError) as exc:
            s.rollback()
            return {"server": server_id, "new": 0, "error": str(exc)}
        cursor.log_states, cursor.last_run_at = states, at
        recipients = fault_recipients(s, server)
        for finding in new:
            subject = f"[ログ検知/Log finding] {server.hostname}: {finding.sample[:80]}"
            body = "\n".join([f"{server.hostname} のシステムログで新しいエラーを検知しました。",
                              f"A new error in the system log of {server.hostname}.", "",
                              f"{finding.source}: {finding.sample}", f"pattern: {finding.pattern}"])
            for r in recipients:
                outbox.queue(s, "log_finding", r.email, subject, body, key=f"log:{finding.id}", label=r.label,
                             server_id=server_id)
            finding.alerted = True
        s.commit()
    if new:
        send_outbox(server_id, now)
    return {"server": server_id, "lines": lines_read, "new": len(new)}


def collect_all(now: str | None = None) -> list[dict]:
    with runtime.job_session() as s:
        ids = watched_servers(s)
    return [collect(i, now) for i in ids]
