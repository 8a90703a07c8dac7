"""An SQL session as the administrator of a server's MariaDB or PostgreSQL, whichever way the
panel reaches that server.

- On the machine the panel runs on: a PyMySQL / psycopg connection to the admin address
  (``admin``: {host, port, user, password[, dbname]}), parameters bound by the library.
- On another server (over SSH): the server's own client, ``mariadb`` or ``psql``, run there with
  the statements on stdin, connecting through the local unix socket (``admin``: {user[, password]
  [, socket][, dbname][, client]}; Debian's defaults need no password for root / postgres there).
  Values are written into the statements as literals (MariaDB: PyMySQL's escaping, only for
  values without quotes or backslashes, which the names and hashes we send never have;
  PostgreSQL: psycopg's ``sql.Literal``). A password, when one is configured, goes into a 0600
  option file in a private temporary folder, never onto a command line.

``rows(statement, params)`` answers a query; ``execute([(statement, params), ...])`` runs
statements in order (over SSH: in one client run). Errors raise SqlError with the server's code
(MariaDB error number, PostgreSQL SQLSTATE).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Sequence

from workers.drivers.host.spec import ApplyError

CONNECT_TIMEOUT = 10
CLIENT_TIMEOUT = 60
MARIADB_SOCKET = "/run/mysqld/mysqld.sock"
POSTGRES_SOCKET_DIR = "/var/run/postgresql"
_PG_ERROR = re.compile(r"ERROR:\s+([0-9A-Z]{5}):\s*(.*)")
_MARIADB_ERROR = re.compile(r"ERROR (\d+) \([0-9A-Z]+\)(?: at line \d+)?: (.*)")


class SqlError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"({code}) {message}" if code else message)


# --- on this machine: a connection ----------------------------------------------------------------

class _DriverConnection:
    """A database server reached with its Python driver: statements one by one (``_run``)."""

    conn: Any

    def _run(self, statement, params) -> list:
        raise NotImplementedError

    def rows(self, statement, params: Sequence = ()) -> list[tuple]:
        return self._run(statement, params)

    def execute(self, statements) -> None:
        for statement, params in statements:
            self._run(statement, params)

    def close(self) -> None:
        self.conn.close()


class MariadbConnection(_DriverConnection):
    def __init__(self, admin: dict):
        import pymysql

        try:
            self.conn = pymysql.connect(host=admin.get("host", "127.0.0.1"), port=int(admin.get("port", 3306)),
                                        user=admin["user"], password=admin.get("password") or "",
                                        connect_timeout=CONNECT_TIMEOUT, autocommit=True, charset="utf8mb4")
        except pymysql.MySQLError as exc:
            raise ApplyError(f"MariaDB at {admin.get('host')}:{admin.get('port')} refused the admin login",
                             tool="mariadb", output=str(exc)) from exc

    def _run(self, statement, params):
        import pymysql

        try:
            with self.conn.cursor() as cur:
                cur.execute(statement, tuple(params) if params else None)
                return list(cur.fetchall()) if cur.description else []
        except pymysql.MySQLError as exc:
            code = str(exc.args[0]) if exc.args else ""
            raise SqlError(code, str(exc.args[1]) if len(exc.args) > 1 else str(exc)) from exc


class PostgresConnection(_DriverConnection):
    def __init__(self, admin: dict):
        import psycopg

        try:
            self.conn = psycopg.connect(host=admin.get("host", "127.0.0.1"), port=int(admin.get("port", 5432)),
                                        user=admin["user"], password=admin.get("password") or None,
                                        dbname=admin.get("dbname", "postgres"), connect_timeout=CONNECT_TIMEOUT,
                                        autocommit=True)
        except psycopg.Error as exc:
            raise ApplyError(f"PostgreSQL at {admin.get('host')}:{admin.get('port')} refused the admin login",
                             tool="postgresql", output=str(exc)) from exc

    def _run(self, statement, params):
        import psycopg

        try:
            cur = self.conn.execute(statement, tuple(params) if params else None)
            return list(cur.fetchall()) if cur.description else []
        except psycopg.Error as exc:
            raise SqlError(exc.sqlstate or "", str(exc)) from exc


# --- on another server: its own client, over the transport -----------------------------------------

def mariadb_literal(value: Any) -> str:
    from pymysql.converters import escape_item

    if isinstance(value, str) and any(c in value for c in "'\\\x00\n\r\x1a\""):
        raise ApplyError("refused: a value sent to MariaDB holds quotes or control characters")
    return escape_item(value, "utf8mb4")


def postgres_text(statement, params: Sequence = ()) -> str:
    from psycopg import sql

    if params:
        raise TypeError("PostgreSQL statements carry their values as sql.Literal")
    return statement.as_string(None) if isinstance(statement, sql.Composable) else str(statement)


class ClientSession:
    """Statements run by the server's own client over the transport, one client run per call."""

    def __init__(self, engine: str, admin: dict, host):
        self.engine, self.admin, self.host = engine, dict(admin), host

    def _argv(self, option_file: str | None) -> list[str]:
        admin = self.admin
        client = admin.get("client")
        if self.engine == "mariadb":
            argv = list(client or ["mariadb"])
            argv += [f"--defaults-extra-file={option_file}"] if option_file else []
            return argv + ["--batch", "--skip-column-names", "--raw", f"--user={admin.get('user', 'root')}",
                           f"--socket={admin.get('socket', MARIADB_SOCKET)}"]
        argv = list(client or ["psql"])
        return argv + ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
                       "-h", admin.get("socket", POSTGRES_SOCKET_DIR), "-U", admin.get("user", "postgres"),
                       "-d", admin.get("dbname", "postgres")]

    @contextmanager
    def _credentials(self):
        password = self.admin.get("password")
        if not password:
            yield None, []
            return
        with self.host.temp_dir("/tmp", ".panel-sql-") as folder:
            if self.engine == "mariadb":
                path = f"{folder}/client.cnf"
                self.host.write_file(path, f"[client]\npassword={password}\n".encode(), 0o600)
                yield path, []
            else:
                path = f"{folder}/pgpass"
                self.host.write_file(path, f"*:*:*:*:{password}\n".encode(), 0o600)
                yield None, ["env", f"PGPASSFILE={path}"]

    def _script(self, statements) -> str:
        lines = []
        for statement, params in statements:
            if self.engine == "mariadb":
                text = statement % tuple(mariadb_literal(p) for p in params) if params else statement
            else:
                text = postgres_text(statement, params)
            lines.append(text.rstrip().rstrip(";") + ";")
        return "\n".join(lines) + "\n"

    def _client(self, statements) -> str:
        from workers.drivers.errors import CommandNotStarted, CommandTimeout

        script = self._script(statements)
        with self._credentials() as (option_file, prefix):
            try:
                done = self.host.run(prefix + self._argv(option_file), CLIENT_TIMEOUT, script.encode())
            except CommandTimeout:
                raise ApplyError(f"the {self.engine} client did not finish within {CLIENT_TIMEOUT} s",
                                 tool=self.engine) from None
            except CommandNotStarted as exc:
                raise ApplyError(f"the {self.engine} client could not be started: {exc}", tool=self.engine) from exc
        if done.returncode == 127:
            raise ApplyError(f"the {self.engine} client is not installed on this server", tool=self.engine,
                             output=done.output)
        if done.returncode != 0:
            found = (_MARIADB_ERROR if self.engine == "mariadb" else _PG_ERROR).search(done.stderr)
            if found:
                raise SqlError(found.group(1), found.group(2).strip())
            raise ApplyError(f"{self.engine} on this server refused the administrator's login", tool=self.engine,
                             output=done.output)
        return done.stdout

    def rows(self, statement, params: Sequence = ()) -> list[tuple]:
        out = self._client([(statement, params)])
        return [tuple(None if v == "NULL" and self.engine == "mariadb" else v for v in line.split("\t"))
                for line in out.splitlines() if line != ""]

    def execute(self, statements) -> None:
        self._client(list(statements))

    def close(self) -> None:
        pass


@contextmanager
def open_session(engine: str, admin: dict, host=None):
    """The administrator's session on the server ``host`` reaches (None: this machine)."""
    session: MariadbConnection | PostgresConnection | ClientSession
    if host is None or host.on_this_machine:
        session = MariadbConnection(admin) if engine == "mariadb" else PostgresConnection(admin)
    else:
        session = ClientSession(engine, admin, host)
    try:
        yield session
    finally:
        session.close()
