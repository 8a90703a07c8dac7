"""Copying one customer database from one server's MariaDB/PostgreSQL to another's (a move
between servers that use different database servers, workers/jobs/hosting/move.py).

1. The user's stored password hash is read on the source (MariaDB ``mysql.user``, PostgreSQL
   ``pg_authid``): the panel erased the password itself once it was set, and the user keeps it.
2. On the target the database and its user are created with that same hash and the same grants
   (refused, nothing touched, when either already exists there).
3. ``mariadb-dump --single-transaction`` (PostgreSQL: ``pg_dump``) runs on the source and its
   output is written, as it is read, into ``mariadb`` (``psql``) on the target, each through its
   server's transport and as its server's database administrator; the administrator's password,
   when one is set, goes into a 0600 option file in a private temporary folder, never onto a
   command line.

``drop`` removes what ``create`` made on the target (after a failed copy or a failed move).
"""
from __future__ import annotations

from contextlib import contextmanager

from workers.drivers.host.sql import MARIADB_SOCKET, POSTGRES_SOCKET_DIR, open_session

COPY_TIMEOUT = 6 * 3600


class CopyRefused(Exception):
    """The target already holds the database or its user; nothing was changed there."""


def _backticks(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _grant_name(name: str) -> str:  # in GRANT ... ON `db`.* '_' and '%' are wildcards
    return _backticks(name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%"))


def stored_hash(engine: str, admin: dict, host, name: str, user: str) -> str:
    """The user's password as the source server stores it (never the password itself)."""
    with open_session(engine, admin, host) as db:
        if engine == "mariadb":
            rows = db.rows("SELECT authentication_string FROM mysql.user WHERE User = %s AND Host = %s",
                           (user, admin.get("client_host", "%")))
        else:
            from psycopg import sql

            rows = db.rows(sql.SQL("SELECT rolpassword FROM pg_authid WHERE rolname = {}").format(sql.Literal(user)))
    if not rows or not rows[0][0]:
        raise CopyRefused(f"the {engine} user {user} of {name} has no stored password on the old server")
    return str(rows[0][0])


def create(engine: str, admin: dict, host, name: str, user: str, hashed: str) -> None:
    """The empty database and its user (with the stored hash) on the target; CopyRefused if either exists."""
    with open_session(engine, admin, host) as db:
        if engine == "mariadb":
            account = (user, admin.get("client_host", "%"))
            if db.rows("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (name,)) or \
                    db.rows("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", account):
                raise CopyRefused(f"the MariaDB database {name} or its user already exists on the new server; "
                                  "nothing was overwritten")
            db.execute([
                (f"CREATE DATABASE {_backticks(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", ()),
                ("CREATE USER %s@%s IDENTIFIED BY PASSWORD %s", (*account, hashed)),
                (f"GRANT ALL PRIVILEGES ON {_grant_name(name)}.* TO %s@%s", account),
            ])
            return
        from psycopg import sql

        if db.rows(sql.SQL("SELECT 1 FROM pg_database WHERE datname = {}").format(sql.Literal(name))) or \
                db.rows(sql.SQL("SELECT 1 FROM pg_roles WHERE rolname = {}").format(sql.Literal(user))):
            raise CopyRefused(f"the PostgreSQL database {name} or its user already exists on the new server; "
                              "nothing was overwritten")
        role, database = sql.Identifier(user), sql.Identifier(name)
        db.execute([(sql.SQL("CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                             "PASSWORD {}").format(role, sql.Literal(hashed)), ())])
        db.execute([(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(database, role),
                     ())])
        db.execute([(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database), ()),
                    (sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(database, role), ())])


def drop(engine: str, admin: dict, host, name: str, user: str) -> None:
    """What ``create`` and the copy made on the target, gone."""
    with open_session(engine, admin, host) as db:
        if engine == "mariadb":
            db.execute([(f"DROP DATABASE IF EXISTS {_backticks(name)}", ()),
                        ("DROP USER IF EXISTS %s@%s", (user, admin.get("client_host", "%")))])
            return
        from psycopg import sql

        db.execute([(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)), ())])
        db.execute([(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)), ())])


@contextmanager
def _client_argv(engine: str, admin: dict, host, tool: str):
    """argv of ``tool`` (mariadb-dump, mariadb, pg_dump, psql) logging in as the administrator."""
    password = admin.get("password")
    with host.temp_dir("/tmp", ".panel-dbcopy-") as folder:
        if engine == "mariadb":
            argv = [tool]
            if password:
                host.write_file(f"{folder}/client.cnf", f"[client]\npassword={password}\n".encode(), 0o600)
                argv.append(f"--defaults-extra-file={folder}/client.cnf")
            argv.append(f"--user={admin.get('user', 'root')}")
            if host.on_this_machine and "host" in admin:
                argv += [f"--host={admin['host']}", f"--port={admin.get('port', 3306)}", "--protocol=tcp"]
            else:
                argv.append(f"--socket={admin.get('socket', MARIADB_SOCKET)}")
            yield argv
            return
        prefix = []
        if password:
            host.write_file(f"{folder}/pgpass", f"*:*:*:*:{password}\n".encode(), 0o600)
            prefix = ["env", f"PGPASSFILE={folder}/pgpass"]
        where = ["-h", admin["host"], "-p", str(admin.get("port", 5432))] if host.on_this_machine and "host" in admin \
            else ["-h", admin.get("socket", POSTGRES_SOCKET_DIR)]
        yield prefix + [tool, "-X" if tool == "psql" else "-w", *where, "-U", admin.get("user", "postgres")]


def copy(engine: str, source_admin: dict, source, target_admin: dict, target, name: str,
         timeout: float = COPY_TIMEOUT) -> None:
    """Stream the dump of ``name`` on ``source`` into the same (created, empty) database on ``target``;
    OSError with the reason when either side fails."""
    dump_tool, load_tool = ("mariadb-dump", "mariadb") if engine == "mariadb" else ("pg_dump", "psql")
    with _client_argv(engine, source_admin, source, dump_tool) as dump, \
            _client_argv(engine, target_admin, target, load_tool) as load:
        if engine == "mariadb":
            dump += ["--single-transaction", "--routines", "--triggers", "--hex-blob", "--default-character-set=utf8mb4",
                     "--skip-add-locks", "--", name]
            load += ["--batch", "--default-character-set=utf8mb4", name]
        else:
            dump += ["--no-password", "--format=plain", "--no-publications", "--no-subscriptions", "-d", name]
            load += ["-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", name]
        try:
            with target.feed(load, timeout) as sink:
                status, errors = source.stream(dump, timeout, sink.write)
        except OSError as exc:
            raise OSError(f"restoring {name} on {target.where} failed: {_reason(str(exc))}") from None
    if status != 0:
        raise OSError(f"dumping {name} on {source.where} failed: {errors.strip() or status}")


def _reason(output: str) -> str:
    """The client's error lines (the mariadb client also echoes the whole failed statement, which
    may be megabytes of data): "ERROR 2006 (HY000) at line 52: ...", "psql:<stdin>:9: ERROR: ..."."""
    lines = [line.strip() for line in output.splitlines() if "ERROR" in line[:80]]
    return " ".join(lines)[-500:] if lines else output.strip()[-300:]
