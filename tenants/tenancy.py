"""Tenancy, enforced once and centrally (DESIGN.md "Tenancy").

Every session carries one Scope, bound once and never switched. A ``do_orm_execute`` hook adds
``with_loader_criteria`` for every tenant-scoped model; a ``before_flush`` hook stamps or verifies
``reseller_id``/``customer_id`` on what is written. A managed customer's scope (a direct
managed-service contract party) sees and writes only the models that filter by its party, nothing
else. A session with no scope refuses every query (fail closed). Provider staff and the system
(workers, CLI) bypass explicitly, and only they.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, false, inspect, select
from sqlalchemy.orm import Mapped, Session, with_loader_criteria

from tenants.errors import NotFound

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns
BYPASS = "tenant_bypass"  # execution option for the few trusted look-ups in tenants/ (login, branding)


class TenantScopeError(RuntimeError):
    """A query or write outside the session's scope: a programming error, never shown to users."""


@dataclass(frozen=True)
class Scope:
    kind: str  # provider | system | reseller | enduser | managed | anonymous
    reseller_id: int | None = None
    customer_id: int | None = None
    principal_id: int | None = None
    party_id: int | None = None  # managed: the managed-service contract party (ManagedCustomer)

    @property
    def unrestricted(self) -> bool:
        return self.kind in ("provider", "system")

    @classmethod
    def system(cls) -> "Scope":
        return cls("system")

    @classmethod
    def anonymous(cls) -> "Scope":
        return cls("anonymous")


_SCOPED_MODELS: list[type[TenantScoped]] = []


class TenantScoped:
    """Marker for models whose rows belong to a tenant. Subclasses say which rows a scope sees.

    A managed customer's scope (kind "managed", a contract party) sees nothing of a model and may
    write none of it unless the model says otherwise (PARTY_READ / PARTY_WRITE) and filters or
    checks the party itself."""

    PARTY_READ = False
    PARTY_WRITE = False

    if TYPE_CHECKING:  # each model declares its own (a model with criteria of its own may have none)
        reseller_id: Mapped[int | None]

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "__tablename__" in cls.__dict__:
            _SCOPED_MODELS.append(cls)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.reseller_id is None:
            return false()
        return cls.reseller_id == scope.reseller_id


class CustomerScoped(TenantScoped):
    """Rows owned by one end user's customer account: an end user sees only their own."""

    if TYPE_CHECKING:  # each model declares its own foreign key
        customer_id: Mapped[int | None]

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        base = super().tenant_criteria(scope)
        if scope.kind == "enduser":
            return base & (cls.customer_id == scope.customer_id)
        return base


def criteria_for(model: type[TenantScoped], scope: Scope):
    if scope.kind == "anonymous" or (scope.kind == "managed" and (not model.PARTY_READ or scope.party_id is None)):
        return false()
    return model.tenant_criteria(scope)


class ScopedSession(Session):
    @property
    def scope(self) -> Scope | None:
        return self.info.get("scope")

    def bind_scope(self, scope: Scope) -> "ScopedSession":
        current = self.info.get("scope")
        if current is not None and current != scope:
            raise TenantScopeError("a session's scope is bound once and never switched")
        self.info["scope"] = scope
        return self


@event.listens_for(ScopedSession, "do_orm_execute")
def _scope_every_query(state):
    if state.is_column_load or state.execution_options.get(BYPASS):
        return
    scope = state.session.info.get("scope")
    if scope is None:
        raise TenantScopeError("session has no scope: bind one before querying")
    if scope.unrestricted or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_criteria_options(scope, len(_SCOPED_MODELS)))


@lru_cache(maxsize=256)  # one entry per scope in use (a reseller, an end user)
def _criteria_options(scope: Scope, model_count: int) -> tuple:
    """The criteria options of one scope, built once: building ~40 criteria per statement cost
    more than the list query itself. Keyed by the model count too, so a model imported later is
    never left out."""
    return tuple(with_loader_criteria(m, criteria_for(m, scope), include_aliases=True)
                 for m in _SCOPED_MODELS[:model_count])


def _check_owner(obj, scope: Scope, is_new: bool) -> None:
    if not isinstance(obj, TenantScoped) or scope.unrestricted:
        return
    if scope.kind == "anonymous":
        raise TenantScopeError(f"anonymous session may not write {type(obj).__name__}")
    if scope.kind == "managed" and (not obj.PARTY_WRITE or scope.party_id is None):
        raise TenantScopeError(f"a managed customer may not write {type(obj).__name__}")
    hook = getattr(obj, "check_tenant_write", None)
    if hook is not None:
        hook(scope, is_new)
        return
    for attr, wanted in (("reseller_id", scope.reseller_id),
                         ("customer_id", scope.customer_id if isinstance(obj, CustomerScoped)
                          and scope.kind == "enduser" else None)):
        if wanted is None:
            continue
        if is_new and getattr(obj, attr) is None:
            setattr(obj, attr, wanted)
        if getattr(obj, attr) != wanted:
            raise TenantScopeError(f"{type(obj).__name__}.{attr} outside the session's scope")
        history = inspect(obj).attrs[attr].history
        if not is_new and history.deleted and history.deleted[0] != wanted:
            raise TenantScopeError(f"{type(obj).__name__} moved from another tenant")


@event.listens_for(ScopedSession, "before_flush")
def _stamp_and_verify(session, _ctx, _instances):
    scope = session.info.get("scope")
    if scope is None:
        if session.new or session.dirty or session.deleted:
            raise TenantScopeError("session has no scope: bind one before writing")
        return
    for obj in session.new:
        _check_owner(obj, scope, True)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _check_owner(obj, scope, False)
    for obj in session.deleted:
        _check_owner(obj, scope, False)


def get_owned_or_404(session: ScopedSession, model: type[Any], object_id) -> Any:
    """Look an object up by id within the session's scope, with the scope's filter added
    explicitly too (the identity map can hide the global criteria); misses raise NotFound.
    ``model`` is any mapped class with an ``id`` primary key; the object is of that class."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        raise NotFound(model.__name__) from None
    if not 0 < object_id <= MAX_ID:  # beyond the column's range no row can match (PostgreSQL raises)
        raise NotFound(model.__name__)
    stmt = select(model).where(model.id == object_id)
    scope = session.scope
    if scope is None:
        raise TenantScopeError("session has no scope")
    if not scope.unrestricted and issubclass(model, TenantScoped):
        stmt = stmt.where(criteria_for(model, scope))
    obj = session.execute(stmt).scalar_one_or_none()
    if obj is None:
        raise NotFound(model.__name__)
    return obj
