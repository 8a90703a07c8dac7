"""Customer databases and their users on the server's real MariaDB and PostgreSQL.

The statements go through an SQL session (sql.py): on the machine the panel runs on, a PyMySQL or
psycopg connection to the admin address; on another server, the ``mariadb``/``psql`` client run
there over SSH with the SQL on stdin (through the unix socket, as the server's own administrator).
The logic below is written once for both.

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
from workers.drivers.host.spec import ApplyError, DatabaseSpec, checked
from workers.drivers.host.sql import SqlError, open_session


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

def _backticks(name: str, grant: bool = False) -> str:
    # name is [a-z][a-z0-9_]* (checked); in GRANT ... ON `db`.* '_' and '%' are wildcards.
    inner = name.replace("`", "``")
    if grant:
        inner = inner.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
    return f"`{inner}`"


def _flag(rows) -> bool:
    return bool(rows) and rows[0][0] is not None and int(rows[0][0]) != 0


def mariadb_apply(spec: DatabaseSpec, admin: dict, host=None, only_password: bool = False) -> str:
    name, user = check_spec(spec, need_password=True)
    client_host = admin.get("client_host", "%")
    account = (user, client_host)
    hashed = mariadb_native_hash(spec.password or "")  # check_spec refused an empty one
    with open_session("mariadb", admin, host) as db:
        try:
            if only_password:
                if not db.rows("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", account):
                    raise ApplyError(f"the MariaDB user {user} does not exist")
                db.execute([("ALTER USER %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed))])
                return f"mariadb: password of {user} changed"
            if _flag(db.rows("SELECT Super_priv = 'Y' OR Grant_priv = 'Y' OR Create_user_priv = 'Y' "
                             "FROM mysql.user WHERE User = %s AND Host = %s", account)):
                raise ApplyError(f"refused: the MariaDB account {user} is an administrator")
            db.execute([
                (f"CREATE DATABASE IF NOT EXISTS {_backticks(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                 ()),
                ("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed)),
                ("ALTER USER %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed)),
                (f"GRANT ALL PRIVILEGES ON {_backticks(name, grant=True)}.* TO %s@%s", account),
            ])
        except SqlError as exc:
            raise ApplyError(f"MariaDB refused to set up {name} for {user}", tool="mariadb", output=str(exc)) from exc
    return f"mariadb: database {name} and user {user}@{client_host} in place"


def mariadb_drop(spec: DatabaseSpec, admin: dict, host=None) -> str:
    name, user = check_spec(spec, need_password=False)
    with open_session("mariadb", admin, host) as db:
        try:
            db.execute([(f"DROP DATABASE IF EXISTS {_backticks(name)}", ()),
                        ("DROP USER IF EXISTS %s@%s", (user, admin.get("client_host", "%")))])
        except SqlError as exc:
            raise ApplyError(f"MariaDB refused to drop {name}", tool="mariadb", output=str(exc)) from exc
    return f"mariadb: database {name} and user {user} gone"


# --- PostgreSQL -------------------------------------------------------------------------------

def _owner(db, name: str):
    from psycopg import sql

    rows = db.rows(sql.SQL("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = {}").format(
        sql.Literal(name)))
    return rows[0] if rows else None


def postgres_apply(spec: DatabaseSpec, admin: dict, host=None, only_password: bool = False) -> str:
    from psycopg import sql

    name, user = check_spec(spec, need_password=True)
    role, database = sql.Identifier(user), sql.Identifier(name)
    verifier = sql.Literal(scram_sha256_verifier(spec.password or ""))  # check_spec refused an empty one
    with open_session("postgresql", admin, host) as db:
        try:
            found = db.rows(sql.SQL("SELECT rolsuper OR rolcreaterole OR rolreplication OR rolbypassrls "
                                    "FROM pg_roles WHERE rolname = {}").format(sql.Literal(user)))
            if found and found[0][0] in (True, "t"):
                raise ApplyError(f"refused: the PostgreSQL role {user} is an administrator")
            owner = _owner(db, name)
            if owner is not None and owner[0] != user:
                raise ApplyError(f"refused: the PostgreSQL database {name} belongs to another role")
            if only_password:
                if not found:
                    raise ApplyError(f"the PostgreSQL role {user} does not exist")
                db.execute([(sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(role, verifier), ())])
                return f"postgresql: password of {user} changed"
            attributes = sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD {}").format(
                verifier)
            created = False
            if not found:
                try:
                    db.execute([(sql.SQL("CREATE ROLE {} WITH {}").format(role, attributes), ())])
                    created = True
                except SqlError as exc:
                    if exc.code != "42710":  # duplicate_object: created meanwhile; the ALTER settles it
                        raise
            if not created:
                db.execute([(sql.SQL("ALTER ROLE {} WITH {}").format(role, attributes), ())])
            if owner is None:
                try:
                    db.execute([(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'")
                                 .format(database, role), ())])
                except SqlError as exc:
                    if exc.code != "42P04":  # duplicate_database: made meanwhile; whose is checked below
                        raise
                    owner = _owner(db, name)
            if owner is not None and owner[0] != user:
                raise ApplyError(f"refused: the PostgreSQL database {name} belongs to another role")
            # Other customers' roles must not even connect (PUBLIC has CONNECT and TEMP by default).
            db.execute([(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database), ()),
                        (sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(database, role), ())])
        except SqlError as exc:
            raise ApplyError(f"PostgreSQL refused to set up {name} for {user}", tool="postgresql",
                             output=str(exc)) from exc
    return f"postgresql: database {name} owned by {user} in place"


def postgres_drop(spec: DatabaseSpec, admin: dict, host=None) -> str:
    from psycopg import sql

    name, user = check_spec(spec, need_password=False)
    with open_session("postgresql", admin, host) as db:
        try:
            owner = _owner(db, name)
            if owner is not None and owner[0] != user:
                raise ApplyError(f"refused: the PostgreSQL database {name} belongs to another role")
            db.execute([(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)), ()),
                        (sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)), ())])
        except SqlError as exc:
            raise ApplyError(f"PostgreSQL refused to drop {name}", tool="postgresql", output=str(exc)) from exc
    return f"postgresql: database {name} and role {user} gone"


def total_size_bytes(db_admin: dict, host=None) -> int | None:
    """Total size of the databases on the server's MariaDB and PostgreSQL (Gold: DB size)."""
    total, seen = 0, False
    if "mariadb" in db_admin:
        with open_session("mariadb", db_admin["mariadb"], host) as db:
            total += int(db.rows("SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables")
                         [0][0])
            seen = True
    if "postgresql" in db_admin:
        with open_session("postgresql", db_admin["postgresql"], host) as db:
            total += int(db.rows("SELECT COALESCE(SUM(pg_database_size(datname)), 0) FROM pg_database "
                                 "WHERE NOT datistemplate")[0][0])
            seen = True
    return total if seen else None


def mariadb_login(spec: DatabaseSpec, admin: dict, host=None, allowed: bool = True) -> str:
    """A stopped customer's user is locked (MariaDB ``ACCOUNT LOCK``), its grants and data kept."""
    _name, user = check_spec(spec, need_password=False)
    account = (user, admin.get("client_host", "%"))
    with open_session("mariadb", admin, host) as db:
        try:
            if not db.rows("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", account):
                raise ApplyError(f"the MariaDB user {user} does not exist")
            db.execute([(f"ALTER USER %s@%s ACCOUNT {'UNLOCK' if allowed else 'LOCK'}", account)])
        except SqlError as exc:
            raise ApplyError(f"MariaDB refused to {'unlock' if allowed else 'lock'} {user}", tool="mariadb",
                             output=str(exc)) from exc
    return f"mariadb: user {user} {'unlocked' if allowed else 'locked'}"


def postgres_login(spec: DatabaseSpec, admin: dict, host=None, allowed: bool = True) -> str:
    """A stopped customer's role cannot log in (PostgreSQL ``NOLOGIN``), its objects kept."""
    from psycopg import sql

    _name, user = check_spec(spec, need_password=False)
    with open_session("postgresql", admin, host) as db:
        try:
            found = db.rows(sql.SQL("SELECT rolsuper FROM pg_roles WHERE rolname = {}").format(sql.Literal(user)))
            if not found:
                raise ApplyError(f"the PostgreSQL role {user} does not exist")
            if found[0][0] in (True, "t"):
                raise ApplyError(f"refused: the PostgreSQL role {user} is an administrator")
            db.execute([(sql.SQL(f"ALTER ROLE {{}} WITH {'LOGIN' if allowed else 'NOLOGIN'}").format(
                sql.Identifier(user)), ())])
        except SqlError as exc:
            raise ApplyError(f"PostgreSQL refused to {'unlock' if allowed else 'lock'} {user}", tool="postgresql",
                             output=str(exc)) from exc
    return f"postgresql: role {user} {'may log in' if allowed else 'locked (NOLOGIN)'}"


APPLY = {"mariadb": mariadb_apply, "postgresql": postgres_apply}
DROP = {"mariadb": mariadb_drop, "postgresql": postgres_drop}
LOGIN = {"mariadb": mariadb_login, "postgresql": postgres_login}
