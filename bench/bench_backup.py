"""backup (issue 18): a server with 200 customers of generated site, mail and database-dump data,
backed up with our engine (BorgBackup through the local transport, workers/drivers/host/borg.py,
the same calls as the daily run: check, create, prune + compact) side by side with ``tar | gzip``
of the same data.

Figures per round: the first run (an empty repository), the second run after 1 % of the files
changed, the repository size after both, and one ``tar -c | gzip -6`` of the data (time, size).
Rounds alternate (ours, then tar) and the median round is reported, with every round.
Targets (issue 18): the second run under 10 % of tar's time; the repository under 1.2x one tar.

The data is the issue's size: 200 customers of ~10 MB each, ~2 GB in all (``SCALE``, ``MORE``; the run records
the size it used). At a tenth of that the fixed costs of a run (borg's start, reading the repository
to check it, pruning) weigh ten times more against tar, which only scales with the data.
"""
from __future__ import annotations

import os
import random
import secrets
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.fleet import load_average, median

CUSTOMERS = 200
SCALE = 10 / 3  # each file 3.3x the base size ...
MORE = 3        # ... and 3x as many pages, photos and messages: ~153 files, ~10 MB per customer, ~2 GB in all
ROUNDS = 3
WORDS = ("the of and to in is you that it he was for on are as with his they at be this have from or one had by "
         "word but not what all were we when your can said there use an each which she do how their if will up "
         "other about out many then them these so some her would make like him into time has look two more write "
         "go see number no way could people my than first water been call who oil its now find long down day did "
         "get come made may part order invoice shop 商品 注文 お問い合わせ 会社概要 予約 配送 在庫 価格").split()


TOKENS = WORDS + [str(n) for n in range(0, 100_000, 97)] + ["\n"] * 40  # words, numbers, line ends


def _text(rng: random.Random, size: int) -> bytes:
    """Text of ``size`` bytes, different in every file (no two files share a run that
    deduplication could fold): words, numbers and line ends drawn at random."""
    return " ".join(rng.choices(TOKENS, k=size // 5 + 16)).encode()[:size]


def generate(root: Path, customers: int = CUSTOMERS, scale: float = SCALE, seed: int = 18,
             more: int = MORE) -> tuple[int, list[Path]]:
    """Sites (text pages and incompressible images), maildirs and one SQL dump per customer;
    (bytes written, files)."""
    rng = random.Random(seed)
    files: list[Path] = []
    total = 0
    for c in range(1, customers + 1):
        home = root / "homes" / str(c)
        plan = [(home / "public_html" / f"page{i}.html", "text", int(30_000 * scale)) for i in range(16 * more)]
        plan += [(home / "public_html" / "img" / f"photo{i}.jpg", "random", int(50_000 * scale))
                 for i in range(4 * more)]
        plan += [(root / "mail" / f"c{c}.example.jp" / "info" / "cur" / f"{i}.M{c}:2,S", "text", int(6_000 * scale))
                 for i in range(30 * more)]
        plan += [(root / "cfg" / ".backup-dumps" / "mariadb" / f"c{c}_shop.sql", "text", int(150_000 * scale * more))]
        for path, kind, size in plan:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = os.urandom(size) if kind == "random" else _text(rng, size)
            path.write_bytes(data)
            files.append(path)
            total += size
    return total, files


def change_one_percent(files: list[Path], seed: int) -> int:
    rng = random.Random(seed)
    chosen = rng.sample(files, max(1, len(files) // 100))
    for path in chosen:
        with open(path, "ab") as handle:
            handle.write(_text(rng, 2000))
    return len(chosen)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def ours(data: Path, work: Path, files: list[Path], seed: int) -> dict:
    from workers.drivers.host.borg import open_repo
    from workers.drivers.transport.local import LOCAL

    repo = work / "repo"
    sources = [str(data / "homes"), str(data / "mail"), str(data / "cfg")]
    figures = {}
    with open_repo(LOCAL, str(repo), secrets.token_urlsafe(24), str(work / "borg-base")) as borg:
        borg.init()
        for label, day in (("first_s", 1), ("second_s", 2)):
            if label == "second_s":
                figures["changed_files"] = change_one_percent(files, seed)
            t0 = time.perf_counter()
            borg.check()
            t1 = time.perf_counter()
            borg.create(f"daily-2026-12-0{day}T030000", datetime(2026, 12, day, 3), sources)
            t2 = time.perf_counter()
            borg.prune(7)
            t3 = time.perf_counter()
            figures[label] = round(t3 - t0, 2)
            step = label[:-2]
            figures |= {f"{step}_check_s": round(t1 - t0, 2), f"{step}_create_s": round(t2 - t1, 2),
                        f"{step}_prune_compact_s": round(t3 - t2, 2)}
        figures["repository_bytes"] = _du(repo)
    return figures


def tar_gzip(data: Path, work: Path) -> dict:
    target = work / "all.tar.gz"
    t0 = time.perf_counter()
    with open(target, "wb") as out:
        tar = subprocess.Popen(["tar", "-C", str(data), "-cf", "-", "homes", "mail", "cfg"], stdout=subprocess.PIPE)
        gzip = subprocess.run(["gzip", "-6"], stdin=tar.stdout, stdout=out, check=True)
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or gzip.returncode != 0:
            raise RuntimeError("tar | gzip failed")
    return {"tar_s": round(time.perf_counter() - t0, 2), "tar_bytes": target.stat().st_size}


def measure(customers: int = CUSTOMERS, scale: float = SCALE, rounds: int = ROUNDS) -> dict:
    load = [load_average()]
    done = []
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        base = Path(tmp)
        for n in range(rounds):
            data = base / f"data{n}"
            data_bytes, files = generate(data, customers, scale, seed=18 + n)
            work = base / f"work{n}"
            work.mkdir()
            round_figures = {"data_bytes": data_bytes, "files": len(files)}
            round_figures |= tar_gzip(data, work)  # tar of the data as the first run saw it
            round_figures |= ours(data, work, files, seed=n)
            done.append(round_figures)
            shutil.rmtree(data)
            shutil.rmtree(work)
            load.append(load_average())
    pick = sorted(done, key=lambda r: r["second_s"])[len(done) // 2]
    return {"rounds": done, "median_round": pick, "load_average": load,
            "second_over_tar": round(median([r["second_s"] / r["tar_s"] for r in done]), 3),
            "second_create_over_tar": round(median([r["second_create_s"] / r["tar_s"] for r in done]), 3),
            "repo_over_tar": round(median([r["repository_bytes"] / r["tar_bytes"] for r in done]), 3)}


def run(customers: int = CUSTOMERS, scale: float = SCALE, rounds: int = ROUNDS) -> list[dict]:
    figures = measure(customers, scale, rounds)
    met = figures["second_over_tar"] < 0.10 and figures["repo_over_tar"] < 1.2
    return [{
        "name": "backup",
        "unit": "second run's time as a share of one tar | gzip of the same data (median round)",
        "ours": figures["second_over_tar"],
        "anchor": "tar -c | gzip -6 of the same data (a full copy every day)",
        "anchor_value": 1.0,
        "ratio": figures["second_over_tar"],
        "target": "second run < 0.10 of tar's time; repository < 1.2x one tar",
        "met": met,
        "customers": customers,
        **figures,
    }]
