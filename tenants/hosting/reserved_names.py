"""Names the provider keeps for itself: its nameservers, panel host names and its own domains.

No customer may register a reserved name, a name under it or a name above it, because the
customer's zone and site would then answer for the provider's names on the shared nameservers and
web servers. Every reseller's own panel host name (``Reseller.panel_host``) is kept the same way
without being listed. Provider staff edit the list; a name some customers already hold may still
be reserved, and the provider is told which of their domains conflict.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting import hostnames
from tenants.hosting.wanted import overlapping, taken_anywhere
from tenants.models import Domain, Reseller, ReservedName

NOTE_LENGTH = 200
SHOWN_CONFLICTS = 10


@dataclass(frozen=True)
class Conflicts:
    """Customers' domains equal to, under or above a reserved name: how many, and the first few
    as "name (reseller code)"."""
    count: int
    examples: list[str]


def is_reserved(session, ascii_name: str) -> bool:
    """Whether a customer's domain would equal, sit under or sit above a reserved name or a
    reseller's panel host name. Any session may ask; it learns only yes or no."""
    return (taken_anywhere(session, ReservedName, overlapping(ReservedName.name, ascii_name))
            or taken_anywhere(session, Reseller, overlapping(Reseller.panel_host, ascii_name)))


def listed(session) -> list[ReservedName]:
    return list(session.execute(select(ReservedName).order_by(ReservedName.name)).scalars())


def panel_hosts(session) -> list[tuple[str, str]]:
    """(host name, reseller code) of every reseller's own panel host name, kept automatically."""
    stmt = select(Reseller.panel_host, Reseller.code).where(Reseller.panel_host.is_not(None))
    return [(host, code) for host, code in session.execute(stmt.order_by(Reseller.panel_host))]


def conflicts(session, ascii_name: str) -> Conflicts:
    """Customers' domains that clash with reserving ``ascii_name`` (provider staff only)."""
    where = overlapping(Domain.name, ascii_name)
    count = session.scalar(select(func.count()).select_from(Domain).where(where)) or 0
    rows = session.execute(select(Domain.name, Reseller.code).join(Reseller, Reseller.id == Domain.reseller_id)
                           .where(where).order_by(Domain.name).limit(SHOWN_CONFLICTS))
    return Conflicts(count, [f"{hostnames.to_unicode(name)} ({code})" for name, code in rows])


def reserve(session, actor, name: str, note: str = "") -> tuple[ReservedName, Conflicts]:
    """Add a name to the list (IDN kept in its ASCII form); refuses invalid names, public suffixes
    and names already listed. Returns the new row and the customers' domains it conflicts with."""
    ascii_name = hostnames.hostable_domain(name, "name")
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise RuleViolation.one(N_("A note may have at most %(n)s characters."), "note", n=NOTE_LENGTH)
    if session.scalar(select(ReservedName.id).where(ReservedName.name == ascii_name)) is not None:
        raise RuleViolation.one(N_("%(name)s is already reserved."), "name", name=hostnames.to_unicode(ascii_name))
    row = ReservedName(name=ascii_name, note=note)
    session.add(row)
    session.flush()
    found = conflicts(session, ascii_name)
    audit.record(session, actor, "reserved_name.add", row, f"reserved {ascii_name}",
                 details={"conflicting_domains": found.count} if found.count else None)
    return row, found


def release(session, actor, row: ReservedName) -> None:
    """Take a name off the list: customers may register it (and the names around it) again."""
    audit.record(session, actor, "reserved_name.delete", row, f"released {row.name}")
    session.delete(row)
