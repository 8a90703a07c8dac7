"""The remediation steps the domain plans and the job carries out (OEM spec 障害レベル1/2), and
what carrying one out did. Shared by level 1 (tenants.incidents.remediation_plan) and level 2
(tenants.incidents.power_plan)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from tenants.incidents.models import EntryKind, RemediationKind
from tenants.incidents.timeline import add_entry
from tenants.models import Incident, IncidentEntry, RemediationCommand

DEFAULT_GRACE_MINUTES = 10


@dataclass(frozen=True)
class Step:
    """One command to run for one incident in this cycle."""

    kind: str                    # "restart" (level 1), "login_check" or "power_cycle" (level 2)
    incident_id: int
    endpoint_id: int | None      # restart: the service to re-probe afterwards
    argv: tuple[str, ...]        # restart, login_check: the command; power_cycle: empty (the power driver acts)
    timeout: float               # seconds
    cycle: datetime
    at: datetime
    action_id: int | None = None         # the claimed RemediationAction row (restart, power_cycle)
    grace_minutes: int = DEFAULT_GRACE_MINUTES  # power_cycle: the host is judged again after this
    then: Step | None = None             # login_check: the power cycle, claimed only if the login fails

    @property
    def is_action(self) -> bool:
        """A restart or a power cycle (what the incident's report lists); the login check is not."""
        return self.kind in (RemediationKind.RESTART, EntryKind.POWER_CYCLE)


@dataclass(frozen=True)
class StepResult:
    """What running a step's command did, and for a restart what the re-probe found."""

    ok: bool
    output: str
    reprobe_up: bool | None = None
    reprobe_reason: str = ""
    login_failed: bool = False  # the command never ran: the host could not be logged into


def add_once(session, incident: Incident, kind: str, at: datetime, detail: str, ok: bool | None = None) -> None:
    """A timeline line written once per incident (escalated, remediation_off, ...)."""
    seen = session.execute(select(IncidentEntry.id).where(IncidentEntry.incident_id == incident.id,
                                                          IncidentEntry.kind == kind)).first()
    if seen is None:
        add_entry(session, incident, at, kind, detail, ok)


def command_for(session, server_id: int, endpoint_id: int | None, kind: str) -> RemediationCommand | None:
    query = select(RemediationCommand).where(RemediationCommand.server_id == server_id,
                                             RemediationCommand.kind == kind)
    query = query.where(RemediationCommand.endpoint_id.is_(None) if endpoint_id is None
                        else RemediationCommand.endpoint_id == endpoint_id)
    return session.execute(query.limit(1)).scalar()
