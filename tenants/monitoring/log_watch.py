"""Log watch (managed option spec, 運用サポート Gold/Platinum: 1時間ごとのシステムログ収集とエラー検知).

Every hour the system logs of each watched server are read from where the last read ended (through
the server's driver; the position survives rotation). A line that matches an enabled pattern and
none of the server's suppressions is a finding; lines that differ only in numbers, addresses or
their timestamp are one finding, counted. A new finding is alerted once to the server's fault
contacts; the provider's screen lists them; the annual service report counts them.

    classify(lines, patterns, suppressions) -> [(pattern name, fingerprint, line)]
    record_findings(session, server_id, path, found, now) -> the findings that are new
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import func, select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.incidents.rules import fault_recipients
from tenants.models import LogFinding, LogPattern, LogSuppression, ResourceThreshold, Server
from tenants.outbox import rules as outbox

DEFAULT_LOGS = ("/var/log/syslog",)
MAX_SAMPLE = 1000
# the patterns a new installation starts with (migration 0023); provider staff edit them
DEFAULT_PATTERNS = {
    "out_of_memory": r"Out of memory|oom-kill|invoked oom-killer",
    "disk_error": r"I/O error|EXT4-fs error|XFS \(.*\): .*error|Buffer I/O error|Medium Error",
    "segfault": r"segfault at|general protection fault",
    "kernel_bug": r"kernel: .*(BUG:|Oops|Call Trace|soft lockup|hung_task)",
    "unit_failed": r"systemd\[1\]: .*(Failed with result|failed with result|Failed to start)",
    "fatal": r"\b(emerg|crit|fatal|FATAL|panic|PANIC)\b",
}
_SYSLOG_PREFIX = re.compile(r"^(\w{3} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.+-]+)\s+\S+\s+")
_VARIABLE = re.compile(r"0x[0-9a-fA-F]+|\b\d+(\.\d+)*\b|[0-9a-f]{8,}")


def compile_pattern(regex: str, field: str = "regex") -> re.Pattern:
    """A pattern or suppression as the provider typed it; a clear message when it is not valid."""
    regex = (regex or "").strip()
    if not regex:
        raise RuleViolation.one(N_("Enter a regular expression."), field)
    if len(regex) > 500:
        raise RuleViolation.one(N_("Use at most %(n)s characters."), field, n=500)
    try:
        return re.compile(regex)
    except re.error as exc:
        raise RuleViolation.one(N_("This is not a valid regular expression: %(error)s"), field, error=str(exc)) from None


def fingerprint(pattern: str, line: str) -> str:
    """Lines that differ only in their timestamp, host, numbers or addresses are the same finding."""
    body = _VARIABLE.sub("#", _SYSLOG_PREFIX.sub("", line.strip()))
    return hashlib.sha256(f"{pattern}\0{body}".encode()).hexdigest()


def classify(lines, patterns: list[tuple[str, re.Pattern]], suppressions: list[re.Pattern]) -> list[tuple[str, str, str]]:
    found = []
    for line in lines:
        for name, regex in patterns:
            if regex.search(line):
                if not any(s.search(line) for s in suppressions):
                    found.append((name, fingerprint(name, line), line))
                break
    return found


def patterns_of(session) -> list[tuple[str, re.Pattern]]:
    rows = session.execute(select(LogPattern).where(LogPattern.enabled.is_(True)).order_by(LogPattern.id)).scalars()
    return [(row.name, re.compile(row.regex)) for row in rows]


def suppressions_of(session, server_id: int) -> list[re.Pattern]:
    return [re.compile(regex) for regex in session.execute(
        select(LogSuppression.regex).where(LogSuppression.server_id == server_id)).scalars()]


def watched_servers(session) -> list[int]:
    """Servers whose contract includes the Gold/Platinum log collection (switched by the contracts job)."""
    return list(session.execute(select(ResourceThreshold.server_id).where(
        ResourceThreshold.log_watch.is_(True)).order_by(ResourceThreshold.server_id)).scalars())


def record_findings(session, server_id: int, path: str, found, now: datetime) -> list[LogFinding]:
    """Count each finding; returns the ones seen for the first time."""
    new: list[LogFinding] = []
    known = {f.fingerprint: f for f in session.execute(select(LogFinding).where(
        LogFinding.server_id == server_id,
        LogFinding.fingerprint.in_({fp for _n, fp, _l in found}))).scalars()} if found else {}
    for name, fp, line in found:
        finding = known.get(fp)
        if finding is None:
            finding = LogFinding(server_id=server_id, pattern=name, fingerprint=fp, path=path,
                                 sample=line[:MAX_SAMPLE], first_seen=now, last_seen=now, count=0)
            session.add(finding)
            known[fp] = finding
            new.append(finding)
        finding.count += 1
        finding.last_seen = now
    session.flush()
    return new


def alert_new_findings(session, server_id: int, new: list[LogFinding], now: datetime) -> int:
    """One mail per recipient listing the new findings of this read (each finding alerted once)."""
    if not new:
        return 0
    server = session.get(Server, server_id)
    lines = [f"{server.hostname} のシステムログで新しいエラーを検知しました / New errors in the system log of "
             f"{server.hostname}:", ""] + [f"[{f.pattern}] {f.path}: {f.sample}" for f in new]
    subject = f"[ログ監視/Log watch] {server.hostname}: {len(new)}"
    key = f"logwatch:{server_id}:{min(f.id for f in new)}"
    sent = 0
    for recipient in fault_recipients(session, server):
        sent += bool(outbox.queue(session, "log_finding", recipient.email, subject, "\n".join(lines), key=key,
                                  label=recipient.label, server_id=server_id))
    for finding in new:
        finding.alerted_at = now
    return sent


def findings_in(session, server_id: int, start: datetime, end: datetime) -> tuple[int, int]:
    """(findings first seen, occurrences last seen) between two times: the annual report's counts."""
    kinds, occurrences = session.execute(select(func.count(LogFinding.id), func.coalesce(func.sum(LogFinding.count), 0))
                                         .where(LogFinding.server_id == server_id, LogFinding.first_seen >= start,
                                                LogFinding.first_seen < end)).one()
    return int(kinds), int(occurrences)


# --- what provider staff edit ---------------------------------------------------------------------

def add_suppression(session, actor, server: Server, regex: str, note: str = "") -> LogSuppression:
    compile_pattern(regex)
    row = LogSuppression(server_id=server.id, regex=regex.strip(), note=(note or "").strip()[:200])
    session.add(row)
    session.flush()
    audit.record(session, actor, "monitoring.log_suppression.add", server, f"{server.hostname}: {row.regex}")
    return row


def delete_suppression(session, actor, row: LogSuppression) -> None:
    server = session.get(Server, row.server_id)
    audit.record(session, actor, "monitoring.log_suppression.delete", server, f"{server.hostname}: {row.regex}")
    session.delete(row)


def add_pattern(session, actor, name: str, regex: str) -> LogPattern:
    name = (name or "").strip()
    if not re.fullmatch(r"[a-z0-9_]{1,40}", name):
        raise RuleViolation.one(N_("Use 1 to 40 lower-case letters, digits and _ ."), "name")
    if session.execute(select(LogPattern.id).where(LogPattern.name == name)).first() is not None:
        raise RuleViolation.one(N_("A pattern with this name exists already."), "name")
    compile_pattern(regex)
    row = LogPattern(name=name, regex=regex.strip(), enabled=True)
    session.add(row)
    session.flush()
    audit.record(session, actor, "monitoring.log_pattern.add", row, f"{name}: {row.regex}")
    return row


def set_pattern_enabled(session, actor, row: LogPattern, enabled: bool) -> None:
    row.enabled = enabled
    audit.record(session, actor, "monitoring.log_pattern." + ("enable" if enabled else "disable"), row, row.name)
