"""Customer databases and their users on the real MariaDB (PyMySQL) and PostgreSQL (psycopg).

Names pass tenants.account_names first; identifiers are then quoted by the driver's own means:
``psycopg.sql.Identifier`` for PostgreSQL; for MariaDB the account name and host are string
literals escaped by PyMySQL's parameter binding, and the database name (letters, digits and
``_`` only) is backtick-quoted, with ``_`` escaped in GRANT where it would be a wildcard.

Passwords never travel as plain text in SQL: MariaDB gets the mysql_native_password hash
(``IDENTIFIED BY PASSWORD '*…'``) and PostgreSQL a SCRAM-SHA-256 verifier, both computed here,
so statement logs cannot leak them.

Every operation is idempotent: applying twice leaves the same state; dropping what is gone is fine.
``admin`` is {host, port, user, password[, dbname][, client_host]}; client_host (MariaDB) is the
host part of issued accounts, '%' by default.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from tenants.accounts.password_policy import password_problems
from tenants.errors import RuleViolation
from tenants.hosting import account_names
from workers.drivers.local.spec import ApplyError, DatabaseSpec, checked

CONNECT_TIMEOUT = 10


def check_spec(spec: DatabaseSpec, need_password: bool) -> tuple[str, str]:
    engine = spec.engine
    if engine not in account_names.ENGINES:
        raise ApplyError(f"refused: unknown database engine {engine!r}")
    name = checked(account_names.database_name, spec.name, engine)
    user = checked(account_names.database_user, spec.user, engine)
    if need_password:
        problems = password_problems(spec.password or "", login_id=user)
        if problems:
            raise ApplyError(f"refused: {RuleViolation(problems)}", problems=problems)
    return name, user


def mariadb_native_hash(password: str) -> str:
    """mysql_native_password's stored form: '*' + upper hex SHA1(SHA1(password))."""
    return "*" + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


def scram_sha256_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's stored SCRAM-SHA-256 form (RFC 7677), as libpq's PQencryptPasswordConn makes it.

    The password is printable ASCII (policy), for which SASLprep changes nothing.
    """
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


# --- MariaDB ----------------------------------------------------------------------------------

def admin_connection_mariadb(admin: dict):
    import pymysql

    try:
        return pymysql.connect(host=admin.get("host", "127.0.0.1"), port=int(admin.get("port", 3306)),
                               user=admin["user"], password=admin.get("password") or "",
                               connect_timeout=CONNECT_TIMEOUT, autocommit=True, charset="utf8mb4")
    except pymysql.MySQLError as exc:
        raise ApplyError(f"MariaDB at {admin.get('host')}:{admin.get('port')} refused the admin login",
                         tool="mariadb", output=str(exc)) from exc


def _backticks(name: str, grant: bool = False) -> str:
    # name is [a-z][a-z0-9_]* (checked); in GRANT ... ON `db`.* '_' and '%' are wildcards.
    inner = name.replace("`", "``")
    if grant:
        inner = inner.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return f"`{inner}`"


def mariadb_apply(spec: DatabaseSpec, admin: dict, only_password: bool = False) -> str:
    import pymysql

    name, user = check_spec(spec, need_password=True)
    host = admin.get("client_host", "%")
    account = (user, host)
    hashed = mariadb_native_hash(spec.password or "")  # check_spec refused an empty one
    conn = admin_connection_mariadb(admin)
    try:
        with conn.cursor() as cur:
            if only_password:
                cur.execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", account)
                if cur.fetchone() is None:
                    raise ApplyError(f"the MariaDB user {user} does not exist")
                cur.execute("ALTER USER %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed))
                return f"mariadb: password of {user} changed"
            cur.execute("SELECT Super_priv = 'Y' OR Grant_priv = 'Y' OR Create_user_priv = 'Y' "
                        "FROM mysql.user WHERE User = %s AND Host = %s", account)
            if (cur.fetchone() or (0,))[0]:
                raise ApplyError(f"refused: the MariaDB account {user} is an administrator")
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {_backticks(name)} "
                        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed))
            cur.execute("ALTER USER %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed))
            cur.execute(f"GRANT ALL PRIVILEGES ON {_backticks(name, grant=True)}.* TO %s@%s", account)
    except pymysql.MySQLError as exc:
        raise ApplyError(f"MariaDB refused to set up {name} for {user}", tool="mariadb", output=str(exc)) from exc
    finally:
        conn.close()
    return f"mariadb: database {name} and user {user}@{host} in place"


def mariadb_drop(spec: DatabaseSpec, admin: dict) -> str:
    import pymysql

    name, user = check_spec(spec, need_password=False)
    conn = admin_connection_mariadb(admin)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {_backticks(name)}")
            cur.execute("DROP USER IF EXISTS %s@%s", (user, admin.get("client_host", "%")))
    except pymysql.MySQLError as exc:
        raise ApplyError(f"MariaDB refused to drop {name}", tool="mariadb", output=str(exc)) from exc
    finally:
        conn.close()
    return f"mariadb: database {name} and user {user} gone"


# --- PostgreSQL -------------------------------------------------------------------------------

def admin_connection_postgres(admin: dict):
    import psycopg

    try:
        return psycopg.connect(host=admin.get("host", "127.0.0.1"), port=int(admin.get("port", 5432)),
                               user=admin["user"], password=admin.get("password") or None,
                               dbname=admin.get("dbname", "postgres"), connect_timeout=CONNECT_TIMEOUT,
                               autocommit=True)
    except psycopg.Error as exc:
        raise ApplyError(f"PostgreSQL at {admin.get('host')}:{admin.get('port')} refused the admin login",
                         tool="postgresql", output=str(exc)) from exc


def postgres_apply(spec: DatabaseSpec, admin: dict, only_password: bool = False) -> str:
    import psycopg
    from psycopg import sql

    name, user = check_spec(spec, need_password=True)
    role, db = sql.Identifier(user), sql.Identifier(name)
    verifier = sql.Literal(scram_sha256_verifier(spec.password or ""))  # check_spec refused an empty one
    conn = admin_connection_postgres(admin)
    try:
        found = conn.execute("SELECT rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls "
                             "FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
        if found and found[0]:
            raise ApplyError(f"refused: the PostgreSQL role {user} is an administrator")
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                             (name,)).fetchone()
        if owner is not None and owner[0] != user:
            raise ApplyError(f"refused: the PostgreSQL database {name} belongs to another role")
        if only_password:
            if not found:
                raise ApplyError(f"the PostgreSQL role {user} does not exist")
            conn.execute(sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(role, verifier))
            return f"postgresql: password of {user} changed"
        attributes = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD {}").format(verifier)
        created = False
        if not found:
            try:
                conn.execute(sql.SQL("CREATE ROLE {} WITH {}").format(role, attributes))
                created = True
            except psycopg.errors.DuplicateObject:
                pass  # created meanwhile by a concurrent run: the ALTER below settles it
        if not created:
            conn.execute(sql.SQL("ALTER ROLE {} WITH {}").format(role, attributes))
        if owner is None:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'")
                             .format(db, role))
            except psycopg.errors.DuplicateDatabase:
                owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                                     (name,)).fetchone()
        if owner is not None and owner[0] != user:
            raise ApplyError(f"refused: the PostgreSQL database {name} belongs to another role")
        # Other customers' roles must not even connect (PUBLIC has CONNECT and TEMP by default).
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        conn.execute(sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(db, role))
    except psycopg.Error as exc:
        raise ApplyError(f"PostgreSQL refused to set up {name} for {user}", tool="postgresql",
                         output=str(exc)) from exc
    finally:
        conn.close()
    return f"postgresql: database {name} owned by {user} in place"


def postgres_drop(spec: DatabaseSpec, admin: dict) -> str:
    import psycopg
    from psycopg import sql

    name, user = check_spec(spec, need_password=False)
    conn = admin_connection_postgres(admin)
    try:
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                             (name,)).fetchone()
        if owner is not None and owner[0] != user:
            raise ApplyError(f"refused: the PostgreSQL database {name} belongs to another role")
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
    except psycopg.Error as exc:
        raise ApplyError(f"PostgreSQL refused to drop {name}", tool="postgresql", output=str(exc)) from exc
    finally:
        conn.close()
    return f"postgresql: database {name} and role {user} gone"


APPLY = {"mariadb": mariadb_apply, "postgresql": postgres_apply}
DROP = {"mariadb": mariadb_drop, "postgresql": postgres_drop}
