"""Moving a customer to another server (issue 15 item 7; OEM spec 顧客管理): the only way the server
of a customer with hosting changes. The reseller starts it on the customer page, choosing one of
the servers assigned to it; the move job (workers/jobs/hosting/move.py) copies, applies, verifies
and only then takes the customer off the old server. Each step is recorded here, so the reseller
sees how far it got and, when it failed, why (the customer is then still served from the old
server, nothing lost)."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.customers.rules import assigned, has_hosting
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.domains import new_serial
from tenants.hosting.move_models import DONE, FAILED, OPEN, QUEUED, RUNNING, CustomerMove
from tenants.models import Customer, DnsRecord, Domain, Server

STEP_LABELS = {
    "files": N_("Copy the files"), "mail": N_("Copy the mailboxes"), "databases": N_("Copy the databases"),
    "configuration": N_("Apply the configuration on the new server"), "zones": N_("Switch the zone records"),
    "verify": N_("Verify the copy"), "cleanup": N_("Remove from the old server"),
}


def latest_move(session, customer_id: int) -> CustomerMove | None:
    stmt = select(CustomerMove).where(CustomerMove.customer_id == customer_id).order_by(CustomerMove.id.desc())
    return session.execute(stmt.limit(1)).scalars().first()


def start_move(session, actor, customer: Customer, server_id) -> CustomerMove:
    """Record a move of the customer to a server assigned to its reseller (RuleViolation beside the
    field otherwise). One move at a time; the customer must be on a server and have hosting there
    (without hosting, its server is simply changed on the edit form)."""
    try:
        target = int(server_id)
    except (TypeError, ValueError):
        raise RuleViolation([Problem(N_("Choose a server assigned to you."), "to_server_id")]) from None
    if customer.server_id is None or not has_hosting(session, customer.id):
        raise RuleViolation([Problem(N_("This customer has nothing on a server to move; change its server on the "
                                        "edit form."), "to_server_id")])
    if target == customer.server_id:
        raise RuleViolation([Problem(N_("The customer is already on this server."), "to_server_id")])
    if not assigned(session, target, customer.reseller_id):
        raise RuleViolation([Problem(N_("Choose a server assigned to you."), "to_server_id")])
    current = latest_move(session, customer.id)
    if current is not None and current.state in OPEN:
        raise RuleViolation([Problem(N_("A move of this customer is already under way."), "to_server_id")])
    move = CustomerMove(reseller_id=customer.reseller_id, customer_id=customer.id,
                        from_server_id=customer.server_id, to_server_id=target, state=QUEUED)
    session.add(move)
    session.flush()
    audit.record(session, actor, "customer.move", customer, f"server {customer.server_id} -> {target}",
                 customer_id=customer.id)
    return move


def begin_step(move: CustomerMove, step: str) -> None:
    move.state, move.step = RUNNING, step


def end_step(move: CustomerMove, step: str) -> None:
    move.done_steps = ",".join([*filter(None, move.done_steps.split(",")), step])


def fail(move: CustomerMove, reason: str) -> None:
    move.state, move.failure, move.finished_at = FAILED, reason[:8000], utcnow()


def finish(move: CustomerMove, customer: Customer) -> None:
    """Verified on the new server: the customer is on it from now on (the old server is cleaned next)."""
    customer.server_id = move.to_server_id
    move.state, move.step, move.finished_at = DONE, None, utcnow()


def cleanup_unfinished(move: CustomerMove, reason: str) -> None:
    """Moved and verified, but removing the customer from the old server did not finish: the move
    stands (the customer is served from the new server) and the note says what is left there."""
    move.failure = f"removing it from the old server did not finish: {reason}"[:8000]


def target_name(session, move: CustomerMove) -> str | None:
    server = session.get(Server, move.to_server_id) if move.to_server_id else None
    return server.hostname if server else None


def switch_zone_records(session, customer_id: int, old: str, new: str) -> dict[int, str]:
    """Point the customer's A/AAAA records that name the old server's address at the new one (each
    zone's serial raised); {record id: old value}, to switch back if the move fails."""
    rows = session.execute(select(DnsRecord).where(DnsRecord.customer_id == customer_id,
                                                   DnsRecord.type.in_(("A", "AAAA")), DnsRecord.value == old,
                                                   DnsRecord.deleting.is_(False))).scalars().all()
    switched = {}
    for row in rows:
        switched[row.id], row.value = row.value, new
        row.revision += 1
        domain = session.get(Domain, row.domain_id)
        domain.dns_serial = new_serial(domain.dns_serial)
    return switched


def switch_back(session, switched: dict[int, str]) -> None:
    for record_id, value in switched.items():
        row = session.get(DnsRecord, record_id)
        if row is not None:
            row.value = value
            row.revision += 1
            domain = session.get(Domain, row.domain_id)
            domain.dns_serial = new_serial(domain.dns_serial)


def recent_moves(session, limit: int = 20) -> list[tuple[CustomerMove, str, str | None, str | None]]:
    """The latest moves with the customer's name and both servers' host names (provider's view)."""
    from sqlalchemy.orm import aliased

    source, target = aliased(Server), aliased(Server)
    stmt = (select(CustomerMove, Customer.contractor_name, source.hostname, target.hostname)
            .join(Customer, Customer.id == CustomerMove.customer_id)
            .outerjoin(source, source.id == CustomerMove.from_server_id)
            .outerjoin(target, target.id == CustomerMove.to_server_id)
            .order_by(CustomerMove.id.desc()).limit(limit))
    return [tuple(row) for row in session.execute(stmt)]
