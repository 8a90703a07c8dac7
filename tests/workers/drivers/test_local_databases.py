"""Databases and users on the real MariaDB and PostgreSQL on loopback."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

import psycopg
import pymysql
import pytest
from psycopg import sql

from tests.workers.drivers.local_helpers import OTHER_PASSWORD, PASSWORD, unique
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, DatabaseSpec

MARIADB = {"host": os.environ.get("TEST_MARIADB_HOST", "127.0.0.1"),
           "port": int(os.environ.get("TEST_MARIADB_PORT", 3306)),
           "user": os.environ.get("TEST_MARIADB_USER", "root"), "password": os.environ.get("TEST_MARIADB_PASSWORD", "")}
POSTGRES = {"host": os.environ.get("TEST_PG_HOST", "127.0.0.1"), "port": int(os.environ.get("TEST_PG_PORT", 5432)),
            "user": os.environ.get("TEST_PG_USER", "postgres"), "password": os.environ.get("TEST_PG_PASSWORD", "")}


def reachable(engine: str) -> None:
    try:
        if engine == "mariadb":
            pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=MARIADB["user"],
                            password=MARIADB["password"], connect_timeout=5).close()
        else:
            psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=POSTGRES["user"],
                            password=POSTGRES["password"] or None, dbname="postgres", connect_timeout=5).close()
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not there
        message = f"{engine} is not reachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def driver():
    return LocalDriver("/nonexistent-config-dir-unused", db_admin={"mariadb": MARIADB, "postgresql": POSTGRES})


@pytest.fixture
def spec_for(driver):
    made = []

    def make(engine, password=PASSWORD, name=None, user=None):
        reachable(engine)
        spec = DatabaseSpec(engine, name or unique("db"), user or unique("u"), password)
        made.append(spec)
        return spec

    yield make
    for spec in made:
        try:
            driver.drop_database(spec)
        except ApplyError:
            pass


def maria_login(spec, password, database=None):
    return pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=spec.user, password=password,
                           database=database, connect_timeout=5)


def pg_login(spec, database=None, user=None, password=PASSWORD):
    return psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=user or spec.user, password=password,
                           dbname=database or spec.name, connect_timeout=5)


def pg_admin():
    return psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=POSTGRES["user"],
                           password=POSTGRES["password"] or None, dbname="postgres", autocommit=True)


def scram_matches(verifier: str, password: str) -> bool:
    """Check a password against PostgreSQL's stored SCRAM-SHA-256 verifier (RFC 5802 keys)."""
    scheme, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, _ = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return scheme == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


def pg_verifier(user: str) -> str:
    with pg_admin() as conn:
        return conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (user,)).fetchone()[0]


def pg_checks_passwords() -> bool:
    """Whether this server's pg_hba asks loopback clients for a password (trust does not)."""
    try:
        psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=POSTGRES["user"],
                        password="certainly-not-the-password", dbname="postgres", connect_timeout=5).close()
        return False
    except psycopg.OperationalError:
        return True


def test_mariadb_database_user_can_log_in_then_not_after_drop(driver, spec_for):
    spec = spec_for("mariadb")
    result = driver.apply_database(spec)
    assert result.ok and spec.name in result.detail
    with maria_login(spec, PASSWORD, spec.name) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        cur.execute("INSERT INTO t VALUES (1)")
        conn.commit()
        cur.execute("SELECT DATABASE(), COUNT(*) FROM t")
        assert cur.fetchone() == (spec.name, 1)
    with pytest.raises(pymysql.err.OperationalError):
        maria_login(spec, OTHER_PASSWORD)
    driver.drop_database(spec)
    with pytest.raises(pymysql.err.OperationalError):
        maria_login(spec, PASSWORD)
    assert driver.drop_database(spec).ok  # dropping what is gone is fine


def test_mariadb_apply_twice_is_the_same_and_keeps_data(driver, spec_for):
    spec = spec_for("mariadb")
    driver.apply_database(spec)
    with maria_login(spec, PASSWORD, spec.name) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE kept (id INT)")
        cur.execute("SHOW GRANTS")
        grants = sorted(cur.fetchall())
    driver.apply_database(spec)
    with maria_login(spec, PASSWORD, spec.name) as conn, conn.cursor() as cur:
        cur.execute("SHOW GRANTS")
        assert sorted(cur.fetchall()) == grants
        cur.execute("SHOW TABLES")
        assert cur.fetchall() == (("kept",),)


def test_mariadb_underscore_in_a_grant_is_not_a_wildcard(driver, spec_for):
    spec = spec_for("mariadb", name=unique("db_"))  # contains underscores
    driver.apply_database(spec)
    lookalike = spec.name.replace("_", "x")
    try:
        with maria_login(spec, PASSWORD) as conn, conn.cursor() as cur:
            with pytest.raises(pymysql.err.OperationalError, match="Access denied"):
                cur.execute(f"CREATE DATABASE `{lookalike}`")
    finally:  # should the grant be too wide, do not leave its proof behind
        with pymysql.connect(**MARIADB) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{lookalike}`")


def test_mariadb_password_change(driver, spec_for):
    spec = spec_for("mariadb")
    driver.apply_database(spec)
    changed = DatabaseSpec(spec.engine, spec.name, spec.user, OTHER_PASSWORD)
    assert driver.change_database_password(changed).ok
    maria_login(spec, OTHER_PASSWORD, spec.name).close()
    with pytest.raises(pymysql.err.OperationalError):
        maria_login(spec, PASSWORD)
    missing = DatabaseSpec("mariadb", unique("db"), unique("u"), PASSWORD)
    with pytest.raises(ApplyError, match="does not exist"):
        driver.change_database_password(missing)


def test_postgresql_database_user_can_log_in_then_not_after_drop(driver, spec_for):
    spec = spec_for("postgresql")
    assert driver.apply_database(spec).ok
    with pg_login(spec) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT current_database(), current_user, count(*) FROM t").fetchone() == (
            spec.name, spec.user, 1)
    verifier = pg_verifier(spec.user)
    assert verifier.startswith("SCRAM-SHA-256$4096:")
    assert scram_matches(verifier, PASSWORD) and not scram_matches(verifier, OTHER_PASSWORD)
    if pg_checks_passwords():
        with pytest.raises(psycopg.OperationalError):
            pg_login(spec, password=OTHER_PASSWORD)
    driver.drop_database(spec)
    with pytest.raises(psycopg.OperationalError):
        pg_login(spec, database="postgres")
    with pg_admin() as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (spec.name,)).fetchone() is None
    assert driver.drop_database(spec).ok


def test_postgresql_apply_twice_and_other_customers_cannot_connect(driver, spec_for):
    spec, other = spec_for("postgresql"), spec_for("postgresql")
    driver.apply_database(spec)
    driver.apply_database(other)
    with pg_login(spec) as conn:
        conn.execute("CREATE TABLE kept (id int)")
    driver.apply_database(spec)
    with pg_login(spec) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    assert scram_matches(pg_verifier(spec.user), PASSWORD)
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        pg_login(spec, user=other.user)


def test_postgresql_password_change(driver, spec_for):
    spec = spec_for("postgresql")
    driver.apply_database(spec)
    driver.change_database_password(DatabaseSpec(spec.engine, spec.name, spec.user, OTHER_PASSWORD))
    verifier = pg_verifier(spec.user)
    assert scram_matches(verifier, OTHER_PASSWORD) and not scram_matches(verifier, PASSWORD)


def test_postgresql_refuses_to_take_over_an_administrator_or_a_foreign_database(driver, spec_for):
    spec = spec_for("postgresql")
    admin_role = unique("adm")
    with pg_admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} SUPERUSER").format(sql.Identifier(admin_role)))
    try:
        with pytest.raises(ApplyError, match="is an administrator"):
            driver.apply_database(DatabaseSpec("postgresql", spec.name, admin_role, PASSWORD))
        with pg_admin() as conn:
            assert conn.execute("SELECT rolsuper, rolpassword FROM pg_authid WHERE rolname = %s",
                                (admin_role,)).fetchone() == (True, None)
    finally:
        with pg_admin() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(admin_role)))
    driver.apply_database(spec)
    thief = DatabaseSpec("postgresql", spec.name, unique("u"), PASSWORD)
    with pytest.raises(ApplyError, match="belongs to another role"):
        driver.drop_database(thief)
    with pytest.raises(ApplyError, match="belongs to another role"):
        driver.apply_database(thief)
    with pg_admin() as conn:  # refused before anything was created
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (thief.user,)).fetchone() is None
    pg_login(spec).close()


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
@pytest.mark.parametrize("name, user, password, message", [
    ("shop`; DROP DATABASE mysql; --", "u1", PASSWORD, "lower-case"),
    ('shop"; DROP ROLE postgres; --', "u1", PASSWORD, "lower-case"),
    ("shop", "root", PASSWORD, "reserved"),
    ("shop", "pg_monitor", PASSWORD, "reserved"),
    ("mysql", "u1", PASSWORD, "reserved"),
    ("shop", "u1", "short", "at least"),
    ("shop", "u1", None, "at least"),
])
def test_bad_specs_are_refused_before_any_sql(driver, engine, name, user, password, message):
    with pytest.raises(ApplyError) as caught:
        driver.apply_database(DatabaseSpec(engine, name, user, password))
    assert message in str(caught.value)
    assert caught.value.problems


def test_unknown_engine_and_missing_credentials(driver):
    with pytest.raises(ApplyError, match="unknown database engine"):
        driver.apply_database(DatabaseSpec("oracle", "shop", "u1", PASSWORD))
    with pytest.raises(ApplyError, match="no mariadb administrator credentials"):
        LocalDriver("/nonexistent").apply_database(DatabaseSpec("mariadb", "shop", "u1", PASSWORD))


def test_wrong_admin_credentials_are_a_clear_error():
    reachable("mariadb")
    bad = LocalDriver("/nonexistent", db_admin={"mariadb": {**MARIADB, "user": unique("nobody")}})
    with pytest.raises(ApplyError, match="refused the admin login"):
        bad.apply_database(DatabaseSpec("mariadb", unique("db"), unique("u"), PASSWORD))


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_the_longest_names_the_rules_allow_work_on_the_real_server(driver, spec_for, engine):
    from tenants.hosting.account_names import MAX_NAME

    limits = MAX_NAME[engine]
    prefix = unique("db")
    name = prefix.ljust(limits["database"] - (prefix.count("_") if engine == "mariadb" else 0), "d")
    user = unique("u").ljust(limits["user"], "u")
    spec = spec_for(engine, name=name, user=user)
    driver.apply_database(spec)
    if engine == "mariadb":
        with maria_login(spec, PASSWORD, name) as conn, conn.cursor() as cur:
            cur.execute("SELECT DATABASE(), CURRENT_USER()")
            assert cur.fetchone() == (name, f"{user}@%")
    else:
        with pg_login(spec) as conn:
            assert conn.execute("SELECT current_database(), current_user").fetchone() == (name, user)


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_a_stopped_customers_database_user_is_locked_and_unlocked_with_its_data(driver, spec_for, engine):
    spec = spec_for(engine)
    driver.apply_database(spec)
    login = (lambda: maria_login(spec, PASSWORD, spec.name)) if engine == "mariadb" else (lambda: pg_login(spec))
    with login() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE kept (id INT PRIMARY KEY)")
        cur.execute("INSERT INTO kept VALUES (7)")
        conn.commit()
    assert "lock" in driver.allow_database_login(spec, False).detail
    refused = pymysql.err.OperationalError if engine == "mariadb" else psycopg.OperationalError
    with pytest.raises(refused):
        login()
    assert driver.allow_database_login(spec, False).ok  # twice is the same
    driver.allow_database_login(spec, True)
    with login() as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM kept")
        assert cur.fetchall() in ([(7,)], ((7,),))
