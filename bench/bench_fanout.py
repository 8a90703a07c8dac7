"""fanout (issue 15): one change that touches 20 servers, its wall time and the SSH connections it
opens (the rule: exactly one per server).

The change: the mass-mail lock list (OEM spec 障害レベル1). In one transaction a sending account is
locked on each of 20 mail servers (each server's own account) (tenants.mail_abuse.locks.lock_account, as the mass-mail job
records a lock), then the mail configuration of every one of them is written again through
workers.api.update_mail; the next round lifts the same locks (unlock, as the provider does), and
so on, alternating. The 20 jobs run on one real RQ worker, one after another. The clock runs from
the save to the moment the 20th job has finished; then every server's postfix sender map
(``sender_access``) is read back to check the address is (or is no longer) refused there.

The 20 servers are 20 addresses in one network namespace, each with its own sshd listening only
on its address (tests/fleet/hosts.py). Connections are counted from each sshd's own log ("Accepted
publickey" lines) before and after the round: a connection per server per round, nothing else.
Anchor: 20 connections (one per server).
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from bench.fleet import Panel, load_average, median

SERVERS = 20
ROUNDS = 5


def address_of(host) -> str:
    return f"bulk@{host.label}.fanout.bench-mail.jp"


def change(panel: Panel, servers: dict, lock: bool) -> None:
    from tenants.hosting.wanted import Work
    from tenants.mail_abuse.counting import Evidence
    from tenants.mail_abuse.locks import account_owner, active_lock, lock_account, unlock

    now = datetime.now(timezone.utc)
    with panel.session() as s:
        for server_id, host in servers.items():
            address = address_of(host)
            if lock:
                evidence = Evidence(sender=address, count=900, window_start=now, window_end=now,
                                    sample_recipients=("someone@example.net",), threshold=500)
                lock_account(s, server_id, account_owner(s, server_id, address), evidence, now)
            else:
                unlock(s, None, active_lock(s, server_id, address), now, "benchmark round: the locks are lifted again")
        s.commit()
    # workers.api.update_mail(server_id) for each server: the same work, enqueued together
    panel.provision([Work.service_on(server_id, "mail") for server_id in servers])


def refused_on(host) -> bool:
    maps = list((host.root / "cfg").rglob("sender_access"))
    if len(maps) != 1:
        raise RuntimeError(f"{host.label}: {len(maps)} sender_access maps")
    return any(line.split()[:1] == [address_of(host)] for line in maps[0].read_text().splitlines())


def one_round(panel: Panel, servers: dict, lock: bool) -> dict:
    before = {server_id: host.connections() for server_id, host in servers.items()}
    t0 = time.perf_counter()
    change(panel, servers, lock)
    panel.work()
    wall = time.perf_counter() - t0
    opened = {server_id: host.connections() - before[server_id] for server_id, host in servers.items()}
    wrong = [host.label for host in servers.values() if refused_on(host) != lock]
    if wrong:
        raise RuntimeError(f"the lock list was not pushed to {wrong}")
    return {"wall": wall, "connections": sum(opened.values()), "per_server": sorted(set(opened.values()))}


def measure(count: int = SERVERS, rounds: int = ROUNDS, redis_url: str | None = None) -> dict:
    from tests.fleet.hosts import Hosts

    labels = [f"m{n:02d}" for n in range(count)]
    load = [load_average()]
    with Panel(redis_url) as panel, Hosts(labels, shared=True) as hosts:
        servers = {}
        for label in labels:
            host = hosts[label]
            server_id = panel.register(host, f"{label}-{hosts.tag}.bench.example")
            panel.add_mailbox(server_id, f"{label}.fanout.bench-mail.jp", "bulk")
            servers[server_id] = host
        panel.apply_all(list(servers), ("mail",))  # every server's mail set up (not timed)
        one_round(panel, servers, True)  # warm-up (lock, then lift), not counted
        one_round(panel, servers, False)
        done = [one_round(panel, servers, n % 2 == 0) for n in range(rounds)]
        load.append(load_average())
    return {"rounds": done, "load_average_1m": load, "servers": count}


def run(count: int = SERVERS, rounds: int = ROUNDS, redis_url: str | None = None) -> list[dict]:
    measured = measure(count, rounds, redis_url)
    done = measured["rounds"]
    connections = [r["connections"] for r in done]
    ours = median(connections)
    return [{
        "name": "fanout", "unit": f"SSH connections opened by one change on {count} servers (median round)",
        "ours": ours, "anchor": f"one connection per server ({count} servers)", "anchor_value": count,
        "ratio": round(ours / count, 3), "target": f"exactly {count} connections (one per server) in every round",
        "met": all(c == count for c in connections) and all(r["per_server"] == [1] for r in done),
        "connections_rounds": connections, "connections_per_server_rounds": [r["per_server"] for r in done],
        "wall_s_median": round(median([r["wall"] for r in done]), 3),
        "wall_s_rounds": [round(r["wall"], 3) for r in done],
        "changes": "rounds alternate: lock one account on each server, lift the locks",
        "worker": "one RQ SimpleWorker in the benchmark's process, the 20 jobs one after another",
        "servers": count, "rounds": rounds, "load_average_1m": measured["load_average_1m"],
        "cores": os.cpu_count(),
        "ssh_session": "test sshd with SetEnv SHLVL=1: root's ~/.bashrc (pyenv init) is not sourced per command",
    }]
