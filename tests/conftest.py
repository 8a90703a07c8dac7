"""Shared fixtures: the app on SQLite AND on the real PostgreSQL, the real Redis, demo logins.

Every app test runs once per database backend. Each backend gets a template database built by the
real migrations plus the demo seed, copied per test (a file copy for SQLite, CREATE DATABASE ...
TEMPLATE for PostgreSQL), so tests are isolated and fast. With CI=true a missing service fails the
test instead of skipping it.
"""
from __future__ import annotations

import os
import shutil
import uuid

import pytest

from tests.support import PG_ADMIN_URL, demo_world, login, pg_available, redis_test_url, require_service

pytest_plugins = ["tests.servers.fixtures", "tests.servers.ipmi_sim"]

DEMO_PASSWORDS = {"admin": "Demo-Admin-2026", "demo-op": "Demo-Operator-2026", "taro": "Demo-User-2026",
                  "acme-op": "Acme-Operator-2026", "hanako": "Acme-User-2026",
                  "kanri": "Demo-Kanri-2026"}


def _build_template(url: str, instance) -> None:
    from seed.demo import seed_demo
    from tenants.db import make_engine, make_session_factory
    from tenants.tenancy import Scope
    from workers.cli import migrate_database

    migrate_database(url)
    engine = make_engine(url)
    with make_session_factory(engine)().bind_scope(Scope.system()) as s:
        seed_demo(s)
        s.commit()
    if url.startswith("sqlite"):
        with engine.connect() as conn:  # fold the WAL into the file so a plain copy holds everything
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


@pytest.fixture(scope="session")
def keys_instance(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, keys_instance):
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    _build_template(f"sqlite:///{path}", keys_instance)
    return path


@pytest.fixture(scope="session")
def pg_template(keys_instance):
    import psycopg

    require_service(pg_available(), "PostgreSQL at 127.0.0.1:5432")
    name = f"panel_tpl_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    _build_template(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", keys_instance)
    yield name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "panel.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    template = request.getfixturevalue("pg_template")
    name = f"panel_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url, embedded = redis_test_url(tmp_path_factory.mktemp("redis"))
    yield url
    if embedded is not None:
        embedded.stop()


@pytest.fixture
def app(database_url, redis_url, keys_instance, tmp_path):
    from app import create_app

    application = create_app({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(keys_instance),
        "TESTING": True, "WTF_CSRF_ENABLED": False,
        "ACME_DIRECTORY": "off",  # no test reaches a real CA; the ACME tests point a server at pebble
    })
    yield application
    application.extensions["panel.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Ids of the demo data: two resellers (demo, acme), each with an operator, course, customer."""
    return demo_world(app)


@pytest.fixture
def as_provider(app):
    c = app.test_client()
    login(c, "provider", "admin", DEMO_PASSWORDS["admin"])
    return c


@pytest.fixture
def as_demo_operator(app):
    c = app.test_client()
    login(c, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    return c


@pytest.fixture
def as_acme_operator(app):
    c = app.test_client()
    login(c, "reseller", "acme-op", DEMO_PASSWORDS["acme-op"])
    return c


@pytest.fixture
def as_taro(app):
    c = app.test_client()
    login(c, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    return c


@pytest.fixture
def as_hanako(app):
    c = app.test_client()
    login(c, "enduser", "hanako", DEMO_PASSWORDS["hanako"], code="acme")
    return c


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path, redis_url):
    """A freshly migrated database with nothing in it, as on a new installation."""
    from app import create_app
    from workers.cli import migrate_database

    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'fresh.db'}", None
    else:
        import psycopg

        require_service(pg_available(), "PostgreSQL at 127.0.0.1:5432")
        name = f"panel_fresh_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url, drop = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name
    migrate_database(url)
    application = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "instance"),
                              "TESTING": True, "WTF_CSRF_ENABLED": False})
    yield application
    application.extensions["panel.engine"].dispose()
    if drop:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
