"""Log watch rules (managed option spec: Gold/Platinum hourly system-log collection with error
detection; issue 20 item 4). Which servers are watched (their Gold/Platinum contract monitoring is
on: tenants.models.ResourceThreshold.contract_monitoring), which lines are findings (the default
patterns plus the server's own ``detect`` rules, minus its ``suppress`` rules), one finding per
normalised line (numbers, hex ids and pids blanked) with its count, and the new ones to alert."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.logwatch.models import LogFinding, LogWatchRule
from tenants.models import ResourceThreshold, Server
from tenants.servers.models import ServerStatus

DEFAULT_PATTERNS = (r"\b(?:error|crit(?:ical)?|alert|emerg(?:ency)?|panic)\b", r"segfault", r"Out of memory",
                    r"I/O error", r"\bfailed\b")
KINDS = ("detect", "suppress")
_NUMBERS = re.compile(r"\b(?:0x)?[0-9a-fA-F]*\d[0-9a-fA-F]*\b")
_SYSLOG_HEAD = re.compile(r"^(?:\S+T\S+|[A-Z][a-z]{2} +\d+ [\d:]{8}) +\S+ +")


def watched_servers(session) -> list[int]:
    return list(session.execute(select(Server.id).join(ResourceThreshold, ResourceThreshold.server_id == Server.id)
                                .where(ResourceThreshold.contract_monitoring.is_(True),
                                       Server.status != ServerStatus.RETIRED).order_by(Server.id)).scalars())


def compiled(session, server_id: int) -> tuple[list[tuple[str, re.Pattern]], list[re.Pattern]]:
    rules = session.execute(select(LogWatchRule).where(LogWatchRule.server_id == server_id)
                            .order_by(LogWatchRule.id)).scalars().all()
    detect = [(p, re.compile(p, re.I)) for p in DEFAULT_PATTERNS]
    detect += [(r.pattern, re.compile(r.pattern, re.I)) for r in rules if r.kind == "detect"]
    return detect, [re.compile(r.pattern, re.I) for r in rules if r.kind == "suppress"]


def signature(line: str) -> str:
    message = _SYSLOG_HEAD.sub("", line, count=1)
    return hashlib.sha256(_NUMBERS.sub("#", message).encode()).hexdigest()


def record_lines(session, server_id: int, source: str, lines: list[str], now: datetime) -> list[LogFinding]:
    """Findings of ``lines`` recorded (counted once per line); returns the ones first seen now."""
    detect, suppress = compiled(session, server_id)
    new: dict[str, LogFinding] = {}
    for line in lines:
        hit = next((p for p, rx in detect if rx.search(line)), None)
        if hit is None or any(rx.search(line) for rx in suppress):
            continue
        sig = signature(line)
        finding = new.get(sig) or session.execute(select(LogFinding).where(
            LogFinding.server_id == server_id, LogFinding.signature == sig)).scalar()
        if finding is None:
            finding = LogFinding(server_id=server_id, signature=sig, source=source[:500], pattern=hit[:300],
                                 sample=line[:2000], count=0, first_seen=now, last_seen=now)
            session.add(finding)
            new[sig] = finding
        finding.count += 1
        finding.last_seen = now
    session.flush()
    return list(new.values())


def add_rule(session, actor, server: Server, kind: str, pattern: str) -> LogWatchRule:
    pattern = (pattern or "").strip()
    if kind not in KINDS:
        raise RuleViolation.one(N_("Choose detect or suppress."), "kind")
    if not pattern or len(pattern) > 300:
        raise RuleViolation.one(N_("Enter a pattern (a regular expression, at most %(max)s characters)."), "pattern",
                                max=300)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RuleViolation.one(N_("This is not a valid regular expression: %(why)s"), "pattern", why=str(exc)) from exc
    rule = LogWatchRule(server_id=server.id, kind=kind, pattern=pattern)
    session.add(rule)
    session.flush()
    audit.record(session, actor, "logwatch.rule", rule, f"{kind} {pattern} on {server.hostname}")
    return rule


def patterns(session, server_id: int) -> list[LogWatchRule]:
    return list(session.execute(select(LogWatchRule).where(LogWatchRule.server_id == server_id)
                                .order_by(LogWatchRule.id)).scalars())


def findings(session, server_id: int) -> list[LogFinding]:
    return list(session.execute(select(LogFinding).where(LogFinding.server_id == server_id)
                                .order_by(LogFinding.last_seen.desc())).scalars())


def count_between(session, server_id: int, start: datetime, end: datetime) -> int:
    """Findings first seen in a period (the annual service report)."""
    return len(session.execute(select(LogFinding.id).where(
        LogFinding.server_id == server_id, LogFinding.first_seen >= start, LogFinding.first_seen < end)).all())
