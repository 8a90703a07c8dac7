"""A database brought back from a generation: created again on the server's database server if it
is gone (owned by the customer's user, as provisioning made it), then the generation's dump streamed
from ``borg extract --stdout`` into ``mariadb`` / ``psql`` (ON_ERROR_STOP, one transaction) run
on the server as its database administrator (database_copy._client_argv)."""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from tenants.models import Database
from workers.drivers.host.databases import check_spec
from workers.drivers.host.spec import ApplyError, DatabaseSpec
from workers.drivers.host.sql import SqlError, open_session
from workers.jobs.hosting import database_copy

LOAD_TIMEOUT = 6 * 3600
WAIT_APPLIED_S = 600


OWNER_LINE = re.compile(rb"^(ALTER .* OWNER TO )[A-Za-z0-9_\"]+;$")


class OwnerRewrite:
    """Hands a PostgreSQL dump on line by line with every ``ALTER ... OWNER TO <user>;`` made
    ``OWNER TO <new>;``: a copy restored into a new database belongs to that database's own user
    (the original's may be gone, and may not even connect to the new database)."""

    def __init__(self, sink, new: str):
        self.sink, self.buffer, self.in_copy = sink, b"", False
        self.new = new.encode() + b";"

    def _line(self, line: bytes) -> bytes:
        if self.in_copy:  # table data is passed on untouched
            self.in_copy = line != b"\\."
            return line
        if line.startswith(b"COPY ") and line.endswith(b" FROM stdin;"):
            self.in_copy = True
            return line
        return OWNER_LINE.sub(lambda m: m.group(1) + self.new, line)

    def write(self, data: bytes) -> None:
        self.buffer += data
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        out = [self._line(line) for line in lines]
        if out:
            self.sink.write(b"\n".join(out) + b"\n")

    def close(self) -> None:
        if self.buffer:
            self.sink.write(self.buffer)


def wait_applied(session, customer_id: int, engine: str, name: str, timeout: float = WAIT_APPLIED_S) -> str:
    """The new database's user once provisioning has made it on the server (it runs on its own queue)."""
    deadline = time.monotonic() + timeout
    while True:
        session.expire_all()
        row = session.execute(select(Database).where(Database.customer_id == customer_id, Database.engine == engine,
                                                     Database.name == name)).scalar()
        if row is None or row.deleting or row.state == "failed":
            raise ApplyError(f"the new database {name} could not be created")
        if row.state == "applied":
            return row.db_user
        if time.monotonic() > deadline:
            raise ApplyError(f"the new database {name} was not created within {timeout:g} s")
        time.sleep(1)


def owner_of(session, customer_id: int, engine: str, name: str) -> str:
    user = session.execute(select(Database.db_user).where(
        Database.customer_id == customer_id, Database.engine == engine, Database.name == name)).scalar()
    if user is None:
        raise ApplyError(f"the {engine} database {name} is no longer the customer's; restore it into a new one")
    return user


def ensure_database(driver, engine: str, name: str, user: str) -> None:
    name, user = check_spec(DatabaseSpec(engine, name, user), need_password=False)
    admin = driver.db_admin.get(engine)
    if not admin:
        raise ApplyError(f"no {engine} administrator credentials for this server")
    try:
        with open_session(engine, admin, driver.host) as db:
            if engine == "mariadb":
                db.execute([(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 "
                             "COLLATE utf8mb4_unicode_ci", ())])
                return
            from psycopg import sql

            if not db.rows(sql.SQL("SELECT 1 FROM pg_database WHERE datname = {}").format(sql.Literal(name))):
                db.execute([(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(
                    sql.Identifier(name), sql.Identifier(user)), ()),
                    (sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)), ())])
    except SqlError as exc:
        raise ApplyError(f"{engine} refused to create {name} again: {exc}") from exc


def load(driver, repo, archive: str, dump: str, engine: str, name: str,
         owner: str | None = None) -> None:
    host = driver.host
    admin = driver.db_admin[engine]
    with database_copy._client_argv(engine, admin, host, "mariadb" if engine == "mariadb" else "psql") as argv:
        if engine == "mariadb":
            argv += ["--batch", "--default-character-set=utf8mb4", name]
        else:
            argv += ["-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", name]
        try:
            with host.feed(argv, LOAD_TIMEOUT) as sink:
                if owner and engine == "postgresql":
                    rewrite = OwnerRewrite(sink, owner)
                    repo.extract_stream(archive, dump, rewrite.write)
                    rewrite.close()
                else:
                    repo.extract_stream(archive, dump, sink.write)
        except OSError as exc:
            raise OSError(f"loading the dump into {name} failed: {database_copy._reason(str(exc))}") from None
