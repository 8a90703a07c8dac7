"""Work requests (作業依頼, managed terms §18) and complaints (苦情受付, §31).

A reseller operator whose reseller is the contract party, or a direct customer's own managed
login, may file a work request, object to or accept completed work and file a complaint for its
own contracts; everything else is the provider's."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.contracts.models import Contract, ManagedScoped, contract_ids_of, party_of_contract, reseller_fk
from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScopeError


class _CustomerMayFile:
    PARTY_WRITE = True

    if TYPE_CHECKING:  # each model declares its own columns; one without contract_id overrides _contract_id
        contract_id: Mapped[int]
        reseller_id: Mapped[int | None]

    def _contract_id(self) -> int | None:
        return self.contract_id

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        if scope.kind == "managed":
            if party_of_contract(self, self._contract_id()) != scope.party_id:
                raise TenantScopeError(f"{type(self).__name__} outside the managed customer's party")
            return
        if scope.kind != "reseller" or self.reseller_id is None or self.reseller_id != scope.reseller_id:
            raise TenantScopeError(f"{type(self).__name__} outside the session's scope")


class WorkStatus(enum.StrEnum):
    """A work request's way (managed terms §18)."""
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"   # waiting for inspection
    OBJECTED = "objected"
    DONE = "done"             # inspected (or deemed inspected)


class WorkRequest(_CustomerMayFile, ManagedScoped, Base):
    __tablename__ = "managed_work_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=WorkStatus.REQUESTED, index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    target_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)     # completion notified (email)
    first_completed_on: Mapped[date | None] = mapped_column(Date)  # for "met its target"
    inspected_on: Mapped[date | None] = mapped_column(Date)     # accepted by the customer / deemed
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship()
    events: Mapped[list["WorkRequestEvent"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="WorkRequestEvent.id")

    @property
    def met_target(self) -> bool | None:
        if self.target_on is None or self.first_completed_on is None:
            return None
        return self.first_completed_on <= self.target_on


class WorkRequestEvent(_CustomerMayFile, ManagedScoped, Base):
    __tablename__ = "managed_work_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("managed_work_requests.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[WorkRequest] = relationship(back_populates="events")

    @classmethod
    def party_criteria(cls, party_id: int):
        t = WorkRequest.__table__
        return cls.request_id.in_(select(t.c.id).where(t.c.contract_id.in_(contract_ids_of(party_id))))

    def _contract_id(self) -> int | None:
        return self.request.contract_id if self.request is not None else None


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    ANSWERED = "answered"
    CLOSED = "closed"


class Complaint(_CustomerMayFile, ManagedScoped, Base):
    """A formal complaint (苦情) and our response (managed terms §31)."""

    __tablename__ = "managed_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    received_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.RECEIVED)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship()
