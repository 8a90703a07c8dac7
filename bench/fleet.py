"""What the fleet benchmarks (apply_latency, fanout) share: a panel of their own (a fresh SQLite
database migrated and seeded with the demo, a Redis database emptied first, the app as the web
process builds it), remote hosts made as the two-host tests make them (tests/fleet/hosts.py:
network namespaces, a real sshd per host, the panel's key pasted and the host key pinned), sites
and mail accounts loaded in bulk, and the provisioning jobs run on a real RQ worker.

The worker is RQ's SimpleWorker in this process (as the tests run jobs): the panel's own worker
forks a work horse per job, a few milliseconds more per job that neither figure includes."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD_HASH = None  # one dovecot hash for every bulk mailbox (made once: argon2 is slow on purpose)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


class Panel:
    """Context manager: the panel's database, Redis and app; removed on exit. ``redis_url``: a
    Redis database to use as it is (the tests' own); else the tests' choice (tests/support.py),
    emptied first."""

    def __init__(self, redis_url: str | None = None):
        self.redis_url = redis_url

    def __enter__(self) -> "Panel":
        from sqlalchemy import select

        from app import create_app
        from seed.demo import seed_demo
        from tenants.db import make_engine, make_session_factory
        from tenants.models import Course, Reseller, Server
        from tenants.tenancy import Scope
        from tests.support import redis_test_url
        from workers.cli import migrate_database

        self.dir = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        self.dir.chmod(0o755)
        self._redis = None
        try:
            url = f"sqlite:///{self.dir / 'panel.db'}"
            migrate_database(url)
            engine = make_engine(url)
            with make_session_factory(engine)().bind_scope(Scope.system()) as s:
                seed_demo(s)
                s.commit()
                self.reseller = s.scalar(select(Reseller.id).where(Reseller.code == "demo"))
                self.course = s.scalar(select(Course.id).where(Course.reseller_id == self.reseller))
                self.local_server = s.scalar(select(Server.id).where(Server.driver == "local"))
            engine.dispose()
            redis_url = self.redis_url
            if redis_url is None:
                (self.dir / "redis").mkdir()
                redis_url, self._redis = redis_test_url(self.dir / "redis")
            self.app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url,
                                   "INSTANCE_PATH": str(self.dir / "instance"), "TESTING": True})
            self.engine = self.app.extensions["panel.engine"]
            from workers import queues

            with self.app.app_context():
                queues.queue("provisioning").empty()
        except BaseException:
            self.__exit__()
            raise
        self._customers = 0
        return self

    def __exit__(self, *exc) -> None:
        from tests.hosting.helpers import remove_system_users

        remove_system_users()  # the customers' system users the runs made on this machine
        if hasattr(self, "app"):
            self.engine.dispose()
        if self._redis is not None:
            self._redis.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def session(self):
        from tenants.tenancy import Scope

        return self.app.extensions["panel.sessions"]().bind_scope(Scope.system())

    def work(self, max_jobs: int | None = None) -> None:
        """Run the queued provisioning jobs on a real RQ worker (all, or the first ``max_jobs``)."""
        from rq import SimpleWorker

        from workers import queues

        with self.app.app_context():
            SimpleWorker([queues.queue("provisioning")], connection=queues.connection()).work(
                burst=True, max_jobs=max_jobs, logging_level="WARNING")

    def drop_queued(self) -> None:
        from workers import queues

        with self.app.app_context():
            queues.queue("provisioning").empty()

    def provision(self, works) -> None:
        from workers import api

        with self.app.app_context():
            api.provision(works)

    def local_config(self) -> Path:
        """The local server writes below this panel's folder (as tests/hosting/helpers.py sets it)."""
        from tenants.models import Server
        from tenants.servers.rules import seal_driver_config
        from tests.hosting.helpers import driver_config

        base = self.dir / "local"
        base.mkdir()
        with self.session() as s:
            seal_driver_config(self.app.extensions["panel.box"], s.get(Server, self.local_server), driver_config(base))
            s.commit()
        return base / "cfg"

    def register(self, host, hostname: str) -> int:
        """A remote host registered as the provider registers it (tests/fleet/conftest.py)."""
        from tests.fleet.conftest import register

        server_id = register(self.app, host, hostname)
        (host.root / "log").mkdir(exist_ok=True)
        (host.root / "log" / "mail.log").touch()
        return server_id

    def add_customers(self, server_id: int, count: int) -> list[int]:
        from sqlalchemy import insert, select

        from tenants.models import Customer

        first, self._customers = self._customers, self._customers + count
        stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
        with self.engine.begin() as conn:
            conn.execute(insert(Customer), [
                {"reseller_id": self.reseller, "course_id": self.course, "server_id": server_id,
                 "contractor_name": f"ベンチ {i:06d}", "customer_number": f"F{i:06d}",
                 "contact_email": f"bench{i}@example.jp", "contract_date": date(2026, 1, 1), "status": "active",
                 "created_at": stamp, "updated_at": stamp} for i in range(first, first + count)])
            return list(conn.execute(select(Customer.id).where(Customer.customer_number.in_(
                [f"F{i:06d}" for i in range(first, first + count)])).order_by(Customer.id)).scalars())

    def add_sites(self, server_id: int, count: int, zone: str, per_customer: int = 10) -> None:
        """``count`` more sites (domains) on the server, ``per_customer`` each, not yet applied."""
        from sqlalchemy import func, insert, select

        from tenants.models import Customer, Domain

        with self.session() as s:
            start = s.scalar(select(func.count()).select_from(Domain).join(Customer, Customer.id == Domain.customer_id)
                             .where(Customer.server_id == server_id))
        customers = self.add_customers(server_id, -(-count // per_customer))
        rows = [{"reseller_id": self.reseller, "customer_id": customers[i // per_customer],
                 "name": f"s{start + i:05d}.{zone}", "docroot": f"public_html/s{start + i:05d}.{zone}"}
                for i in range(count)]
        with self.engine.begin() as conn:
            for chunk in range(0, len(rows), 2000):
                conn.execute(insert(Domain), rows[chunk:chunk + 2000])

    def add_mailbox(self, server_id: int, domain: str, local_part: str) -> None:
        """One customer with one domain and one mailbox on the server, not yet applied."""
        global PASSWORD_HASH
        from tenants.hosting.account_names import mail_password_hash
        from tenants.models import Domain, MailAccount

        PASSWORD_HASH = PASSWORD_HASH or mail_password_hash("Bench-Mailbox-2026")
        (customer,) = self.add_customers(server_id, 1)
        with self.session() as s:
            row = Domain(reseller_id=self.reseller, customer_id=customer, name=domain,
                         docroot=f"public_html/{domain}")
            s.add(row)
            s.flush()
            s.add(MailAccount(reseller_id=self.reseller, customer_id=customer, domain_id=row.id,
                              local_part=local_part, password_hash=PASSWORD_HASH))
            s.commit()

    def apply_all(self, server_ids, services=("web",)) -> None:
        """Apply what was loaded (not timed), and check every row came out applied."""
        from sqlalchemy import func, select

        from tenants.hosting.wanted import SERVICE_MODELS, Work
        from tenants.models import Customer

        self.provision([Work.service_on(server_id, service) for server_id in server_ids for service in services])
        self.work()
        with self.session() as s:
            for service in services:
                for model in SERVICE_MODELS[service]:
                    left = s.scalar(select(func.count()).select_from(model).join(Customer, Customer.id == model.customer_id)
                                    .where(Customer.server_id.in_(list(server_ids)), model.state != "applied"))
                    if left:
                        detail = s.scalar(select(model.state_detail).where(model.state != "applied").limit(1))
                        raise RuntimeError(f"{left} {model.__name__} row(s) not applied: {detail}")

