"""Incremental reading of a postfix mail log, turned into send events for the mass-mail rule
(tenants.mass_mail; OEM spec 障害レベル1: an account sending mass mail is locked).

Reading (:func:`read_new_lines`): the caller keeps a :class:`MailLogState` between runs
(``to_dict``/``from_dict``) holding the log's inode, the byte offset read so far and the postfix
queue ids still in flight. Only complete lines are consumed; a half-written last line waits for the
next run. Rotation (logrotate renames ``mail.log`` to ``mail.log.1``, or with ``dateext``
``maillog`` to ``maillog-20261224``, and a new file appears): the old file is finished through its
rotated name when its inode is still ours — or, gzip-compressed, its content's first bytes
(workers/maillog_rotation.py) — then every newer rotated file whole, then the new file from 0. If
no rotated name is our file any more (deleted) the unread tail is lost and the run says so
(``lost_rotated_tail``). The log may be on this machine or on another server: it is read through the
server's transport. "Our file" is the inode AND a hash of its first 256 bytes, so a new log that
reuses a freed inode is not mistaken for it. A file shorter than our offset, or with other first
bytes under the same inode, was truncated/rewritten (copytruncate): read again from 0. Lines the
writer adds to the renamed file after we moved on are not seen. Nothing in the reading is postfix-
specific: workers/drivers/host/traffic.py reads the nginx access logs of the virtual hosts with it
(``pending`` stays empty there).

Parsing (:func:`parse_lines`): postfix logs one message over several lines sharing a queue id::

postfix/submission/smtpd[..]: 4F2A9C01B3: client=..., sasl_method=PLAIN, sasl_username=u@example.jp
postfix/pickup[..]: 4F2A9C01B3: uid=1001 from=<www> (local sendmail) postfix/qmgr[..]: 4F2A9C01B3:
from=<sender@example.jp>, size=1234, nrcpt=3 (queue active) postfix/smtp[..]: 4F2A9C01B3:
to=<rcpt@example.com>, relay=..., status=sent (250 ...) postfix/qmgr[..]: 4F2A9C01B3: removed

One event per recipient delivered by the SMTP client (``.../smtp``, or the ``relay`` transport) with
a counted status (``sent`` by default: deferred attempts repeat and would count one message many
times; local, virtual and lmtp deliveries stay on the server and are not "sending"). The sending
ACCOUNT is the SASL user when the message came in authenticated, else the envelope sender; the null
sender (bounces) is nobody's. A delivery whose queue id we never saw arrive (it came in before our
first read) is skipped and counted in ``unmatched``.

Timestamps: ISO 8601 with offset (Debian 12 rsyslog default, ``2026-11-23T20:54:33.123456+09:00``)
is exact. Traditional syslog (``Nov 23 20:54:33``) has no year and no zone: it is the mail host's
local time, taken as JST (the provider's servers run in Japan; Japan has no DST, so a fixed +09:00
is exact) unless the caller passes ``local_tz``; the year is the one that puts the line closest to
``now`` without being more than a day in the future (a December line read in January is last year).
All event timestamps come out in UTC.
"""
from __future__ import annotations

import copy
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from tenants.calendar import JST
from workers.maillog_rotation import find_ours, open_rotated

STATE_VERSION = 1
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # per run; the rest is read next run
COUNTED_STATUSES = frozenset({"sent"})
_DELIVERY = frozenset({"smtp", "relay"})  # the SMTP client, also as the "relay" transport
_SERVICES = _DELIVERY | {"smtpd", "pickup", "qmgr"}
PENDING_MAX_AGE = timedelta(days=6)  # postfix gives up on a message after 5 days by default
HEAD_BYTES = 256  # the first bytes of a log (its first line: a timestamp and a pid) identify it

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_HEAD = re.compile(
    r"^(?:(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*)"
    r"|(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d))"
    r" +\S+ +(?P<prog>[^\s\[:]+)(?:\[\d+\])?: +(?P<msg>.*)$")
# short ids are upper-case hex; long ids (enable_long_queue_ids) use digits and consonants only,
# so words like "warning", "NOQUEUE" or "statistics" never pass for a queue id
_QUEUE = re.compile(r"^(?P<qid>[0-9A-F]{6,}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}): (?P<rest>.*)$")
_SASL = re.compile(r"\bsasl_username=(?P<user>[^,\s]+)")
_UID = re.compile(r"^uid=(?P<uid>\d+) from=<")
_FROM = re.compile(r"^from=<(?P<addr>[^>]*)>, size=\d+, nrcpt=\d+")
_TO = re.compile(r"^to=<(?P<addr>[^>]*)>.*?, status=(?P<status>[a-z]+)")


@dataclass
class MailLogState:
    """Where we are in the log, and the messages in flight. The caller stores ``to_dict()``."""
    inode: int | None = None
    offset: int = 0
    pending: dict[str, dict] = field(default_factory=dict)  # queue id -> {"t", "sasl", "from", "uid"}
    head_len: int = 0   # how many first bytes of the file ``head_sha`` covers
    head_sha: str = ""  # sha256 of them: tells our file from a new one that reused the inode

    def to_dict(self) -> dict:
        return {"version": STATE_VERSION, "inode": self.inode, "offset": self.offset,
                "head_len": self.head_len, "head_sha": self.head_sha,
                "pending": copy.deepcopy(self.pending)}

    @classmethod
    def from_dict(cls, data: dict | None) -> "MailLogState":
        if not data:
            return cls()
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown mail log state version: {data.get('version')!r}")
        inode = data.get("inode")
        return cls(inode=int(inode) if inode is not None else None, offset=int(data.get("offset") or 0),
                   pending=copy.deepcopy(dict(data.get("pending") or {})),
                   head_len=int(data.get("head_len") or 0), head_sha=str(data.get("head_sha") or ""))


@dataclass(frozen=True)
class SendEvent:
    timestamp: datetime  # UTC
    account: str         # SASL user, else envelope sender
    sender: str          # envelope sender (may differ from the account)
    recipient: str
    queue_id: str
    sasl_username: str | None = None
    uid: int | None = None  # local submitter (pickup), when the message came through sendmail


@dataclass
class MailLogRun:
    events: list[SendEvent]
    state: MailLogState
    lines: int = 0
    rotated: bool = False            # we moved from a rotated file to a new one
    lost_rotated_tail: bool = False  # ... and could not finish the old one
    truncated: bool = False          # the file got shorter than our offset: read again from 0
    more: bool = False               # stopped at max_bytes; call again
    unmatched: int = 0               # deliveries of messages that arrived before our first read
    unparsed_timestamps: int = 0


# --- reading ---------------------------------------------------------------------------------
# A log is read through a ``host`` (workers/drivers/transport: this machine or another server over
# SSH): ``host.open_log(path)`` opens it once, and its inode, size, first bytes and reads by offset
# all refer to that one file, even while logrotate renames it.

def _host(host):
    if host is not None:
        return host
    from workers.drivers.transport.local import LOCAL

    return LOCAL


def _complete_lines(log, offset: int, budget: int, whole_budget: bool) -> tuple[list[str], int, bool]:
    """Complete lines from ``offset`` (at most ``budget`` bytes): (lines, new offset, stopped early).
    A single line longer than a whole run's budget is taken as it is (else we would stall on it)."""
    data = log.read(offset, budget + 1)
    more = len(data) > budget
    data = data[:budget]
    end = data.rfind(b"\n") + 1
    if end == 0 and more and whole_budget:
        end = len(data)
    chunk = data[:end]
    lines = [raw.decode("utf-8", errors="replace").rstrip("\r") for raw in chunk.split(b"\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines, offset + end, more


def _is_ours(log, state: MailLogState) -> bool:
    """Same inode AND the same first bytes: an inode freed by a deleted log and reused by a new one
    (or a file truncated and rewritten in place) is not taken for the file we were reading."""
    if getattr(log, "compressed", False):  # gzip made a new file: only the content tells (issue 20)
        return state.head_len > 0 and hashlib.sha256(log.head(state.head_len)).hexdigest() == state.head_sha
    if log.inode != state.inode:
        return False
    if not state.head_len:
        return True
    return hashlib.sha256(log.head(state.head_len)).hexdigest() == state.head_sha


def _start(state: MailLogState, log) -> None:
    state.inode, state.offset = log.inode, 0
    state.head_len, state.head_sha = 0, ""


def _remember_head(log, state: MailLogState) -> None:
    if state.head_len < HEAD_BYTES:
        data = log.head(HEAD_BYTES)
        state.head_len, state.head_sha = len(data), hashlib.sha256(data).hexdigest()


def state_at_end(path: str | os.PathLike, host=None) -> MailLogState:
    """A cursor at the log's end now, its identity remembered as a read would (an empty one when
    the log is not there yet: then it is read from its start)."""
    state = MailLogState()
    opened = _host(host).open_log(os.fspath(path))
    if opened is None:
        return state
    try:
        _start(state, opened)
        state.offset = opened.size
        _remember_head(opened, state)
    finally:
        opened.close()
    return state


def _consume(log, state: MailLogState, budget: int, whole_budget: bool) -> tuple[list[str], int, bool]:
    before = state.offset
    got, state.offset, more = _complete_lines(log, state.offset, budget, whole_budget)
    _remember_head(log, state)
    return got, state.offset - before, more


def _move_to(host, name: str, state: MailLogState) -> bool:
    log = open_rotated(host, name)
    if log is None:
        return False
    try:
        _start(state, log)
        _remember_head(log, state)
    finally:
        log.close()
    return True


def _rotated(path: str, state: MailLogState, host):
    """(our previous log, if a rotated name — plain or gzip — is still it; the next newer rotated
    name): workers/maillog_rotation.py."""
    return find_ours(path, _is_ours, state, host)


def read_new_lines(path: str | os.PathLike, state: MailLogState, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   host=None) -> tuple[list[str], MailLogState, MailLogRun]:
    """The complete lines added since ``state``; returns them, the state to store next, and what
    happened (rotation, truncation, more to read). ``state`` itself is not changed."""
    path, host = os.fspath(path), _host(host)
    new = copy.deepcopy(state)
    run = MailLogRun(events=[], state=new)
    lines: list[str] = []
    used = 0
    current = host.open_log(path)
    try:
        if new.inode is not None and not (current and _is_ours(current, new)):
            # renamed away (and perhaps compressed, its inode then free for the new log): finish it
            # through its rotated name if that is still it
            old, newer = _rotated(path, new, host)
            if old is None and current and current.inode == new.inode:
                run.truncated = True  # same inode, other content: rewritten in place or inode reused
                _start(new, current)
            else:
                try:
                    if old and old.size >= new.offset:
                        got, used, more = _consume(old, new, max_bytes, True)
                        lines += got
                        if more or current is None:
                            run.more = more
                            return lines, new, run
                        if newer is not None and _move_to(host, newer, new):
                            run.more = True  # rotated more than once: the next file, whole, next pass
                            return lines, new, run
                    else:
                        run.lost_rotated_tail = True
                finally:
                    if old:
                        old.close()
                if current is None:
                    return lines, new, run
                run.rotated = True
                _start(new, current)
        if current is None:
            return lines, new, run
        if new.inode is None:
            _start(new, current)
        if current.size < new.offset:
            run.truncated = True
            _start(new, current)
        budget = max_bytes - used
        if budget <= 0:
            run.more = True
            return lines, new, run
        got, _, run.more = _consume(current, new, budget, budget == max_bytes)
        lines += got
        return lines, new, run
    finally:
        if current:
            current.close()


# --- timestamps ------------------------------------------------------------------------------

def parse_syslog_time(mon: str, day: int, hms: str, *, now: datetime, local_tz: tzinfo = JST) -> datetime:
    """A year-less syslog time, in ``local_tz``, placed in the year nearest before ``now`` + 1 day."""
    month = _MONTHS[mon]
    h, m, s = (int(x) for x in hms.split(":"))
    now_local = now.astimezone(local_tz)
    limit = now_local + timedelta(days=1)
    for year in range(now_local.year + 1, now_local.year - 8, -1):
        try:
            candidate = datetime(year, month, day, h, m, s, tzinfo=local_tz)
        except ValueError:  # 29 Feb outside a leap year
            continue
        if candidate <= limit:
            return candidate.astimezone(timezone.utc)
    raise ValueError(f"no year fits {mon} {day} {hms}")


def parse_line_time(line: str, *, now: datetime, local_tz: tzinfo = JST) -> datetime | None:
    """The UTC time of a log line in ISO 8601 or traditional syslog form; None if it has neither."""
    head = _HEAD.match(line)
    return _time_of(head, now=now, local_tz=local_tz) if head else None


def _time_of(head: re.Match, *, now: datetime, local_tz: tzinfo) -> datetime | None:
    try:
        if head["iso"]:
            ts = datetime.fromisoformat(head["iso"])
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=local_tz)
            return ts.astimezone(timezone.utc)
        return parse_syslog_time(head["mon"], int(head["day"]), head["hms"], now=now, local_tz=local_tz)
    except (ValueError, KeyError):
        return None


# --- parsing ---------------------------------------------------------------------------------

def parse_lines(lines: list[str], pending: dict[str, dict], *, now: datetime | None = None,
                local_tz: tzinfo = JST, statuses: frozenset[str] = COUNTED_STATUSES,
                run: MailLogRun | None = None) -> list[SendEvent]:
    """Send events in ``lines``; ``pending`` (the state's queue ids in flight) is updated in place."""
    now = now or datetime.now(timezone.utc)
    events: list[SendEvent] = []
    newest: datetime | None = None
    for line in lines:
        head = _HEAD.match(line)
        if not head:
            continue
        prog = head["prog"]
        service = prog.rsplit("/", 1)[-1]
        if not prog.startswith("postfix") or service not in _SERVICES:
            continue
        queued = _QUEUE.match(head["msg"])
        if not queued:
            continue
        qid, rest = queued["qid"], queued["rest"]
        ts = _time_of(head, now=now, local_tz=local_tz)
        if ts is None:
            if run is not None:
                run.unparsed_timestamps += 1
            continue
        newest = ts if newest is None or ts > newest else newest
        if service == "qmgr" and rest == "removed":
            pending.pop(qid, None)
            continue
        entry = pending.get(qid)
        if service in _DELIVERY:
            to = _TO.match(rest)
            if not to or to["status"] not in statuses:
                continue
            if entry is None or entry.get("from") is None:
                if run is not None:
                    run.unmatched += 1
                continue
            account = entry.get("sasl") or entry["from"]
            if account:
                events.append(SendEvent(timestamp=ts, account=account.lower(), sender=entry["from"],
                                        recipient=to["addr"], queue_id=qid,
                                        sasl_username=entry.get("sasl"), uid=entry.get("uid")))
            continue
        if service == "smtpd":
            sasl = _SASL.search(rest)
            if not sasl:
                continue
            found = {"sasl": sasl["user"]}
        elif service == "pickup":
            uid = _UID.match(rest)
            if not uid:
                continue
            found = {"uid": int(uid["uid"])}
        else:  # qmgr
            sender = _FROM.match(rest)
            if not sender:
                continue
            found = {"from": sender["addr"]}
        entry = pending.setdefault(qid, {"t": ts.timestamp()})
        entry.update(found)
    if newest is not None:
        cutoff = (newest - PENDING_MAX_AGE).timestamp()
        for qid in [q for q, e in pending.items() if e.get("t", cutoff) < cutoff]:
            del pending[qid]
    return events


def read_events(path: str | os.PathLike, state: MailLogState, *, now: datetime | None = None,
                local_tz: tzinfo = JST, statuses: frozenset[str] = COUNTED_STATUSES,
                max_bytes: int = DEFAULT_MAX_BYTES, host=None) -> MailLogRun:
    """Read what is new in the log and turn it into send events. Store ``result.state.to_dict()``
    only once the events are safely used: running again with the old state repeats the same work."""
    lines, new_state, run = read_new_lines(path, state, max_bytes=max_bytes, host=host)
    run.lines = len(lines)
    run.events = parse_lines(lines, new_state.pending, now=now, local_tz=local_tz, statuses=statuses, run=run)
    return run
