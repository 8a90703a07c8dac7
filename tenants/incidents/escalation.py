"""The managed terms' "night/holiday: call the emergency contact first" (障害連絡: 夜間・休日はまず
緊急連絡先) as an escalation step of the incident (issue 20): an incident that begins outside the
help desk's hours gets a timeline line saying whom to call, once; provider staff acknowledge it
with what came of the call (whom they reached, or that nobody answered), a line of its own with
who and when, audited. Until then the step shows as open on the incident page."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.incidents.deadlines import emergency_contact_first
from tenants.incidents.models import IncidentStatus
from tenants.incidents.rules import fault_recipients
from tenants.incidents.timeline import add_entry
from tenants.models import Incident, IncidentEntry, Server

CALL = "emergency_call"
ACKNOWLEDGED = "acknowledged"
MAX_NOTE = 1000


def plan_calls(session, server_id: int, now: datetime) -> int:
    """The call step of every open incident of the server that began outside the help desk's
    hours, once each; returns how many were added."""
    server = session.get(Server, server_id)
    added = 0
    for incident in session.execute(select(Incident).where(
            Incident.server_id == server_id, Incident.status == IncidentStatus.OPEN)).scalars():
        if not emergency_contact_first(incident.started_at) or _entry(session, incident, CALL) is not None:
            continue
        who = ", ".join(f"{r.label} <{r.email}>" for r in fault_recipients(session, server)) or "nobody registered"
        add_entry(session, incident, now, CALL, f"outside the help desk's hours: call the emergency contact first: {who}")
        added += 1
    session.flush()
    return added


def _entry(session, incident: Incident, kind: str) -> IncidentEntry | None:
    return session.execute(select(IncidentEntry).where(IncidentEntry.incident_id == incident.id,
                                                       IncidentEntry.kind == kind).limit(1)).scalar()


def call_pending(session, incident: Incident) -> bool:
    return _entry(session, incident, CALL) is not None and _entry(session, incident, ACKNOWLEDGED) is None


def acknowledge(session, actor, incident: Incident, note: str, now: datetime) -> IncidentEntry:
    """Staff called (or tried): what came of it, in the timeline and the audit log."""
    if not call_pending(session, incident):
        raise RuleViolation.one(N_("There is no emergency call to acknowledge on this incident."), None)
    note = " ".join((note or "").split())
    if not note:
        raise RuleViolation.one(N_("Say whom you reached, or that nobody answered."), "note")
    if len(note) > MAX_NOTE:
        raise RuleViolation.one(N_("Keep this under %(max)s characters."), "note", max=MAX_NOTE)
    who = audit.actor_label(actor)
    entry = add_entry(session, incident, now, ACKNOWLEDGED, f"{who}: {note}", ok=True)
    audit.record(session, actor, "incident.acknowledge", incident, f"emergency call of incident #{incident.id}: {note}")
    return entry
