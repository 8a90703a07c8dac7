"""Managed-service contracts (システムマネジメントサービス利用約款): the contract party, its change
history and successions, the contract itself, its options and suspensions.

Tenancy: these are the provider's records. A contract party that is one of our resellers carries
that reseller's id, and that reseller's operators see (read-only) their own contracts in the
business panel; a direct customer has no reseller id, and its own managed-customer login sees
(read-only) the rows of its party: the scope's party id, directly or through the contract. Only
provider staff and the system write them (work requests and complaints excepted, see
contract_service.py).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, false, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class ManagedScoped(TenantScoped):
    """Provider-side row; a reseller operator sees the rows of its own reseller, a managed
    customer the rows of its own contract party, nobody else."""

    PARTY_READ = True

    if TYPE_CHECKING:  # the rows of a contract declare it; the others have a party_criteria of their own
        contract_id: Mapped[int]

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.kind == "managed" and scope.party_id is not None:
            return cls.party_criteria(scope.party_id)
        if scope.kind != "reseller" or scope.reseller_id is None:
            return false()
        return cls.reseller_id == scope.reseller_id

    @classmethod
    def party_criteria(cls, party_id: int):
        """Rows of one contract party; by default through the row's contract."""
        return cls.contract_id.in_(contract_ids_of(party_id))

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError(f"only provider staff change {type(self).__name__}")


def contract_ids_of(party_id: int):
    """The party's contract ids, on the bare table (no loader criteria nest inside the criteria)."""
    t = Contract.__table__
    return select(t.c.id).where(t.c.party_id == party_id)


def party_of_contract(obj, contract_id: int | None) -> int | None:
    """The contract party owning ``contract_id``, read unfiltered (for the write checks)."""
    session = object_session(obj)
    if session is None or contract_id is None:
        return None
    t = Contract.__table__
    with session.no_autoflush:
        return session.execute(select(t.c.party_id).where(t.c.id == contract_id)).scalar_one_or_none()


def reseller_fk():
    return mapped_column(ForeignKey("resellers.id", ondelete="SET NULL"), index=True)


# managed terms §10.1: the contract data a customer must keep current
PARTY_FIELDS = ("name", "address", "representative", "phone", "fax", "contact_person",
                "contact_email", "billing_address", "billing_email", "payer_name", "emergency_contact")


class ManagedCustomer(ManagedScoped, Base):
    """The contract party (利用者): one of our resellers or a direct customer."""

    __tablename__ = "managed_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400), default="")
    representative: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    contact_person: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    billing_address: Mapped[str] = mapped_column(String(400), default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="")  # §10.1⑥: where invoices go
    payer_name: Mapped[str] = mapped_column(String(200), default="")  # 振込名義 on bank statements
    emergency_contact: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reseller = relationship("Reseller")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.id == party_id

    @property
    def invoice_email(self) -> str:
        """Where invoices are sent: the billing contact, else the contact address."""
        return (self.billing_email or self.contact_email or "").strip()

    changes: Mapped[list["PartyChange"]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="PartyChange.id")
    successions: Mapped[list["Succession"]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="Succession.id")


class PartyChange(ManagedScoped, Base):
    """One changed field of the contract data, as notified (managed terms §10)."""

    __tablename__ = "managed_party_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("managed_customers.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    notified_on: Mapped[date] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[ManagedCustomer] = relationship(back_populates="changes")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.party_id == party_id


class Succession(ManagedScoped, Base):
    """A company succession (相続・合併・分割) of the contract party (managed terms §9)."""

    __tablename__ = "managed_successions"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("managed_customers.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    successor_name: Mapped[str] = mapped_column(String(200))
    succeeded_on: Mapped[date] = mapped_column(Date)
    notified_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[ManagedCustomer] = relationship(back_populates="successions")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.party_id == party_id


class ContractStatus(enum.StrEnum):
    APPLIED = "applied"        # §5.1 申込み
    REFUSED = "refused"        # §5.2
    ACCEPTED = "accepted"      # §5.3 承諾
    NOTIFIED = "notified"      # §5.3 start-of-service notice sent
    CONFIRMED = "confirmed"    # §5.4 利用開始確認書 returned with the billing-start date
    FORMED = "formed"          # §5.4 formed on the billing-start date
    SUSPENDED = "suspended"    # §23
    CANCELLED = "cancelled"    # §11 by the customer
    TERMINATED = "terminated"  # §12 by us


class SuspensionStatus(enum.StrEnum):
    """A suspension of service (managed terms §23)."""
    SCHEDULED = "scheduled"    # notified in advance, not begun
    ACTIVE = "active"
    CURED = "cured"            # the ground was remedied
    TERMINATED = "terminated"  # the contract ended over it (§12)


class Contract(ManagedScoped, Base):
    __tablename__ = "managed_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("managed_customers.id", ondelete="RESTRICT"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.APPLIED.value, index=True)
    # the initial-settings form (初期設定申込書): applications, contacts, emergency contact, ...
    initial_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    monthly_fee: Mapped[int] = mapped_column(Integer, default=0)   # yen
    initial_fee: Mapped[int] = mapped_column(Integer, default=0)   # yen
    applied_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    refusal_ground: Mapped[str | None] = mapped_column(String(40))
    refusal_note: Mapped[str] = mapped_column(Text, default="")
    notice_sent_on: Mapped[date | None] = mapped_column(Date)
    billing_starts_on: Mapped[date | None] = mapped_column(Date)
    formed_on: Mapped[date | None] = mapped_column(Date)
    minimum_term_ends_on: Mapped[date | None] = mapped_column(Date)
    cancellation_notified_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    early_cancellation_charge: Mapped[int] = mapped_column(Integer, default=0)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    termination_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    party: Mapped[ManagedCustomer] = relationship()
    server = relationship("Server")
    options: Mapped[list["ContractOption"]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractOption.id")
    suspensions: Mapped[list["Suspension"]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="Suspension.id")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.party_id == party_id

    @property
    def is_running(self) -> bool:
        return self.status in (ContractStatus.FORMED.value, ContractStatus.SUSPENDED.value)


class ContractOption(ManagedScoped, Base):
    """An option of the optional-service spec, with its own start and 12-month minimum (§6.3)."""

    __tablename__ = "managed_contract_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    kind: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    minimum_term_ends_on: Mapped[date] = mapped_column(Date)
    monthly_fee: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    early_cancellation_charge: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="options")


class Suspension(ManagedScoped, Base):
    """A suspension of the service (提供の停止, managed terms §23)."""

    __tablename__ = "managed_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    ground: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SuspensionStatus.ACTIVE)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="suspensions")
