"""The access-log traffic reader on the file written like nginx writes it (TRAFFIC_FIELDS lines,
every site's in one log): counts per listed domain, lines of sites not listed left out, foreign
lines skipped, a log rotated twice between runs read whole, a rotated log that is gone reported."""
from __future__ import annotations

import os

from workers.drivers.host.nginx import traffic_log
from workers.drivers.host.traffic import read_traffic


def line(bytes_in: int, bytes_out: int, status: int = 200, site: str = "a.example.jp") -> str:
    return f"{site} 1795000000.123 {status} {bytes_in} {bytes_out}\n"


def write(path, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fh.writelines(lines)


def test_counts_per_domain_and_foreign_lines(tmp_path):
    log = traffic_log(tmp_path)
    write(log, '127.0.0.1 - - [23/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl"\n',
          "1795000000.1 200 7 8\n",  # the old per-site format: skipped
          line(100, 2000), line(50, 300, 404), line(9, 9, site="gone.example.jp"))
    first = read_traffic(tmp_path, ["a.example.jp", "b.example.jp"], {})
    assert (first.traffic["a.example.jp"].bytes_in, first.traffic["a.example.jp"].bytes_out) == (150, 2300)
    assert "b.example.jp" not in first.traffic and "gone.example.jp" not in first.traffic
    assert first.skipped_lines == 2
    write(log, line(10, 20), line(1, 2, site="b.example.jp"), "b.example.jp 1795000000.5 200 12")
    second = read_traffic(tmp_path, ["a.example.jp", "b.example.jp"], first.states)
    assert second.traffic["a.example.jp"].requests == 1 and second.traffic["a.example.jp"].bytes_out == 20
    assert second.traffic["b.example.jp"].bytes_in == 1  # a half-written last line waits for the next run
    write(log, "3 4\n")
    third = read_traffic(tmp_path, ["b.example.jp"], second.states)  # a.example.jp's site is gone
    assert (third.traffic["b.example.jp"].bytes_in, third.traffic["b.example.jp"].bytes_out) == (123, 4)
    assert list(third.traffic) == ["b.example.jp"]


def test_a_log_rotated_twice_between_runs_loses_nothing(tmp_path):
    """issue 20: the reader finds its file at ``.2`` and reads ``.1`` whole before the new log."""
    log = traffic_log(tmp_path)
    write(log, line(1, 1))
    first = read_traffic(tmp_path, ["a.example.jp"], {})
    write(log, line(7, 7))
    os.rename(log, f"{log}.1")
    write(log, line(3, 30))
    os.rename(f"{log}.1", f"{log}.2")
    os.rename(log, f"{log}.1")
    write(log, line(5, 500))
    second = read_traffic(tmp_path, ["a.example.jp"], first.states)
    assert second.lost_rotated_tail == []
    assert second.traffic["a.example.jp"].bytes_out == 537


def test_a_rotated_log_that_is_gone_is_reported(tmp_path):
    log = traffic_log(tmp_path)
    write(log, line(1, 1))
    first = read_traffic(tmp_path, ["a.example.jp"], {})
    write(log, line(7, 7))
    os.rename(log, f"{log}.1")
    write(log, line(5, 500))
    os.unlink(f"{log}.1")
    second = read_traffic(tmp_path, ["a.example.jp"], first.states)
    assert second.lost_rotated_tail == ["traffic.log"]
    assert second.traffic["a.example.jp"].bytes_out == 500
