"""A whole server restored to one generation (tenants/backups/server_restore.py records it), on the
server through its driver, its progress written on the BackupServerRestore row:

1. the generated service configuration (``config_dir``; not the backup's own dump staging, borg's
   cache, nor homes or mail stored below it) extracted in place;
2. per customer the generation holds and that is still on this server: its home and its maildirs
   extracted in place (``borg extract``; files the generation does not hold are left alone), then
   each of its databases created again if it is gone and the generation's dump streamed into it
   (restore_db.py);
3. the server's wanted state applied again, service by service, so the panel's view of the server
   is what it serves and the services reload (provisioning.locked_apply_service; when another job
   holds the server, the apply is queued instead).
Customers that have left the server and databases removed from the panel since are left out and
named in the summary.
"""
from __future__ import annotations

from sqlalchemy import select

from tenants.backups import server_restore
from tenants.backups.models import QUEUED, BackupEntry, BackupPlan, BackupServerRestore
from tenants.backups.plans import open_secrets
from tenants.hosting.wanted import SERVICES
from tenants.models import Customer, Database, Server
from workers import locks, queues, runtime
from workers.drivers import driver_for
from workers.drivers.errors import TransportError
from workers.drivers.host import borg
from workers.drivers.host.spec import ApplyError
from workers.jobs.backups import restore_db
from workers.jobs.backups.run import STAGING, dump_path, repository
from workers.jobs.hosting import provisioning
from workers.jobs.hosting.wanted_state import box, site_for


def restore_server(restore_id: int) -> str:
    with runtime.job_session() as s:
        restore = s.get(BackupServerRestore, restore_id)
        if restore is None or restore.state != QUEUED:
            return f"server restore {restore_id}: nothing to do"
        server = s.get(Server, restore.server_id)
        plan = s.execute(select(BackupPlan).where(BackupPlan.server_id == restore.server_id)).scalar()
        if server is None or plan is None:
            server_restore.finish(s, restore, "", "the server or its backup plan is gone")
            s.commit()
            return f"server restore {restore_id}: refused"
        server_restore.progress(restore, 2, "opening the repository")
        s.commit()
        notes: list[str] = []
        try:
            _restore(s, restore, server, plan, notes)
        except (borg.BorgFailed, ApplyError, TransportError, OSError) as exc:
            s.rollback()
            restore = s.get(BackupServerRestore, restore_id)
            server_restore.finish(s, restore, "; ".join(notes), getattr(exc, "reason", None) or str(exc))
            s.commit()
            return f"server restore {restore_id}: failed: {restore.failure}"
        server_restore.progress(restore, 90, "applying the server's configuration again")
        s.commit()
        notes += _apply_again(server.id)
        server_restore.finish(s, restore, "; ".join(notes))
        s.commit()
        return f"server restore {restore_id}: done: {restore.summary}"


def _step(s, restore: BackupServerRestore, percent: int, step: str) -> None:
    server_restore.progress(restore, percent, step)
    s.commit()


def _restore(s, restore: BackupServerRestore, server: Server, plan: BackupPlan, notes: list[str]) -> None:
    run = restore.run
    entries = s.execute(select(BackupEntry).where(BackupEntry.run_id == run.id).order_by(BackupEntry.customer_id)
                        ).scalars().all()
    with driver_for(server) as driver, repository(driver, plan, open_secrets(box(), plan), run.location) as repo:
        config_dir, mail_root = str(driver.config_dir).rstrip("/"), driver.mail_root.rstrip("/")
        homes_root = site_for(driver).homes_root.rstrip("/")
        _step(s, restore, 5, "restoring the service configuration")
        skip = [f"{config_dir}/{STAGING}", f"{config_dir}/.borg", f"{config_dir}/.lock", homes_root, mail_root]
        if repo.extract_present(run.archive, [borg.stored(config_dir)], "/", excludes=[borg.stored(p) for p in skip]):
            notes.append("the generation holds no service configuration")
        homes = boxes = dbs = 0
        for n, entry in enumerate(entries):
            customer = s.get(Customer, entry.customer_id)
            if customer is None or customer.server_id != server.id:
                notes.append(f"customer #{entry.customer_id} is no longer on this server: left out")
                continue
            _step(s, restore, 10 + 80 * n // max(len(entries), 1), f"restoring customer #{entry.customer_id}")
            maildirs = []
            for address in entry.mailbox_list:
                local, domain = address.rsplit("@", 1)
                maildirs.append(borg.stored(f"{mail_root}/{domain}/{local}"))
            missing = set(repo.extract_present(run.archive, [borg.stored(entry.home), *maildirs], "/"))
            homes += borg.stored(entry.home) not in missing
            boxes += len([m for m in maildirs if m not in missing])
            for engine, name in entry.database_list:
                user = s.execute(select(Database.db_user).where(
                    Database.customer_id == customer.id, Database.engine == engine, Database.name == name)).scalar()
                if user is None:
                    notes.append(f"the {engine} database {name} is no longer the customer's: left out")
                    continue
                restore_db.ensure_database(driver, engine, name, user)
                restore_db.load(driver, repo, run.archive, borg.stored(dump_path(config_dir, engine, name)),
                                engine, name)
                dbs += 1
    notes.insert(0, f"{homes} homes, {boxes} mailboxes and {dbs} databases restored from {run.day}")


def _apply_again(server_id: int) -> list[str]:
    """Each service's wanted state applied now (queued when another job holds the server)."""
    notes = []
    for service in SERVICES:
        try:
            result = provisioning.locked_apply_service(server_id, service)
        except locks.Busy:
            queues.enqueue(provisioning.apply_service, server_id, service, queue_name="provisioning")
            result = f"{service}: queued (the server was busy)"
        if "failed" in result:
            notes.append(result)
    return notes
