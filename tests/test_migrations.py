"""One Alembic chain: upgrade head, downgrade base and upgrade again on SQLite and PostgreSQL, and
the models never drift from the migrations (`alembic check`)."""
import uuid

import psycopg
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tenants.db import Base, make_engine
from tests.support import PG_ADMIN_URL, pg_available, require_service
from workers.cli import alembic_config


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    require_service(pg_available(), "PostgreSQL")
    name = f"panel_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables(url):
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_one_revision_chain():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


def test_upgrade_downgrade_upgrade_and_no_drift(empty_db):
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "head")
    assert tables(empty_db) == set(Base.metadata.tables)
    command.check(cfg)  # raises when models and migrations differ
    command.downgrade(cfg, "base")
    assert tables(empty_db) == set()
    command.upgrade(cfg, "head")
    assert tables(empty_db) == set(Base.metadata.tables)
