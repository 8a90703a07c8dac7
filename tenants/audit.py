"""Writing the audit log: one call per action a person takes."""
from __future__ import annotations

from tenants.models import AuditLog, Principal


def actor_label(principal: Principal | None) -> str:
    if principal is None:
        return "system"
    return f"{principal.role}:{principal.login_id}"


def record(session, actor: Principal | None, action: str, obj=None, summary: str = "", *,
           reseller_id: int | None = None, customer_id: int | None = None,
           on_behalf_of: str | None = None, address: str | None = None, details: dict | None = None) -> AuditLog:
    operator = getattr(actor, "support_operator", None)
    if operator is not None:  # support view: the operator acted, on behalf of this end user
        on_behalf_of = on_behalf_of or actor_label(actor)
        customer_id = customer_id if customer_id is not None else actor.customer_id
        reseller_id = reseller_id if reseller_id is not None else actor.reseller_id
        actor = operator
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor=actor_label(actor),
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        summary=summary,
        details=details,
        address=address,
        reseller_id=reseller_id if reseller_id is not None else getattr(obj, "reseller_id", None),
        customer_id=customer_id,
    )
    session.add(entry)
    return entry
