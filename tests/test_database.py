"""The app's database connections: PostgreSQL plans index reads as the in-memory reads they are."""
from __future__ import annotations

from sqlalchemy import text

from tenants.db import PG_RANDOM_PAGE_COST, make_engine


def test_postgresql_connections_cost_index_reads_as_cached(pg_template):
    # Without it a 1,000-row login search joined 100,000 customers by a full scan (issue 3 bench).
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_template}")
    try:
        with engine.connect() as conn:
            assert float(conn.execute(text("SHOW random_page_cost")).scalar_one()) == PG_RANDOM_PAGE_COST
            assert PG_RANDOM_PAGE_COST < 4  # PostgreSQL's default, made for spinning disks
    finally:
        engine.dispose()
