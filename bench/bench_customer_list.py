"""Customer list at 100,000 customers (issue 3): median and p95 latency of the list page (first
page, a search, a deep page) against a trivial route in the same run, on SQLite and PostgreSQL.
Target: p95 of the list page under 50 ms."""
from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

CUSTOMERS = 100_000
REQUESTS = 40
WARMUP = 3
TARGET_MS = 50.0
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PAGES = {"first page": "/panel/customers", "search": "/panel/customers?q=%E5%B1%B1%E6%9C%AC",
         "login search": "/panel/customers?q=user077", "deep page": "/panel/customers?sort=name&page=1500"}


def _seed(url: str) -> None:
    from sqlalchemy import insert, select

    from seed.demo import seed_demo
    from tenants.accounts.passwords import hash_password
    from tenants.db import make_engine, make_session_factory
    from tenants.models import Course, Customer, Principal, Reseller
    from tenants.tenancy import Scope
    from workers.cli import migrate_database

    migrate_database(url)
    engine = make_engine(url)
    with make_session_factory(engine)().bind_scope(Scope.system()) as s:
        seed_demo(s)
        s.commit()
        demo = s.scalar(select(Reseller.id).where(Reseller.code == "demo"))
        course = s.scalar(select(Course.id).where(Course.reseller_id == demo))
    one_hash = hash_password("Bench-Password-2026")
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    surnames = ["山本", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤"]
    with engine.begin() as conn:
        for base in range(0, CUSTOMERS, 10_000):
            rows = [{"reseller_id": demo, "course_id": course, "contractor_name": f"{surnames[i % 10]} {i:06d}",
                     "customer_number": f"B{i:06d}", "contact_email": f"user{i}@example.jp",
                     "contract_date": date(2024, 1, 1), "status": "active", "disk_used_bytes": (i * 7919) % 10**10,
                     "created_at": start + timedelta(minutes=i), "updated_at": start}
                    for i in range(base, base + 10_000)]
            conn.execute(insert(Customer), rows)
        ids = conn.execute(select(Customer.id, Customer.customer_number)
                           .where(Customer.customer_number.like("B%"))).all()
        for chunk in range(0, len(ids), 10_000):
            conn.execute(insert(Principal), [
                {"role": "enduser", "realm": f"enduser:{demo}", "reseller_id": demo, "customer_id": cid,
                 "login_id": f"user{int(num[1:]):06d}", "password_hash": one_hash, "display_name": "",
                 "active": True, "created_at": start}
                for cid, num in ids[chunk:chunk + 10_000]])
    if url.startswith("postgresql"):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _timings(client, path: str) -> list[float]:
    for _ in range(WARMUP):
        assert client.get(path).status_code == 200, path
    out = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, path
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def _measure(backend: str, url: str, instance: Path) -> list[dict]:
    from app import serving_app

    _seed(url)
    # built as the web process builds it (make run, gunicorn)
    app = serving_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "TESTING": True,
                       "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    r = client.post("/panel/login", data={"login_id": "demo-op", "password": "Demo-Operator-2026"})
    assert r.status_code == 302, "bench login failed"
    trivial = _timings(client, "/healthz")
    results = []
    for kind, path in PAGES.items():
        times = _timings(client, path)
        p95, anchor = _p95(times), _p95(trivial)
        results.append({
            "name": f"customer_list_{backend}_{kind.replace(' ', '_')}", "unit": "ms (p95)",
            "ours": round(p95, 2), "median_ms": round(statistics.median(times), 2),
            "anchor": "trivial route /healthz p95 (ms)", "anchor_value": round(anchor, 2),
            "anchor_median_ms": round(statistics.median(trivial), 2), "ratio": round(p95 / anchor, 1),
            "target": f"p95 < {TARGET_MS:.0f} ms", "met": p95 < TARGET_MS, "customers": CUSTOMERS,
            "requests": REQUESTS, "path": path, "load_average_1m": round(os.getloadavg()[0], 2)})
    app.extensions["panel.engine"].dispose()
    return results


def run() -> list[dict]:
    import psycopg

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results += _measure("sqlite", f"sqlite:///{tmp / 'bench.db'}", tmp)
        name = f"bench_customers_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results += _measure("postgresql", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", tmp)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results
