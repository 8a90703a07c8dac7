"""Moving a customer to another server (issue 15 item 7): the move job.

Order, each step recorded on the move (tenants/hosting/moves.py) so the reseller sees progress:
  files          the customer's home, copied with copy_tree (a tar stream between the transports)
  mail           each mailbox's maildir, the same way
  databases      kept where they are when both servers use the same database server; otherwise
                 each is created on the new server's database server with its user and the user's
                 stored password hash, and the old server's dump streamed into it (database_copy.py)
  configuration  the customer is placed on the new server and every service of it applied whole
                 there (both servers' provisioning locks are held from here to the end, so no
                 other job applies either server in between)
  zones          its A/AAAA records naming the old server's address now name the new one
  verify         file counts and sizes of the home and each maildir, row counts of each database,
                 an HTTP probe of each site on the new server
  cleanup        only now: every service of the old server applied without the customer, its
                 home, maildirs and copied databases removed there, the move marked done.
A failure before cleanup puts the customer back on the old server (its configuration applied
there again, its zone records switched back), removes the partial copy (files and databases) from the new server as far
as that server can be reached, and records why: the customer is still served from the old server
and nothing of it was removed there.
"""
from __future__ import annotations

import http.client
from contextlib import ExitStack

from sqlalchemy import select

from tenants.hosting import moves
from tenants.hosting.wanted import SERVICES
from tenants.models import Customer, Database, Domain, MailAccount, Server
from workers import locks, runtime
from workers.drivers import driver_for
from workers.drivers.host import metrics
from workers.drivers.host.sql import open_session
from workers.drivers.transport.copy import copy_tree
from workers.jobs.hosting import database_copy, php_sites
from workers.jobs.hosting.provisioning import hand_on, one_at_a_time
from workers.jobs.hosting.wanted_state import APPLY, box, site_for

PROBE_TIMEOUT = 10


class MoveFailed(Exception):
    """A step could not be done or the copy does not match; the message says why."""


def move_customer(move_id: int) -> str:
    """Carry out one recorded move (see the module's docstring)."""
    with runtime.job_session() as s:
        move = s.get(moves.CustomerMove, move_id)
        if move is None or move.state not in moves.OPEN:
            return f"move {move_id}: nothing to do"
        customer = s.get(Customer, move.customer_id)
        source, target = s.get(Server, move.from_server_id), s.get(Server, move.to_server_id)
        if customer is None or source is None or target is None or customer.server_id != source.id:
            moves.fail(move, "the customer or one of the servers changed before the move started")
            s.commit()
            return f"move {move_id}: refused"
        move.done_steps, move.failure = "", None
        s.commit()
        mover = Mover(move_id, customer.id, source, target)
    try:
        return mover.run()
    except locks.Busy:  # another job applies one of the servers: the move starts again shortly
        return hand_on(move_customer, move_id)


class Mover:
    def __init__(self, move_id: int, customer_id: int, source: Server, target: Server):
        self.move_id, self.customer_id = move_id, customer_id
        self.source_id, self.target_id = source.id, target.id
        self.source_address, self.target_address = source.address, target.address
        self.source, self.target = source, target
        self.switched: dict[int, str] = {}
        self.placed = False
        self.copied: list[str] = []
        self.copied_databases: list[Database] = []

    # --- progress ---------------------------------------------------------------------------------
    def step(self, name: str, work) -> None:
        with runtime.job_session() as s:
            moves.begin_step(s.get(moves.CustomerMove, self.move_id), name)
            s.commit()
        work()
        with runtime.job_session() as s:
            moves.end_step(s.get(moves.CustomerMove, self.move_id), name)
            s.commit()

    def run(self) -> str:
        with ExitStack() as stack:
            self.src = stack.enter_context(driver_for(self.source, box()))
            self.dst = stack.enter_context(driver_for(self.target, box()))
            self.src_site, self.dst_site = site_for(self.src), site_for(self.dst)
            try:
                self.step("files", self.copy_files)
                self.step("mail", self.copy_mail)
                self.step("databases", self.copy_databases)
                stack.enter_context(one_at_a_time(f"server:{self.source_id}"))
                stack.enter_context(one_at_a_time(f"server:{self.target_id}"))
                self.step("configuration", self.place_on_target)
                self.step("zones", self.switch_zones)
                self.step("verify", self.verify)
            except locks.Busy:
                self.undo()
                raise
            except Exception as exc:  # noqa: BLE001 - whatever failed, the customer goes back to the old server
                reason = str(exc) or type(exc).__name__
                left = self.undo()
                with runtime.job_session() as s:
                    moves.fail(s.get(moves.CustomerMove, self.move_id), reason + left)
                    s.commit()
                return f"move {self.move_id} failed: {reason}{left}"
            # Verified: the customer is on the new server from here on, whatever happens to the old one.
            try:
                self.step("cleanup", self.clean_source)
            except Exception as exc:  # noqa: BLE001 - the move stands; what is left on the old server is said
                with runtime.job_session() as s:
                    moves.cleanup_unfinished(s.get(moves.CustomerMove, self.move_id), str(exc))
                    s.commit()
                return f"move {self.move_id} done; the old server still holds a copy: {exc}"
        return f"move {self.move_id}: customer {self.customer_id} now on server {self.target_id}"

    # --- what is moved ----------------------------------------------------------------------------
    def mailboxes(self) -> list[str]:
        with runtime.job_session() as s:
            return [box.address for box in s.scalars(select(MailAccount).where(
                MailAccount.customer_id == self.customer_id, MailAccount.deleting.is_(False)))]

    def maildir(self, driver, address: str) -> str:
        local, domain = address.split("@")
        return f"{driver.mail_root.rstrip('/')}/{domain}/{local}"

    def exists(self, driver, path: str) -> bool:
        return driver.host.run(["test", "-d", path], 60).returncode == 0

    def pairs(self) -> list[tuple[str, str]]:
        """(path on the old server, path on the new one) of the home and every maildir."""
        out = [(self.src_site.home(self.customer_id), self.dst_site.home(self.customer_id))]
        return out + [(self.maildir(self.src, a), self.maildir(self.dst, a)) for a in self.mailboxes()]

    def copy(self, source_path: str, target_path: str) -> None:
        if not self.exists(self.src, source_path):
            return
        if self.exists(self.dst, target_path):
            raise MoveFailed(f"{target_path} already exists on {self.target.hostname}; nothing was overwritten")
        self.copied.append(target_path)
        copy_tree(self.src.host, source_path, self.dst.host, target_path)

    def copy_files(self) -> None:
        self.copy(*self.pairs()[0])

    def copy_mail(self) -> None:
        for pair in self.pairs()[1:]:
            self.copy(*pair)

    def databases(self) -> list[Database]:
        with runtime.job_session() as s:
            return list(s.scalars(select(Database).where(Database.customer_id == self.customer_id,
                                                         Database.deleting.is_(False))))

    def identity(self, driver, engine: str) -> tuple:
        query = ("SELECT @@hostname, @@datadir, @@port" if engine == "mariadb"
                 else "SELECT system_identifier::text FROM pg_control_system()")
        with open_session(engine, self.admin(driver, engine), driver.host) as db:
            return tuple(db.rows(query)[0])

    def admin(self, driver, engine: str) -> dict:
        admin = driver.db_admin.get(engine)
        if not admin:
            raise MoveFailed(f"no {engine} administrator credentials for {driver.host.where}")
        return dict(admin)

    def copy_databases(self) -> None:
        engines = {d.engine for d in self.databases()}
        moving = {e for e in engines if self.identity(self.src, e) != self.identity(self.dst, e)}
        for database in self.databases():
            if database.engine not in moving:
                continue  # the same database server serves both: the database stays where it is
            engine, name, user = database.engine, database.name, database.db_user
            src_admin, dst_admin = self.admin(self.src, engine), self.admin(self.dst, engine)
            try:
                hashed = database_copy.stored_hash(engine, src_admin, self.src.host, name, user)
                database_copy.create(engine, dst_admin, self.dst.host, name, user, hashed)
            except database_copy.CopyRefused as exc:
                raise MoveFailed(str(exc)) from exc
            self.copied_databases.append(database)
            database_copy.copy(engine, src_admin, self.src.host, dst_admin, self.dst.host, name)

    # --- configuration and zones ------------------------------------------------------------------
    def apply_all(self, driver, server_id: int, site) -> None:
        with runtime.job_session() as s:
            for service in SERVICES:
                _detail, refused = APPLY[service](site, s, server_id)
                mine = [key for key in refused if self.owned(s, key)]
                if mine and driver is self.dst:
                    raise MoveFailed(f"{service} on {self.target.hostname} left out the customer's "
                                     f"{mine[0][0].__name__.lower()}: {refused[mine[0]].detail}")

    def owned(self, session, key) -> bool:
        model, row_id = key
        row = session.get(model, row_id)
        return row is not None and row.customer_id == self.customer_id

    def place(self, server_id: int) -> None:
        with runtime.job_session() as s:
            s.get(Customer, self.customer_id).server_id = server_id
            s.commit()

    def place_on_target(self) -> None:
        self.place(self.target_id)
        self.placed = True
        self.apply_all(self.dst, self.target_id, self.dst_site)
        with runtime.job_session() as s:  # the copied files belong to the customer's user there (issue 16)
            user = php_sites.system_users(self.dst_site, s, self.target_id, [self.customer_id])[self.customer_id]
        self.dst.own_tree(user)

    def switch_zones(self) -> None:
        with runtime.job_session() as s:
            self.switched = moves.switch_zone_records(s, self.customer_id, self.source_address, self.target_address)
            s.commit()
            _detail, refused = APPLY["dns"](self.dst_site, s, self.target_id)
        if any(key[1] in self.switched for key in refused):
            raise MoveFailed(f"the zones with the new address were refused on {self.target.hostname}")

    # --- verify -----------------------------------------------------------------------------------
    def verify(self) -> None:
        for source_path, target_path in self.pairs():
            if not self.exists(self.src, source_path):
                continue
            before = metrics.directory_usage(source_path, host=self.src.host)
            after = metrics.directory_usage(target_path, host=self.dst.host)
            if (before.files, before.apparent_bytes) != (after.files, after.apparent_bytes):
                raise MoveFailed(f"the copy of {source_path} does not match: {before.files} files, "
                                 f"{before.apparent_bytes} bytes on {self.source.hostname}; {after.files} files, "
                                 f"{after.apparent_bytes} bytes on {self.target.hostname}")
        for database in self.databases():
            on_source, on_target = self.row_counts(self.src, database), self.row_counts(self.dst, database)
            if on_source != on_target:
                differ = sorted(t for t in on_source.keys() | on_target.keys() if on_source.get(t) != on_target.get(t))
                raise MoveFailed(f"the row counts of the database {database.name} do not match: "
                                 + ", ".join(f"{t} {on_source.get(t, '-')} on {self.source.hostname}, "
                                             f"{on_target.get(t, '-')} on {self.target.hostname}" for t in differ))
        self.probe_sites()

    def row_counts(self, driver, database: Database) -> dict:
        """Exact row count of every table (names as the server lists them, quoted as identifiers)."""
        engine, admin = database.engine, self.admin(driver, database.engine)
        if engine == "postgresql":
            admin["dbname"] = database.name
            tables = "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname NOT IN " \
                     "('pg_catalog', 'information_schema') ORDER BY 1"
        else:
            tables = ("SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables "
                      f"WHERE table_schema = '{database.name}' AND table_type = 'BASE TABLE' ORDER BY 1")
        with open_session(engine, admin, driver.host) as db:
            names = [str(row[0]) for row in db.rows(tables)]  # the database name was checked on creation
            counts = {}
            for name in names:
                quote = '"' if engine == "postgresql" else "`"
                ident = ".".join(quote + part.replace(quote, quote * 2) + quote for part in name.split(".", 1))
                counts[name] = str(db.rows(f"SELECT COUNT(*) FROM {ident}")[0][0])
            return counts

    def probe_sites(self) -> None:
        with runtime.job_session() as s:
            names = list(s.scalars(select(Domain.name).where(Domain.customer_id == self.customer_id,
                                                             Domain.deleting.is_(False))))
        listen = (self.dst.http_listen or ["80"])[0]
        port = int(listen.rsplit(":", 1)[-1]) if listen.rsplit(":", 1)[-1].isdigit() else 80
        for name in names:
            conn = http.client.HTTPConnection(self.target_address, port, timeout=PROBE_TIMEOUT)
            try:
                conn.request("GET", "/", headers={"Host": name})
                status = conn.getresponse().status
            except OSError as exc:
                raise MoveFailed(f"the site {name} does not answer on {self.target.hostname}: {exc}") from exc
            finally:
                conn.close()
            if status >= 500:
                raise MoveFailed(f"the site {name} answers {status} on {self.target.hostname}")

    # --- the end --------------------------------------------------------------------------------
    def clean_source(self) -> None:
        """Verified: the old server is applied without the customer, its copy there removed."""
        with runtime.job_session() as s:
            moves.finish(s.get(moves.CustomerMove, self.move_id), s.get(Customer, self.customer_id))
            s.commit()
        self.apply_all(self.src, self.source_id, self.src_site)
        pairs = self.pairs()
        for source_path, _target in pairs:
            done = self.src.host.run(["rm", "-rf", "--one-file-system", "--", source_path], 3600)
            if done.returncode != 0:
                raise OSError(f"{source_path} on {self.source.hostname}: {done.output}")
        for source_path, _target in pairs[1:]:  # a maildir: its domain folder if now empty
            self.src.host.run(["rmdir", "--ignore-fail-on-non-empty", "--", source_path.rsplit("/", 1)[0]], 60)
        for database in self.copied_databases:  # verified on the new database server
            database_copy.drop(database.engine, self.admin(self.src, database.engine), self.src.host,
                               database.name, database.db_user)

    def undo(self) -> str:
        """Back on the old server; the partial copy on the new one removed as far as it can be."""
        with runtime.job_session() as s:
            moves.switch_back(s, self.switched)
            s.commit()
        problems = []
        if self.placed:
            self.place(self.source_id)
            try:
                self.apply_all(self.src, self.source_id, self.src_site)
            except Exception as exc:  # noqa: BLE001 - reported with the failure
                problems.append(f"applying {self.source.hostname} again failed: {exc}")
            try:
                self.apply_all(self.dst, self.target_id, self.dst_site)
            except Exception as exc:  # noqa: BLE001 - reported with the failure
                problems.append(f"the configuration on {self.target.hostname} could not be removed: {exc}")
        for path in self.copied:
            try:
                self.dst.host.run(["rm", "-rf", "--one-file-system", "--", path], 3600)
                if path != self.dst_site.home(self.customer_id):  # a maildir: its domain folder if now empty
                    self.dst.host.run(["rmdir", "--ignore-fail-on-non-empty", "--", path.rsplit("/", 1)[0]], 60)
            except Exception as exc:  # noqa: BLE001 - reported with the failure
                problems.append(f"the partial copy {path} on {self.target.hostname} could not be removed: {exc}")
        for database in self.copied_databases:
            try:
                database_copy.drop(database.engine, self.admin(self.dst, database.engine), self.dst.host,
                                   database.name, database.db_user)
            except Exception as exc:  # noqa: BLE001 - reported with the failure
                problems.append(f"the partial copy of the database {database.name} on {self.target.hostname} "
                                f"could not be removed: {exc}")
        return "".join(f"; {p}" for p in problems)
