"""maillog (issue 20): lines per second the mass-mail reader parses and counts on a 1,000,000-line
postfix log, against Debian's ``pflogsumm`` (1.1.5, Perl) summarising the same file.

The log is generated once (not timed) with the line formats of tests/workers/test_maillog.py in
traditional syslog form (what pflogsumm reads): authenticated submissions, web scripts through
sendmail (pickup, ``uid=``), local deliveries, deferred attempts, bounces and noise, over one day.
One round of ours: workers.maillog.read_events from a fresh cursor (looping over its 64 MB
budget, as the job does), every send event into the SendCounter, and the over-threshold check for
every account. One round of the anchor: ``pflogsumm <file>`` to /dev/null. Rounds alternate (ours,
pflogsumm, ours, …); the median round of each is reported, with every round and the 1-minute load
average before the first and after each pair.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.fleet import load_average, median

LINES = 1_000_000
ROUNDS = 5
THRESHOLD = 500


def generate(path: Path, lines: int) -> dict:
    """Write a postfix log of about ``lines`` lines; returns what it holds."""
    from tests.workers.test_maillog import START, message, stamp

    written = counted = n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < lines:
            ts = START + timedelta(seconds=n * 86400 * 6 / lines)
            kind = n % 10
            if kind < 5:  # authenticated submission, 1-3 recipients
                rcpts = [f"r{n}-{k}@example.net" for k in range(1 + n % 3)]
                group = message(ts, rcpts, sender=f"user{n % 400}@example.jp", sasl=f"user{n % 400}@example.jp",
                                style="syslog")
                counted += len(rcpts)
            elif kind < 7:  # a web script through sendmail
                group = message(ts, [f"c{n}@example.org"], sender=f"shop@site{n % 50}.example.jp", uid=1000 + n % 50,
                                style="syslog")
                counted += 1
            elif kind < 9:  # inbound, delivered locally: not sending
                group = message(ts, [f"user{n % 400}@example.jp"], sender=f"x{n}@elsewhere.example", style="syslog",
                                local=True)
            else:  # a deferred attempt and noise
                group = message(ts, ["slow@example.net"], sender="erin@example.jp", sasl="erin@example.jp",
                                style="syslog", status="deferred")
                group.append(f"{stamp(ts, 'syslog')} mail01 postfix/anvil[99]: statistics: max connection rate 1/60s")
            fh.writelines(line + "\n" for line in group)
            written += len(group)
            n += 1
    return {"lines": written, "counted_deliveries": counted, "end": START + timedelta(days=6, hours=1)}


def ours(path: Path, now) -> tuple[float, int]:
    from tenants.mail_abuse.counting import SendCounter
    from workers.maillog import MailLogState, read_events

    t0 = time.perf_counter()
    state, counter, events, lines = MailLogState(), SendCounter(), 0, 0
    while True:
        run = read_events(path, state, now=now)
        counter.add_many((e.timestamp, e.account, e.recipient) for e in run.events)
        state, events, lines = run.state, events + len(run.events), lines + run.lines
        if not run.more:
            break
    counter.over_threshold(THRESHOLD)
    return time.perf_counter() - t0, events


def pflogsumm(path: Path, binary: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run([binary, str(path)], capture_output=True, text=True, timeout=3600, check=True)
    return time.perf_counter() - t0, done.stdout


def run(lines: int = LINES, rounds: int = ROUNDS) -> list[dict]:
    binary = shutil.which("pflogsumm") or "/usr/sbin/pflogsumm"
    if not os.path.exists(binary):
        raise RuntimeError("pflogsumm (Debian package pflogsumm) is not installed")
    folder = Path(tempfile.mkdtemp(prefix="bench-maillog-"))
    try:
        log = folder / "mail.log"
        made = generate(log, lines)
        load = [load_average()]
        ours_s: list[float] = []
        anchor_s: list[float] = []
        events = 0
        summary = ""
        for _ in range(rounds):
            elapsed, events = ours(log, made["end"])
            ours_s.append(elapsed)
            elapsed, summary = pflogsumm(log, binary)
            anchor_s.append(elapsed)
            load.append(load_average())
        if events != made["counted_deliveries"]:
            raise RuntimeError(f"counted {events} deliveries, the log holds {made['counted_deliveries']}")
        delivered = re.search(r"^\s*(\d+)\s+delivered\s*$", summary, re.M)
        ours_lps, anchor_lps = made["lines"] / median(ours_s), made["lines"] / median(anchor_s)
        return [{
            "name": "maillog", "unit": f"lines/s ({made['lines']:,}-line postfix log, parsed and counted, median)",
            "ours": round(ours_lps), "anchor": "pflogsumm 1.1.5 (Debian) summarising the same file",
            "anchor_value": round(anchor_lps), "ratio": round(ours_lps / anchor_lps, 3),
            "target": "at least pflogsumm's lines/s", "met": ours_lps >= anchor_lps,
            "lines": made["lines"], "bytes": log.stat().st_size, "counted_deliveries": events,
            "pflogsumm_delivered": int(delivered[1]) if delivered else None,
            "ours_rounds_s": [round(v, 3) for v in ours_s], "anchor_rounds_s": [round(v, 3) for v in anchor_s],
            "ours_median_s": round(median(ours_s), 3), "anchor_median_s": round(median(anchor_s), 3),
            "rounds": rounds, "order": "alternating: ours, pflogsumm, ours, …",
            "load_average_1m": load, "cores": os.cpu_count(),
            "ours_does": "workers.maillog.read_events (fresh cursor, 64 MB per pass) + SendCounter + over_threshold",
        }]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
