"""What the dashboards show of incidents, fault reports and mass-mail locks. Every query runs in the
caller's scope: the provider sees all, a reseller its servers' incidents and its customers' locks,
an end user their own server's open incidents and their own locks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tenants.incidents.fault_reports import due_reports
from tenants.incidents.models import IncidentStatus
from tenants.mail_abuse.locks import active_locks
from tenants.models import FaultReport, Incident, MassMailLock


@dataclass
class Overview:
    open_incidents: list[Incident]
    reports: list[tuple[FaultReport, bool]]  # (report, overdue)
    locks: list[MassMailLock]

    @property
    def overdue(self) -> int:
        return sum(1 for _, late in self.reports if late)


def open_incidents(session) -> list[Incident]:
    return list(session.execute(select(Incident).where(Incident.status == IncidentStatus.OPEN)
                                .order_by(Incident.started_at.desc())).scalars())


def recent_incidents(session, limit: int = 100) -> list[Incident]:
    return list(session.execute(select(Incident).order_by(Incident.status.desc(), Incident.started_at.desc())
                                .limit(limit)).scalars())


def overview(session, today: date, *, with_reports: bool = True) -> Overview:
    return Overview(open_incidents(session), due_reports(session, today) if with_reports else [],
                    active_locks(session))


def locks(session, include_unlocked: bool = False, limit: int = 200) -> list[MassMailLock]:
    query = select(MassMailLock)
    if not include_unlocked:
        query = query.where(MassMailLock.unlocked_at.is_(None))
    return list(session.execute(query.order_by(MassMailLock.locked_at.desc()).limit(limit)).scalars())
