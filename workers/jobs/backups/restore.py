"""A restore job (tenants/backups/restores.py records it): the chosen generation extracted on the
customer's server through its driver, its progress written on the BackupRestore row.

- files:    ``borg extract`` of <home>/<path> into a new ``<home>/restored-<date>/`` folder
            (a fresh folder, never an existing one: nothing of the end user's is overwritten);
- site:     the whole home extracted in place;
- mailbox:  the maildir extracted in place;
- database: the database is created again if it is gone and the generation's dump is streamed
            (``borg extract --stdout``) into ``mariadb`` / ``psql`` on the server.
"""
from __future__ import annotations

from sqlalchemy import select

from tenants.backups import restores
from tenants.backups.models import QUEUED, BackupPlan, BackupRestore
from tenants.backups.plans import open_secrets
from tenants.models import Customer, Server
from workers import runtime
from workers.drivers import driver_for
from workers.drivers.errors import TransportError
from workers.drivers.host import borg
from workers.drivers.host.spec import ApplyError
from workers.jobs.backups import restore_db
from workers.jobs.backups.run import dump_path, repository
from workers.jobs.hosting.wanted_state import box


class RestoreFailed(Exception):
    pass


def restore_backup(restore_id: int) -> str:
    with runtime.job_session() as s:
        restore = s.get(BackupRestore, restore_id)
        if restore is None or restore.state != QUEUED:
            return f"restore {restore_id}: nothing to do"
        run = restore.entry.run
        server = s.get(Server, run.server_id)
        plan = s.execute(select(BackupPlan).where(BackupPlan.server_id == run.server_id)).scalar()
        customer = s.get(Customer, restore.customer_id)
        if server is None or plan is None or customer is None or customer.server_id != server.id:
            restores.finish(restore, "the customer is no longer on the server this generation was taken of")
            s.commit()
            return f"restore {restore_id}: refused"
        restores.progress(restore, 5, "opening the repository")
        s.commit()
        try:
            _restore(s, restore, server, plan, run.archive, run.location)
        except (borg.BorgFailed, ApplyError, TransportError, OSError, RestoreFailed) as exc:
            s.rollback()
            restore = s.get(BackupRestore, restore_id)
            restores.finish(restore, getattr(exc, "reason", None) or str(exc))
            s.commit()
            return f"restore {restore_id}: failed: {restore.failure}"
        restores.finish(restore)
        s.commit()
        return f"restore {restore_id}: done"


def _step(s, restore: BackupRestore, percent: int, step: str) -> None:
    restores.progress(restore, percent, step)
    s.commit()


def _fresh_folder(host, home: str, name: str) -> str:
    """``<home>/<name>``, or ``<name>-2``... when that exists: a restore never writes into the user's files."""
    taken = set(host.listdir(home))
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    folder = f"{home}/{candidate}"
    host.makedirs([folder], mode=0o755)
    real = host.realpaths([home, folder])
    if real[folder] != f"{real[home]}/{candidate}":
        raise RestoreFailed(f"{candidate} is not a plain folder of the home; nothing was restored")
    return folder


def _restore(s, restore: BackupRestore, server: Server, plan: BackupPlan, archive: str, location: str) -> None:
    secrets = open_secrets(box(), plan)
    entry = restore.entry
    with driver_for(server) as driver, repository(driver, plan, secrets, location) as repo:
        host = driver.host
        home = entry.home
        if restore.kind == "files":
            folder = _fresh_folder(host, home, restore.into)
            restore.into = folder.rsplit("/", 1)[1]
            _step(s, restore, 30, "restoring files")
            wanted = f"{borg.stored(home)}/{restore.item}"
            if not repo.paths_in(archive, wanted):
                raise RestoreFailed(f"{restore.item} is not in the generation of {entry.run.day}")
            repo.extract(archive, [wanted], folder, strip=len(borg.stored(home).split("/")))
        elif restore.kind == "site":
            _step(s, restore, 30, "restoring the site")
            repo.extract(archive, [borg.stored(home)], "/")
        elif restore.kind == "mailbox":
            local, domain = restore.item.rsplit("@", 1)
            maildir = f"{driver.mail_root.rstrip('/')}/{domain}/{local}"
            _step(s, restore, 30, "restoring the mailbox")
            repo.extract(archive, [borg.stored(maildir)], "/")
        elif restore.kind == "database_new":
            engine, name = restore.item.split(" ", 1)
            _step(s, restore, 20, "waiting for the new database")
            new_user = restore_db.wait_applied(s, restore.customer_id, engine, restore.into)
            _step(s, restore, 40, "loading the dump")
            dump = borg.stored(dump_path(driver.config_dir, engine, name))
            restore_db.load(driver, repo, archive, dump, engine, restore.into, owner=new_user)
        else:
            engine, name = restore.item.split(" ", 1)
            _step(s, restore, 20, "creating the database")
            user = restore_db.owner_of(s, restore.customer_id, engine, name)
            restore_db.ensure_database(driver, engine, name, user)
            _step(s, restore, 40, "loading the dump")
            dump = borg.stored(dump_path(driver.config_dir, engine, name))
            restore_db.load(driver, repo, archive, dump, engine, name)
