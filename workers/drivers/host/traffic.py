"""Network traffic per virtual host (OEM spec "サーバ利用状況": network traffic per customer), read
from the access logs the nginx renderer gives every virtual host (nginx.traffic_log, one line per
request in nginx.TRAFFIC_FIELDS: ``<msec> <status> <request_length> <bytes_sent>``).

Reading is incremental and survives logrotate through workers.maillog.read_new_lines: the caller
keeps one position per domain (``TrafficRun.states``, JSON-ready) between runs; a run returns the
bytes received and sent per domain since the previous one. Lines that are not in the format (a log
written before the format existed) are skipped and counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from workers.drivers.host.nginx import traffic_log
from workers.maillog import MailLogState, read_new_lines

MAX_PASSES = 16  # per log and run: read_new_lines stops at its byte budget; the rest waits for the next run


@dataclass
class Traffic:
    bytes_in: int = 0   # request lengths: what clients sent us
    bytes_out: int = 0  # bytes sent: what we answered
    requests: int = 0


@dataclass
class TrafficRun:
    traffic: dict[str, Traffic] = field(default_factory=dict)
    states: dict[str, dict] = field(default_factory=dict)  # domain -> MailLogState.to_dict()
    skipped_lines: int = 0
    lost_rotated_tail: list[str] = field(default_factory=list)  # domains whose rotated log was gone


def add_line(total: Traffic, line: str) -> bool:
    """Add one log line to ``total``; False when it is not in the traffic format."""
    parts = line.split()
    if len(parts) != 4 or not (parts[2].isdigit() and parts[3].isdigit()):
        return False
    total.bytes_in += int(parts[2])
    total.bytes_out += int(parts[3])
    total.requests += 1
    return True


def read_traffic(config_dir: Path | str, domains: Iterable[str], states: dict[str, dict] | None,
                 host=None) -> TrafficRun:
    """Bytes in and out of each domain's virtual host since ``states``, from the logs on the server
    ``host`` reaches (None: this machine). Positions of domains no longer listed are dropped (their
    site is gone); ``states`` itself is not changed."""
    run = TrafficRun()
    for domain in sorted(set(domains)):
        state = MailLogState.from_dict((states or {}).get(domain))
        total = Traffic()
        for _ in range(MAX_PASSES):
            lines, state, result = read_new_lines(traffic_log(Path(config_dir), domain), state, host=host)
            run.skipped_lines += sum(1 for line in lines if not add_line(total, line))
            if result.lost_rotated_tail:
                run.lost_rotated_tail.append(domain)
            if not result.more:
                break
        run.states[domain] = state.to_dict()
        if total.requests:
            run.traffic[domain] = total
    return run
