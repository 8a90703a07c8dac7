"""Network traffic per virtual host (OEM spec "サーバ利用状況": network traffic per customer), read
from the access log every virtual host writes to (nginx.traffic_log, one line per request in
nginx.TRAFFIC_FIELDS: ``<site> <msec> <status> <request_length> <bytes_sent>``).

Reading is incremental and survives logrotate through workers.maillog.read_new_lines: the caller
keeps the log's position (``TrafficRun.states``, JSON-ready, under the log's name) between runs; a
run returns the bytes received and sent per listed domain since the previous one. Lines of sites
not listed (a site removed since) are left out; lines that are not in the format (a log written
before the format existed) are skipped and counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from workers.drivers.host.nginx import TRAFFIC_LOG, traffic_log
from workers.maillog import MailLogState, read_new_lines

MAX_PASSES = 64  # per run: read_new_lines stops at its byte budget; the rest waits for the next run


@dataclass
class Traffic:
    bytes_in: int = 0   # request lengths: what clients sent us
    bytes_out: int = 0  # bytes sent: what we answered
    requests: int = 0


@dataclass
class TrafficRun:
    traffic: dict[str, Traffic] = field(default_factory=dict)
    states: dict[str, dict] = field(default_factory=dict)  # log name -> MailLogState.to_dict()
    skipped_lines: int = 0
    lost_rotated_tail: list[str] = field(default_factory=list)  # logs whose rotated part was gone


def parse_line(line: str) -> tuple[str, int, int] | None:
    """(site, bytes in, bytes out) of one log line; None when it is not in the traffic format."""
    parts = line.split()
    if len(parts) != 5 or not (parts[3].isdigit() and parts[4].isdigit()):
        return None
    return parts[0].lower(), int(parts[3]), int(parts[4])


def read_traffic(config_dir: Path | str, domains: Iterable[str], states: dict[str, dict] | None,
                 host=None) -> TrafficRun:
    """Bytes in and out of each listed domain's virtual host since ``states``, from the log on the
    server ``host`` reaches (None: this machine); ``states`` itself is not changed."""
    run = TrafficRun()
    wanted = set(domains)
    state = MailLogState.from_dict((states or {}).get(TRAFFIC_LOG))
    for _ in range(MAX_PASSES):
        lines, state, result = read_new_lines(traffic_log(config_dir), state, host=host)
        for line in lines:
            parsed = parse_line(line)
            if parsed is None:
                run.skipped_lines += 1
            elif parsed[0] in wanted:
                total = run.traffic.setdefault(parsed[0], Traffic())
                total.bytes_in += parsed[1]
                total.bytes_out += parsed[2]
                total.requests += 1
        if result.lost_rotated_tail and TRAFFIC_LOG not in run.lost_rotated_tail:
            run.lost_rotated_tail.append(TRAFFIC_LOG)
        if not result.more:
            break
    run.states[TRAFFIC_LOG] = state.to_dict()
    return run
