"""The provider's restore of a whole server to one generation (issue 18: "the provider restores a
customer's site, mailbox or database (or a whole server) to a chosen generation ... never
overwriting without a confirmation step; every restore is audited and runs as a job with progress
shown").

- What comes back: every customer's home, mailboxes and databases the generation holds (of the
  customers still on that server) and the server's generated configuration; then the server's
  wanted state is applied again so its services reload (workers/jobs/backups/restore_server.py).
- The confirmation step: the provider types the server's host name; anything else refuses the
  restore and nothing is recorded or changed.
- One at a time per server; audited (``backup.restore_server``).
- Fault level 3 (managed terms 障害レベル3: バックアップからのリストア): when the server has an open
  escalated incident, the restore is recorded as that incident's level-3 remediation (a
  RemediationAction of level 3 and lines in its timeline).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants import audit
from tenants.backups.models import DONE, FAILED, OK, QUEUED, BackupRun, BackupServerRestore
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.incidents.models import EntryKind, Incident, IncidentStatus, RemediationAction, RemediationKind
from tenants.incidents.timeline import add_entry

RUNNING = "running"
LEVEL = 3


def running_restore(session, server_id: int) -> BackupServerRestore | None:
    return session.execute(select(BackupServerRestore).where(
        BackupServerRestore.server_id == server_id,
        BackupServerRestore.state.in_((QUEUED, RUNNING)))).scalar()


def _escalated_incident(session, server_id: int) -> Incident | None:
    return session.execute(select(Incident).where(
        Incident.server_id == server_id, Incident.status == IncidentStatus.OPEN, Incident.escalated.is_(True))
        .order_by(Incident.id.desc()).limit(1)).scalar()


def request_server_restore(session, actor, server, run: BackupRun | None, confirmation: str) -> BackupServerRestore:
    """Record a whole-server restore (queued for its job); RuleViolation, nothing recorded, when the
    generation is not one of the server's restorable ones or the typed name is not the server's."""
    problems: list[Problem] = []
    if run is None or run.server_id != server.id or run.state != OK:
        problems.append(Problem(N_("Choose a generation this server can be restored to."), "run"))
    if (confirmation or "").strip() != server.hostname:
        problems.append(Problem(N_("Type the server's host name exactly to confirm the restore."), "confirm"))
    if running_restore(session, server.id) is not None:
        problems.append(Problem(N_("A restore of this server is already running."), "run"))
    if problems:
        raise RuleViolation(problems)
    assert run is not None
    now = utcnow()
    incident = _escalated_incident(session, server.id)
    restore = BackupServerRestore(server_id=server.id, run_id=run.id, state=QUEUED, step="queued",
                                  incident_id=incident.id if incident else None,
                                  requested_by=audit.actor_label(actor))
    session.add(restore)
    session.flush()
    if incident is not None:
        session.add(RemediationAction(incident_id=incident.id, server_id=server.id, endpoint_id=incident.endpoint_id,
                                      level=LEVEL, kind=RemediationKind.RESTORE, cycle=now, at=now,
                                      argv=[run.archive], ok=None))
        add_entry(session, incident, now, EntryKind.RESTORE,
                  f"level 3: the whole server is being restored to the generation of {run.day} ({run.archive})")
    audit.record(session, actor, "backup.restore_server", restore,
                 f"restore of the whole server {server.hostname} to the generation of {run.day} ({run.archive}) "
                 "requested")
    return restore


def progress(restore: BackupServerRestore, percent: int, step: str) -> None:
    restore.state, restore.progress, restore.step = RUNNING, percent, step[:120]


def finish(session, restore: BackupServerRestore, summary: str, failure: str | None = None,
           at: datetime | None = None) -> None:
    """The result recorded on the restore, and on its incident's level-3 remediation if it has one."""
    at = at or utcnow()
    restore.state = FAILED if failure else DONE
    restore.summary, restore.failure, restore.finished_at = summary, failure, at
    restore.step = "failed" if failure else "done"
    if not failure:
        restore.progress = 100
    if restore.incident_id is None:
        return
    incident = session.get(Incident, restore.incident_id)
    action = session.execute(select(RemediationAction).where(
        RemediationAction.incident_id == restore.incident_id, RemediationAction.kind == RemediationKind.RESTORE,
        RemediationAction.ok.is_(None)).order_by(RemediationAction.id.desc()).limit(1)).scalar()
    if action is not None:
        action.ok, action.output = failure is None, (failure or summary)[:4000]
    if incident is not None:
        add_entry(session, incident, at, EntryKind.RESTORE,
                  f"level 3: restore of the server {'failed: ' + failure if failure else 'done: ' + summary}",
                  ok=failure is None)
