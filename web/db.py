"""One database session per request, bound once to the logged-in principal's scope."""
from __future__ import annotations

from flask import current_app, g
from flask_login import current_user

from tenants.models import Role
from tenants.tenancy import Scope


def scope_for(principal) -> Scope:
    if principal is None or not getattr(principal, "is_authenticated", False):
        return Scope.anonymous()
    if principal.role == Role.PROVIDER.value:
        return Scope("provider", principal_id=principal.id)
    if principal.role == Role.OPERATOR.value:
        return Scope("reseller", reseller_id=principal.reseller_id, principal_id=principal.id)
    if principal.role == Role.MANAGED.value:
        return Scope("managed", party_id=principal.managed_customer_id, principal_id=principal.id)
    return Scope("enduser", reseller_id=principal.reseller_id, customer_id=principal.customer_id,
                 principal_id=principal.id)


def db():
    """The request's session. Its scope is the current principal's, fixed at first use."""
    if "db" not in g:
        session = current_app.extensions["panel.sessions"]()
        g.db = session.bind_scope(scope_for(current_user._get_current_object()))
    return g.db


def close_db(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def system_session():
    """A session with the system scope, for trusted look-ups outside a principal (login, loaders)."""
    return current_app.extensions["panel.sessions"]().bind_scope(Scope.system())
