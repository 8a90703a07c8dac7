"""An incident's timeline: every step taken on it is one line (OEM spec 障害の切り分け, 報告)."""
from __future__ import annotations

from datetime import datetime

from tenants.incidents.models import Incident, IncidentEntry


def add_entry(session, incident: Incident, at: datetime, kind: str, detail: str = "",
              ok: bool | None = None) -> IncidentEntry:
    entry = IncidentEntry(incident_id=incident.id, server_id=incident.server_id, at=at, kind=kind,
                          detail=detail[:2000], ok=ok)
    session.add(entry)
    return entry
