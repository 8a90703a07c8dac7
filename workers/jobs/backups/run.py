"""The daily backup run of one server (issue 18), through the server's driver (local or SSH):

1. the repository is opened (created, encrypted, the first time; its key exported and sealed in
   the panel) and its segments checked (``borg check --repository-only``): a corrupted repository
   fails the run before anything is added, with borg's own reason;
2. each customer database is dumped consistently on the server into a private staging folder
   (``mariadb-dump --single-transaction``, ``pg_dump``), and on the panel's own host the panel's
   database too (panel_db.py);
3. one generation (``borg create``) of the homes, mailboxes, generated configuration and dumps;
4. the generations beyond 7 daily ones are pruned (``borg prune --keep-daily 7``, ``compact``).
The run, its size and the customers it holds are recorded; a failure opens an incident.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from tenants.backups import faults
from tenants.backups.models import FAILED, OK, PRUNED, RUNNING, BackupEntry, BackupPlan, BackupRun
from tenants.backups.plans import local_day, open_secrets, seal_secrets
from tenants.db import utcnow
from tenants.models import Customer, Database, MailAccount, ProvisionState, Server
from workers import runtime
from workers.drivers import driver_for
from workers.drivers.errors import TransportError
from workers.drivers.host import borg
from workers.drivers.host.spec import ApplyError
from workers.jobs.backups import panel_db
from workers.jobs.hosting import database_copy
from workers.jobs.hosting.wanted_state import box, rows_on, site_for

DUMP_TIMEOUT = 6 * 3600
JOB_TIMEOUT = 12 * 3600  # RQ job timeout of a run or a restore
STAGING = ".backup-dumps"


class RunFailed(Exception):
    pass


def location_of(plan: BackupPlan) -> str:
    """Where the plan's repository is: a path on the server, or ssh://user@host:port/path."""
    if plan.target_kind == "ssh":
        return borg.ssh_location(plan.target_user or "borg", plan.target_host or "", plan.target_port or 22,
                                 plan.target_path)
    return borg.safe_path(plan.target_path, "backup target")


def repository(driver, plan: BackupPlan, secrets: dict, location: str | None = None):
    """The server's repository (borg.open_repo): the plan's, or ``location`` (where a run was taken)."""
    return borg.open_repo(driver.host, location or location_of(plan), secrets.get("passphrase", ""),
                          f"{driver.config_dir}/.borg", ssh_key=secrets.get("ssh_key"),
                          known_hosts=secrets.get("known_hosts"))


def run_backup(server_id: int, now: str | None = None, trigger: str = "schedule") -> str:
    """One generation of the server (``now``: an ISO time standing in for the clock, for tests and
    catch-up runs). Safe to run twice: a day that already has a good generation is left alone unless
    the provider asked for this run."""
    started = utcnow()
    taken_at = datetime.fromisoformat(now) if now else started
    if taken_at.tzinfo is None:
        taken_at = taken_at.replace(tzinfo=timezone.utc)
    day = local_day(taken_at).isoformat()
    with runtime.job_session() as s:
        plan = s.execute(select(BackupPlan).where(BackupPlan.server_id == server_id)).scalar()
        server = s.get(Server, server_id)
        if plan is None or server is None:
            return f"server {server_id}: no backup plan"
        if trigger == "schedule" and s.execute(select(BackupRun.id).where(
                BackupRun.server_id == server_id, BackupRun.day == day,
                (BackupRun.trigger == "schedule") | (BackupRun.state == OK))).first():
            return f"server {server_id}: {day} already has a generation"
        if trigger == "retry" and s.execute(select(BackupRun.id).where(
                BackupRun.server_id == server_id, BackupRun.day == day,
                (BackupRun.trigger == "retry") | (BackupRun.state == OK))).first():
            return f"server {server_id}: {day} was already tried again"
        run = BackupRun(server_id=server_id, day=day, taken_at=taken_at, trigger=trigger, state=RUNNING,
                        location=location_of(plan),
                        archive=f"daily-{taken_at.astimezone(timezone.utc):%Y-%m-%dT%H%M%S}")
        s.add(run)
        s.commit()  # the run shows as running from now on
        run_id = run.id
        try:
            _take(s, server, plan, run)
        except (borg.BorgFailed, ApplyError, TransportError, OSError, RunFailed) as exc:
            s.rollback()
            return _failed(s, server_id, run_id, getattr(exc, "reason", None) or str(exc),
                           taken_at + (utcnow() - started))
        run.state, run.finished_at = OK, taken_at + (utcnow() - started)  # on the stand-in clock too
        faults.close_backup_incident(s, server_id, run.finished_at, f"backup {run.archive} succeeded")
        s.commit()
        return f"server {server_id}: {run.archive} ok, {run.original_bytes} bytes"


def _failed(s, server_id: int, run_id: int, reason: str, at: datetime) -> str:
    run = s.get(BackupRun, run_id)
    run.state, run.reason, run.finished_at = FAILED, reason[:4000], at
    faults.open_backup_incident(s, server_id, reason, run.finished_at)
    s.commit()
    return f"server {server_id}: backup failed: {reason}"


def _entries(s, server_id: int, site, mail_root: str) -> list[BackupEntry]:
    boxes: dict[int, list[str]] = {}
    for account in rows_on(s, server_id, MailAccount, live_only=True):
        boxes.setdefault(account.customer_id, []).append(account.address)
    dbs: dict[int, list[str]] = {}
    for db in rows_on(s, server_id, Database, live_only=True):
        if db.state == ProvisionState.APPLIED:
            dbs.setdefault(db.customer_id, []).append(f"{db.engine} {db.name}")
    customers = s.execute(select(Customer).where(Customer.server_id == server_id).order_by(Customer.id)).scalars()
    return [BackupEntry(reseller_id=c.reseller_id, customer_id=c.id, home=site.home(c.id),
                        mailboxes="\n".join(sorted(boxes.get(c.id, []))), databases="\n".join(dbs.get(c.id, [])),
                        home_bytes=c.disk_used_bytes) for c in customers]


def dump_path(config_dir, engine: str, name: str) -> str:
    return f"{config_dir}/{STAGING}/{engine}/{name}.sql"


def _dump_databases(driver, entries: list[BackupEntry]) -> list[str]:
    """Each database's consistent dump written on the server (the staging folder is private)."""
    written = []
    host = driver.host
    host.makedirs([f"{driver.config_dir}/{STAGING}/mariadb", f"{driver.config_dir}/{STAGING}/postgresql"], mode=0o700)
    for entry in entries:
        for engine, name in entry.database_list:
            admin = driver.db_admin.get(engine)
            if not admin:
                raise RunFailed(f"no {engine} administrator credentials for this server; {name} cannot be dumped")
            target = dump_path(driver.config_dir, engine, name)
            tool = "mariadb-dump" if engine == "mariadb" else "pg_dump"
            with database_copy._client_argv(engine, admin, host, tool) as argv:
                if engine == "mariadb":
                    argv += ["--single-transaction", "--routines", "--triggers", "--hex-blob",
                             "--default-character-set=utf8mb4", f"--result-file={target}", "--", name]
                else:
                    argv += ["--no-password", "--format=plain", "--clean", "--if-exists", "-f", target, "-d", name]
                done = host.run(argv, DUMP_TIMEOUT)
            if done.returncode != 0:
                raise RunFailed(f"dumping the {engine} database {name} failed: {done.stderr.strip()[-300:]}")
            written.append(target)
    return written


def _sources(driver, paths: list[str]) -> list[str]:
    """The folders that exist on the server, none listed inside another."""
    found = sorted(set(driver.host.device_ids(paths)))
    return [p for p in found if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in found)]


def _take(s, server: Server, plan: BackupPlan, run: BackupRun) -> None:
    secrets = open_secrets(box(), plan)
    with driver_for(server) as driver:
        site = site_for(driver)
        entries = _entries(s, server.id, site, driver.mail_root)
        with repository(driver, plan, secrets) as repo:
            if repo.init():
                seal_secrets(box(), plan, secrets | {"key_export": repo.export_key()})
                s.commit()  # the key is kept even if this first run fails later
            else:
                repo.check()
            dumps = _dump_databases(driver, entries)
            if driver.host.on_this_machine:
                dumps += panel_db.dump_panel_database(f"{driver.config_dir}/{STAGING}/panel")
            try:
                sources = _sources(driver, [site.homes_root, driver.mail_root, str(driver.config_dir)])
                target = plan.target_path.rstrip("/") + "/"
                if plan.target_kind == "path" and any(target.startswith(p.rstrip("/") + "/") for p in sources):
                    raise RunFailed(f"the backup target {plan.target_path} is inside what is backed up; "
                                    "choose a folder on another disk")
                stats = repo.create(run.archive, run.taken_at, sources,
                                    excludes=[f"{driver.config_dir}/.borg", f"{driver.config_dir}/.lock"])
            finally:
                for path in dumps:
                    driver.host.remove_file(path)
            repo.prune(plan.keep_daily)
            kept = {a.name for a in repo.archives()}
            plan.repository_bytes = repo.size_bytes()
    run.original_bytes, run.deduplicated_bytes, run.files = (stats.original_bytes, stats.deduplicated_bytes,
                                                             stats.files)
    run.entries.extend(entries)
    for old in s.execute(select(BackupRun).where(BackupRun.server_id == server.id, BackupRun.state == OK,
                                                 BackupRun.location == run.location, BackupRun.id != run.id)).scalars():
        if old.archive not in kept:
            old.state = PRUNED
