"""apply_latency (issue 15): the time from saving one new domain to ``applied``, on a server that
already holds 1,000 and 5,000 sites, local transport against SSH transport.

One round, for one transport: the domain is saved through the domain rules as the end-user panel
saves it (create_domain, commit, then workers.api.provision with the work the rule returns), the
first queued job (the web job, which records the domain's state) runs on a real RQ worker and
writes the server's whole virtual-host set (unchanged files are left alone) and checks it with
the real ``nginx -t`` on that host; the clock stops once the domain row reads ``applied`` and its
file is on the server. The zone job the same save enqueues comes after it and is not timed
(dropped here). Rounds alternate local and SSH; the median round is reported, and every round.

The SSH host is a network namespace with a real sshd (tests/fleet/hosts.py); its sessions do not
source root's ~/.bashrc (see there). Anchor: ISPConfig and Froxlor apply changes from a cron job
that runs once a minute: 30 s on average from saving to applied.
"""
from __future__ import annotations

import os
import time

from bench.fleet import Panel, load_average, median

SIZES = (1_000, 5_000)
ROUNDS = 5
TARGET_S = 2.0
ANCHOR_S = 30.0


def save_and_apply(panel: Panel, customer_id: int, name: str, config_dir) -> float:
    from tenants.hosting.domains import create_domain
    from tenants.models import Customer, Domain

    t0 = time.perf_counter()
    with panel.session() as s:
        domain, works = create_domain(s, None, s.get(Customer, customer_id), name)
        s.commit()
        domain_id = domain.id
    panel.provision(works)
    panel.work(max_jobs=1)  # the web job: first in the queue
    with panel.session() as s:
        state = s.get(Domain, domain_id).state
    elapsed = time.perf_counter() - t0
    if state != "applied" or not (config_dir / "sites" / f"{name}.conf").exists():
        raise RuntimeError(f"{name} was not applied (state {state})")
    panel.drop_queued()  # the zone job: not part of this figure
    return elapsed


def measure(sizes=SIZES, rounds: int = ROUNDS, redis_url: str | None = None) -> dict:
    from tests.fleet.hosts import Hosts

    figures: dict = {}
    load = [load_average()]
    with Panel(redis_url) as panel, Hosts(["apply"]) as hosts:
        host = hosts["apply"]
        servers = {"local": (panel.local_server, panel.local_config()),
                   "ssh": (panel.register(host, f"apply-{hosts.tag}.bench.example"), host.root / "cfg")}
        held = 0
        for size in sizes:
            for kind, (server_id, _cfg) in servers.items():
                panel.add_sites(server_id, size - held, f"{kind}.bench-sites.jp")
            panel.apply_all([server_id for server_id, _cfg in servers.values()])  # the sites already held
            held = size
            # one fresh customer per round and transport (the course allows a few domains each)
            owners = {kind: panel.add_customers(server_id, rounds + 1) for kind, (server_id, _cfg) in servers.items()}
            for kind, (_server_id, cfg) in servers.items():  # warm-up (imports, first connection), not counted
                save_and_apply(panel, owners[kind][rounds], f"warm-{size}.{kind}.bench-new.jp", cfg)
            times: dict[str, list[float]] = {kind: [] for kind in servers}
            for n in range(rounds):
                for kind, (_server_id, cfg) in servers.items():
                    times[kind].append(save_and_apply(panel, owners[kind][n], f"r{n}-{size}.{kind}.bench-new.jp",
                                                      cfg))
            figures[size] = {kind: {"median_s": round(median(values), 3),
                                    "rounds_s": [round(v, 3) for v in values]} for kind, values in times.items()}
            load.append(load_average())
    return {"figures": figures, "load_average_1m": load, "rounds": rounds}


def run(sizes=SIZES, rounds: int = ROUNDS, redis_url: str | None = None) -> list[dict]:
    measured = measure(sizes, rounds, redis_url)
    figures = measured["figures"]
    largest = max(figures)
    ours = figures[largest]["ssh"]["median_s"]
    return [{
        "name": "apply_latency", "unit": f"s from save to applied ({largest:,} sites, SSH, median)",
        "ours": ours, "anchor": "ISPConfig / Froxlor: a cron job once a minute (30 s on average)",
        "anchor_value": ANCHOR_S, "ratio": round(ours / ANCHOR_S, 3),
        "target": f"< {TARGET_S:.0f} s at {largest:,} sites over SSH", "met": ours < TARGET_S,
        "by_sites": {f"{size}": figure for size, figure in figures.items()},
        "rounds": measured["rounds"], "load_average_1m": measured["load_average_1m"], "cores": os.cpu_count(),
        "worker": "RQ SimpleWorker in the benchmark's process; the web job only (the zone job is not timed)",
        "ssh_session": "test sshd with SetEnv SHLVL=1: root's ~/.bashrc (pyenv init) is not sourced per command",
    }]
