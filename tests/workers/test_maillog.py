"""Reading generated postfix logs (real postfix line formats) incrementally, through rotation, and
finding the account that sends mass mail (OEM spec 障害レベル1)."""
from __future__ import annotations

import itertools
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tenants.mail_abuse.counting import SendCounter
from workers import maillog
from workers.maillog import JST, MailLogState

START = datetime(2026, 11, 23, 20, 0, tzinfo=JST)
NOW = START + timedelta(hours=3)
_ids = itertools.count(0x4F2A9C0000)
_pids = itertools.count(2300)


def stamp(ts: datetime, style: str) -> str:
    if style == "iso":
        return ts.astimezone(JST).isoformat(timespec="microseconds")
    local = ts.astimezone(JST)
    return f"{local:%b} {local.day:>2} {local:%H:%M:%S}"


def message(ts: datetime, recipients: list[str], *, sender: str, sasl: str | None = None,
            style: str = "iso", local: bool = False, status: str = "sent", uid: int = 1001) -> list[str]:
    """The lines postfix writes for one message: submission (SASL) or pickup, cleanup, qmgr,
    one delivery line per recipient, removed."""
    qid = f"{next(_ids):X}"
    host = "mail01"

    def line(offset_s: float, prog: str, text: str) -> str:
        return f"{stamp(ts + timedelta(seconds=offset_s), style)} {host} {prog}[{next(_pids)}]: {text}"

    out = []
    if sasl:
        out.append(line(0, "postfix/submission/smtpd", "connect from unknown[192.0.2.44]"))
        out.append(line(0, "postfix/submission/smtpd",
                        f"{qid}: client=unknown[192.0.2.44], sasl_method=PLAIN, sasl_username={sasl}"))
    else:
        out.append(line(0, "postfix/pickup", f"{qid}: uid={uid} from=<{sender}>"))
    out.append(line(0, "postfix/cleanup", f"{qid}: message-id=<{qid}.1@{host}.example.jp>"))
    out.append(line(0, "postfix/qmgr", f"{qid}: from=<{sender}>, size=2841, nrcpt={len(recipients)} (queue active)"))
    for rcpt in recipients:
        if local:
            out.append(line(1, "postfix/local", f"{qid}: to=<{rcpt}>, relay=local, delay=0.1, "
                                                f"delays=0.05/0.01/0/0.04, dsn=2.0.0, status=sent (delivered to mailbox)"))
        else:
            out.append(line(1, "postfix/smtp", f"{qid}: to=<{rcpt}>, relay=mx.example.com[198.51.100.7]:25, "
                                               f"delay=0.52, delays=0.05/0.01/0.2/0.26, dsn=2.0.0, "
                                               f"status={status} (250 2.0.0 Ok: queued as 4XyZ)"))
    if sasl:
        out.append(line(1, "postfix/submission/smtpd", "disconnect from unknown[192.0.2.44] ehlo=2 auth=1 quit=1 commands=6"))
    out.append(line(2, "postfix/qmgr", f"{qid}: removed"))
    return out


def scenario(style: str = "iso") -> tuple[list[str], dict[str, int]]:
    """One spammer (150 recipients in 30 min), three ordinary accounts, local deliveries, bounces and
    noise; returns the lines in time order and how many counted deliveries each account made."""
    msgs: list[tuple[datetime, list[str]]] = []
    for i in range(30):  # spammer: 30 messages x 5 recipients, one a minute
        rcpts = [f"target{i * 5 + k}@victims.example" for k in range(5)]
        msgs.append((START + timedelta(minutes=i), message(START + timedelta(minutes=i), rcpts, style=style,
                                                           sender="news@spam-shop.example.jp",
                                                           sasl="spammer@shop.example.jp")))
    for n, acct in enumerate(["alice@example.jp", "bob@example.jp", "carol@example.jp"]):
        for i in range(20):
            ts = START + timedelta(minutes=2 * i, seconds=17 + n)
            msgs.append((ts, message(ts, [f"friend{i}@example.org"], sender=acct, sasl=acct, style=style)))
    for i in range(200):  # inbound mail delivered locally: not sending
        ts = START + timedelta(seconds=9 * i + 5)
        msgs.append((ts, message(ts, ["alice@example.jp"], sender=f"x{i}@elsewhere.example", style=style, local=True)))
    for i in range(5):  # web script via sendmail, no SASL: the envelope sender is the account
        ts = START + timedelta(minutes=10 * i, seconds=3)
        msgs.append((ts, message(ts, [f"customer{i}@example.net"], sender="shop@dave.example.jp", style=style)))
    for i in range(3):  # deferred attempts do not count; bounces (null sender) are nobody's
        ts = START + timedelta(minutes=7 * i, seconds=11)
        msgs.append((ts, message(ts, ["slow@example.net"], sender="erin@example.jp", sasl="erin@example.jp",
                                 style=style, status="deferred")))
        msgs.append((ts, message(ts, ["alice@example.jp"], sender="", style=style)))
    msgs.sort(key=lambda m: m[0])
    noise = [f"{stamp(START, style)} mail01 postfix/anvil[99]: statistics: max connection rate 1/60s",
             f"{stamp(START, style)} mail01 postfix/smtpd[98]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: "
             f"554 5.7.1 <a@b.example>: Relay access denied; from=<s@t.example> to=<a@b.example>",
             f"{stamp(START, style)} mail01 dovecot: imap-login: Login: user=<alice@example.jp>"]
    lines = noise + [ln for _, group in msgs for ln in group]
    expected = {"spammer@shop.example.jp": 150, "alice@example.jp": 20, "bob@example.jp": 20,
                "carol@example.jp": 20, "shop@dave.example.jp": 5}
    return lines, expected


def write(path: Path, lines: list[str], mode: str = "a") -> None:
    with open(path, mode, encoding="utf-8") as fh:
        fh.writelines(ln + "\n" for ln in lines)


def run(path: Path, state_dict: dict | None, **kw) -> tuple[maillog.MailLogRun, dict]:
    """One job run: state comes from and goes back to JSON, as a job would keep it."""
    result = maillog.read_events(path, MailLogState.from_dict(state_dict), now=NOW, **kw)
    return result, json.loads(json.dumps(result.state.to_dict()))


def per_account(events) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in events:
        counts[e.account] = counts.get(e.account, 0) + 1
    return counts


@pytest.mark.parametrize("style", ["iso", "syslog"])
def test_only_the_mass_sender_is_flagged_with_evidence(tmp_path, style):
    lines, expected = scenario(style)
    log = tmp_path / "mail.log"
    write(log, lines)
    result, _ = run(log, None)
    assert per_account(result.events) == expected
    assert result.unmatched == 0 and result.unparsed_timestamps == 0
    counter = SendCounter()
    counter.add_many((e.timestamp, e.account, e.recipient) for e in result.events)
    [evidence] = counter.over_threshold(100)
    assert evidence.sender == "spammer@shop.example.jp"
    assert evidence.count == 150
    assert evidence.window_start == (START + timedelta(seconds=1)).astimezone(timezone.utc)
    assert evidence.window_end == (START + timedelta(minutes=29, seconds=1)).astimezone(timezone.utc)
    assert evidence.sample_recipients == tuple(f"target{k}@victims.example" for k in range(10))
    assert counter.over_threshold(150) == []  # at the threshold: not flagged


def test_account_is_the_sasl_user_not_the_envelope_sender(tmp_path):
    log = tmp_path / "mail.log"
    write(log, message(START, ["a@example.org"], sender="ceo@forged.example", sasl="Mallory@Example.jp")
          + message(START, ["b@example.org"], sender="info@dave.example.jp"))
    events = run(log, None)[0].events
    assert [(e.account, e.sender, e.sasl_username, e.uid) for e in events] == [
        ("mallory@example.jp", "ceo@forged.example", "Mallory@Example.jp", None),
        ("info@dave.example.jp", "info@dave.example.jp", None, 1001)]
    assert events[0].timestamp == datetime(2026, 11, 23, 11, 0, 1, tzinfo=timezone.utc)


def keys(events):
    return [(e.queue_id, e.recipient) for e in events]


def test_two_runs_count_each_line_once(tmp_path):
    lines, expected = scenario()
    log = tmp_path / "mail.log"
    half = len(lines) // 2
    write(log, lines[:half])
    first, state = run(log, None)
    write(log, lines[half:])
    second, state = run(log, state)
    third, _ = run(log, state)
    both = first.events + second.events
    assert len(set(keys(both))) == len(both)
    assert per_account(both) == expected
    assert third.events == [] and third.lines == 0


def test_message_split_across_runs_keeps_its_sender(tmp_path):
    lines = message(START, ["a@example.org", "b@example.org"], sender="s@example.jp", sasl="u@example.jp")
    split = next(i for i, ln in enumerate(lines) if "postfix/smtp[" in ln)
    log = tmp_path / "mail.log"
    write(log, lines[:split])
    first, state = run(log, None)
    assert first.events == [] and len(state["pending"]) == 1
    write(log, lines[split:])
    second, state = run(log, state)
    assert [(e.account, e.recipient) for e in second.events] == [("u@example.jp", "a@example.org"),
                                                                 ("u@example.jp", "b@example.org")]
    assert state["pending"] == {}  # "removed" ends it


def test_rotation_between_runs_loses_nothing_and_counts_nothing_twice(tmp_path):
    lines, expected = scenario()
    a, b, c = lines[:400], lines[400:700], lines[700:]
    log = tmp_path / "mail.log"
    write(log, a)
    first, state = run(log, None)
    write(log, b)  # written after our run, before rotation
    os.rename(log, tmp_path / "mail.log.1")
    write(log, c, mode="w")
    second, state = run(log, state)
    assert second.rotated and not second.lost_rotated_tail
    both = first.events + second.events
    assert len(set(keys(both))) == len(both)
    assert per_account(both) == expected
    assert run(log, state)[0].events == []


def test_rotated_but_new_log_not_there_yet(tmp_path):
    lines, expected = scenario()
    log = tmp_path / "mail.log"
    write(log, lines[:300])
    first, state = run(log, None)
    write(log, lines[300:500])
    os.rename(log, tmp_path / "mail.log.1")
    second, state = run(log, state)  # finishes mail.log.1, stays on it
    write(log, lines[500:], mode="w")
    third, state = run(log, state)
    assert third.rotated
    every = first.events + second.events + third.events
    assert len(set(keys(every))) == len(every) and per_account(every) == expected


def test_rotated_twice_reads_every_file_in_order(tmp_path):
    """issue 20: our file is found at ``.2``, then ``.1`` is read whole, then the new log."""
    log = tmp_path / "mail.log"
    write(log, message(START, ["a@example.org"], sender="s@example.jp"))
    _, state = run(log, None)
    os.rename(log, tmp_path / "mail.log.1")                      # first rotation
    write(log, message(START, ["between@example.org"], sender="s@example.jp"), mode="w")
    os.rename(tmp_path / "mail.log.1", tmp_path / "mail.log.2")  # second rotation, no run between
    os.rename(log, tmp_path / "mail.log.1")
    write(log, message(START, ["b@example.org"], sender="s@example.jp"), mode="w")
    events, rotated, lost = [], False, False
    for _ in range(5):
        result, state = run(log, state)
        events += result.events
        rotated, lost = rotated or result.rotated, lost or result.lost_rotated_tail
        if not result.more:
            break
    assert rotated and not lost
    assert [e.recipient for e in events] == ["between@example.org", "b@example.org"]


def test_rotated_log_deleted_reports_the_lost_tail_and_reads_the_new_file(tmp_path):
    log = tmp_path / "mail.log"
    write(log, message(START, ["a@example.org"], sender="s@example.jp"))
    _, state = run(log, None)
    os.rename(log, tmp_path / "mail.log.1")
    write(log, message(START, ["b@example.org"], sender="s@example.jp"), mode="w")
    os.unlink(tmp_path / "mail.log.1")
    result, _ = run(log, state)
    assert result.lost_rotated_tail and result.rotated
    assert [e.recipient for e in result.events] == ["b@example.org"]


def test_file_rewritten_in_place_with_the_same_size_is_read_from_zero(tmp_path):
    """Same inode, at least as long as our offset, other content (copytruncate then more lines, or
    a deleted log's inode reused): the first bytes tell it is not our file any more."""
    log = tmp_path / "mail.log"
    write(log, message(START, ["a@example.org"], sender="s@example.jp"))
    _, state = run(log, None)
    ino = log.stat().st_ino
    write(log, message(START + timedelta(seconds=1), ["b@example.org"], sender="s@example.jp")
          + message(START + timedelta(seconds=2), ["c@example.org"], sender="s@example.jp"), mode="w")
    assert log.stat().st_ino == ino and log.stat().st_size >= state["offset"]
    result, state = run(log, state)
    assert result.truncated and [e.recipient for e in result.events] == ["b@example.org", "c@example.org"]
    assert run(log, state)[0].events == []


def test_truncated_log_restarts_at_zero(tmp_path):
    log = tmp_path / "mail.log"
    write(log, message(START, [f"r{i}@example.org" for i in range(20)], sender="s@example.jp"))
    _, state = run(log, None)
    write(log, message(START, ["new@example.org"], sender="t@example.jp"), mode="w")  # copytruncate
    result, _ = run(log, state)
    assert result.truncated and [e.recipient for e in result.events] == ["new@example.org"]


def test_partial_last_line_is_read_next_time(tmp_path):
    lines = message(START, ["a@example.org", "b@example.org"], sender="s@example.jp")
    last_to = max(i for i, ln in enumerate(lines) if "postfix/smtp[" in ln)
    log = tmp_path / "mail.log"
    write(log, lines[:last_to])
    cut = len(lines[last_to]) // 2
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(lines[last_to][:cut])  # the writer is mid-line
    first, state = run(log, None)
    assert [e.recipient for e in first.events] == ["a@example.org"]
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(lines[last_to][cut:] + "\n")
    second, state = run(log, state)
    assert [e.recipient for e in second.events] == ["b@example.org"]
    assert state["offset"] == log.stat().st_size


def test_small_budget_reads_in_several_runs_each_line_once(tmp_path):
    """A budget far below the log size, with a rotation in the middle of the backlog."""
    lines, expected = scenario()
    log = tmp_path / "mail.log"
    write(log, lines[:500])
    events, state, runs = [], None, 0
    for _ in range(3):
        result, state = run(log, state, max_bytes=4096)
        assert result.more
        events += result.events
        runs += 1
    os.rename(log, tmp_path / "mail.log.1")
    write(log, lines[500:], mode="w")
    while True:
        result, state = run(log, state, max_bytes=4096)
        events += result.events
        runs += 1
        if not result.more:
            break
    assert runs > 10 and not result.lost_rotated_tail
    assert len(set(keys(events))) == len(events) and per_account(events) == expected


@pytest.mark.parametrize("line,now,expected", [
    ("2026-11-23T20:54:33.123456+09:00 mail01 postfix/qmgr[1]: x", NOW,
     datetime(2026, 11, 23, 11, 54, 33, 123456, tzinfo=timezone.utc)),
    ("2026-11-23T11:54:33+00:00 mail01 postfix/qmgr[1]: x", NOW, datetime(2026, 11, 23, 11, 54, 33, tzinfo=timezone.utc)),
    ("Nov 23 20:54:33 mail01 postfix/qmgr[1]: x", NOW, datetime(2026, 11, 23, 11, 54, 33, tzinfo=timezone.utc)),
    ("Nov  3 08:00:00 mail01 postfix/qmgr[1]: x", NOW, datetime(2026, 11, 2, 23, 0, tzinfo=timezone.utc)),
    # a December line read on 1 January belongs to last year
    ("Dec 31 23:59:59 mail01 postfix/qmgr[1]: x", datetime(2027, 1, 1, 0, 5, tzinfo=JST),
     datetime(2026, 12, 31, 14, 59, 59, tzinfo=timezone.utc)),
    # a line a few hours "ahead" (clock skew) stays in this year
    ("Jan  1 09:00:00 mail01 postfix/qmgr[1]: x", datetime(2027, 1, 1, 0, 5, tzinfo=JST),
     datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc)),
    # 29 February: the latest leap year
    ("Feb 29 12:00:00 mail01 postfix/qmgr[1]: x", datetime(2027, 3, 1, tzinfo=JST),
     datetime(2024, 2, 29, 3, 0, tzinfo=timezone.utc)),
    ("garbage", NOW, None),
])
def test_line_timestamps(line, now, expected):
    assert maillog.parse_line_time(line, now=now) == expected


def test_syslog_time_in_another_zone():
    utc_host = maillog.parse_line_time("Nov 23 20:54:33 mail01 postfix/qmgr[1]: x", now=NOW, local_tz=timezone.utc)
    assert utc_host == datetime(2026, 11, 23, 20, 54, 33, tzinfo=timezone.utc)


def test_state_round_trip_and_version():
    state = MailLogState(inode=42, offset=1234, pending={"4F2A9C01B3": {"t": 1.0, "from": "a@b"}})
    again = MailLogState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    assert MailLogState.from_dict(None) == MailLogState()
    with pytest.raises(ValueError):
        MailLogState.from_dict({"version": 7})


def test_old_pending_queue_ids_are_pruned():
    pending: dict[str, dict] = {}
    old = message(START, ["a@example.org"], sender="s@example.jp")
    qmgr_only = [ln for ln in old if "postfix/qmgr" in ln and "from=<" in ln]
    maillog.parse_lines(qmgr_only, pending, now=NOW)
    assert len(pending) == 1
    later = message(START + timedelta(days=7), ["b@example.org"], sender="s@example.jp")
    maillog.parse_lines(later[:3], pending, now=NOW + timedelta(days=7))
    assert len(pending) == 1 and not any(qid in ln for qid in pending for ln in qmgr_only)
