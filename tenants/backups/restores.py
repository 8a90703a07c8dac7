"""Restores (issue 18 item 4): what may be restored, by whom, and how it is recorded.

- The provider restores a customer's site (its whole home, in place), a mailbox or a database
  (in place) to a chosen generation.
- The end user restores a file or folder of its own home into a new ``restored-<date>/`` folder of
  that home; nothing of theirs is overwritten.
- Nothing runs without the confirmation step (``confirmed``); every restore is audited and runs as a
  job whose progress is recorded on the BackupRestore row.
"""
from __future__ import annotations

import posixpath

from sqlalchemy import select

from tenants import audit
from tenants.backups.models import DONE, FAILED, OK, QUEUED, BackupEntry, BackupRestore, BackupRun
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation

PROVIDER_KINDS = ("site", "mailbox", "database")
ENDUSER_KINDS = ("files",)
MAX_PATH = 1000


def generations_of(session, customer_id: int) -> list[BackupEntry]:
    """The customer's restorable generations, newest first (the session's scope applies)."""
    return list(session.execute(select(BackupEntry).join(BackupRun, BackupRun.id == BackupEntry.run_id).where(
        BackupEntry.customer_id == customer_id, BackupRun.state == OK).order_by(BackupRun.taken_at.desc())).scalars())


def home_path(value: str) -> str:
    """A path relative to the home: no leading '/', no '..', normalised; RuleViolation otherwise."""
    raw = (value or "").strip()
    path = posixpath.normpath(raw) if raw else ""
    if not raw or raw.startswith("/") or len(raw) > MAX_PATH or path in (".", "") or path.startswith("..") \
            or any(ord(c) < 32 for c in raw) or "\\" in raw:
        raise RuleViolation.one(N_("Enter a file or folder of your home, such as public_html/index.html."), "path")
    return path


def _item(entry: BackupEntry, kind: str, item: str) -> str:
    if kind == "files":
        return home_path(item)
    if kind == "site":
        return ""
    if kind == "mailbox":
        if item not in entry.mailbox_list:
            raise RuleViolation.one(N_("Choose a mailbox this generation holds."), "item")
        return item
    if item not in [f"{e} {n}" for e, n in entry.database_list]:
        raise RuleViolation.one(N_("Choose a database this generation holds."), "item")
    return item


def request_restore(session, actor, entry: BackupEntry, kind: str, item: str, *, by: str,
                    confirmed: bool) -> BackupRestore:
    """Record a restore (queued for its job); refused without confirmation or with a bad item."""
    allowed = ENDUSER_KINDS if by == "enduser" else PROVIDER_KINDS + ENDUSER_KINDS
    problems: list[Problem] = []
    if kind not in allowed:
        problems.append(Problem(N_("Choose one of the listed values."), "kind"))
    if entry.run.state != OK:
        problems.append(Problem(N_("This generation can no longer be restored."), "generation"))
    if not confirmed:
        problems.append(Problem(N_("Confirm the restore first."), "confirm"))
    if problems:
        raise RuleViolation(problems)
    value = _item(entry, kind, item)
    restore = BackupRestore(reseller_id=entry.reseller_id, customer_id=entry.customer_id, entry_id=entry.id,
                            kind=kind, item=value, by=by, state=QUEUED, step="queued",
                            into=f"restored-{entry.run.day}" if kind == "files" else "")
    session.add(restore)
    session.flush()
    audit.record(session, actor, "backup.restore", restore,
                 f"restore of {kind} {value} from the generation of {entry.run.day} requested",
                 reseller_id=entry.reseller_id, customer_id=entry.customer_id)
    return restore


def request_database_copy(session, actor, box, entry: BackupEntry, item: str, new_name: str, *, confirmed: bool):
    """The end user's restore of a database of a generation into a NEW database of theirs (never
    over the live one): the new database and its user are created as on the Databases page (the
    password issued once); the job loads the generation's dump into it once it is in place.
    Returns (restore, issued password, provisioning work)."""
    from tenants.hosting.databases import create_database
    from tenants.models import Customer

    problems: list[Problem] = []
    if entry.run.state != OK:
        problems.append(Problem(N_("This generation can no longer be restored."), "generation"))
    if not confirmed:
        problems.append(Problem(N_("Confirm the restore first."), "confirm"))
    if problems:
        raise RuleViolation(problems)
    value = _item(entry, "database", item)
    engine = value.split(" ", 1)[0]
    database, password, works = create_database(session, actor, box, session.get(Customer, entry.customer_id),
                                                engine, new_name, "")
    restore = BackupRestore(reseller_id=entry.reseller_id, customer_id=entry.customer_id, entry_id=entry.id,
                            kind="database_new", item=value, by="enduser", state=QUEUED, step="queued",
                            into=database.name)
    session.add(restore)
    session.flush()
    audit.record(session, actor, "backup.restore", restore,
                 f"restore of database {value} from the generation of {entry.run.day} into {database.name} requested",
                 reseller_id=entry.reseller_id, customer_id=entry.customer_id)
    return restore, password, works


def progress(restore: BackupRestore, percent: int, step: str) -> None:
    restore.state, restore.progress, restore.step = "running", percent, step


def finish(restore: BackupRestore, failure: str | None = None) -> None:
    restore.state = FAILED if failure else DONE
    restore.failure = failure
    restore.progress = restore.progress if failure else 100
    restore.step = "failed" if failure else "done"
    restore.finished_at = utcnow()
