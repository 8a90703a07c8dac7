"""A database made in the end-user panel exists for real once the job ran: the issued user and
password log in on the real MariaDB and PostgreSQL, and no longer after deletion."""
from __future__ import annotations

import re
import secrets

import psycopg
import pymysql
import pytest
from sqlalchemy import select

from tenants.models import Database
from tenants.tenancy import Scope
from tests.hosting.helpers import MARIADB, POSTGRES, run_jobs
from tests.support import scoped_session
from tests.workers.drivers.test_local_databases import pg_verifier, reachable, scram_matches
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import DatabaseSpec


def login(engine, name, user, password):
    if engine == "mariadb":
        conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=user, password=password,
                               database=name, connect_timeout=5)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS t (id INT)")
            cur.execute("INSERT INTO t VALUES (1)")
            cur.execute("SELECT COUNT(*) FROM t")
            count = cur.fetchone()[0]
        conn.close()
        return count
    with psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=user, password=password, dbname=name,
                         connect_timeout=5) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (id INT)")
        conn.execute("INSERT INTO t VALUES (1)")
        return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]


@pytest.fixture
def cleanup():
    """Drop what a failing test left on the shared database servers."""
    made = []
    yield made
    driver = LocalDriver("/nonexistent-unused", db_admin={"mariadb": MARIADB, "postgresql": POSTGRES})
    for engine, name, user in made:
        driver.drop_database(DatabaseSpec(engine, name, user))


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_database_from_the_panel_logs_in_and_is_gone_after_delete(app, as_taro, local_server, cleanup, engine):
    reachable(engine)
    as_taro.get("/lang/en")
    short = f"shop{secrets.token_hex(3)}"
    page = as_taro.post("/u/demo/databases", data={"engine": engine, "name": short, "user": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "shown only once" in html
    password = re.search(r'id="issued-password">([^<]+)<', html).group(1)
    with scoped_session(app, Scope.system()) as s:
        row = s.execute(select(Database).where(Database.name.endswith(short))).scalar_one()
        name, user, row_id = row.name, row.db_user, row.id
        assert row.state == "pending" and row.password_secret and password not in row.password_secret
    cleanup.append((engine, name, user))

    run_jobs(app)

    listing = as_taro.get("/u/demo/databases").get_data(as_text=True)
    assert f'id="database-{row_id}"' in listing and 'data-state="applied"' in listing
    assert password not in listing  # shown once, never again
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Database, row_id).password_secret is None  # the panel forgot it once applied
    assert login(engine, name, user, password) == 1
    if engine == "postgresql":  # this machine's pg_hba may trust loopback: check the stored verifier too
        assert scram_matches(pg_verifier(user), password)

    assert as_taro.post(f"/u/demo/databases/{row_id}/delete").status_code == 302
    run_jobs(app)
    with pytest.raises((pymysql.err.OperationalError, psycopg.OperationalError)):
        login(engine, name, user, password)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Database, row_id) is None


def works(engine, name, user, password) -> bool:
    """Does the password open the database? (PostgreSQL: its stored SCRAM verifier says so.)"""
    if engine == "postgresql":
        return scram_matches(pg_verifier(user), password)
    try:
        return login(engine, name, user, password) >= 1
    except pymysql.err.OperationalError:
        return False


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_a_new_password_replaces_the_old_one(app, as_taro, local_server, cleanup, engine):
    reachable(engine)
    short = f"blog{secrets.token_hex(3)}"
    html = as_taro.post("/u/demo/databases", data={"engine": engine, "name": short}).get_data(as_text=True)
    first = re.search(r'id="issued-password">([^<]+)<', html).group(1)
    with scoped_session(app, Scope.system()) as s:
        row = s.execute(select(Database).where(Database.name.endswith(short))).scalar_one()
    cleanup.append((engine, row.name, row.db_user))
    run_jobs(app)
    assert works(engine, row.name, row.db_user, first)
    html = as_taro.post(f"/u/demo/databases/{row.id}/password").get_data(as_text=True)
    second = re.search(r'id="issued-password">([^<]+)<', html).group(1)
    assert second != first
    run_jobs(app)
    assert works(engine, row.name, row.db_user, second)
    assert not works(engine, row.name, row.db_user, first)


def test_deleting_the_customer_in_the_business_panel_drops_its_database_on_the_server(
        app, world, as_taro, as_demo_operator, local_server, cleanup):
    """OEM spec 顧客管理 "削除": the customer's things go from the server too, not only its records."""
    from tenants.models import Customer

    reachable("mariadb")
    html = as_taro.post("/u/demo/databases", data={"engine": "mariadb", "name": f"gone{secrets.token_hex(3)}"}
                        ).get_data(as_text=True)
    password = re.search(r'id="issued-password">([^<]+)<', html).group(1)
    with scoped_session(app, Scope.system()) as s:
        row = s.execute(select(Database).where(Database.customer_id == world.demo_customer)).scalar_one()
    cleanup.append(("mariadb", row.name, row.db_user))
    run_jobs(app)
    assert login("mariadb", row.name, row.db_user, password) == 1
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/delete",
                                 data={"confirm": "taro"}).status_code == 302
    run_jobs(app)
    with pytest.raises(pymysql.err.OperationalError):
        login("mariadb", row.name, row.db_user, password)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Customer, world.demo_customer) is None and s.get(Database, row.id) is None
