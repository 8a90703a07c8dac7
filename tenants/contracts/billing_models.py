"""Invoices, their lines and payments of managed-service contracts (managed terms §20–§22). The
contract workflow's mail is in the outbox (tenants/outbox)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.contracts.models import Contract, ManagedScoped, contract_ids_of, reseller_fk
from tenants.db import Base, UTCDateTime, utcnow


def _invoice_ids_of(party_id: int):
    t = Invoice.__table__
    return select(t.c.id).where(t.c.contract_id.in_(contract_ids_of(party_id)))


class InvoiceKind(enum.StrEnum):
    MONTHLY = "monthly"
    CLOSING = "closing"  # the last one: remaining months and the early-cancellation charge (§6.4)


class Invoice(ManagedScoped, Base):
    """One invoice. A monthly invoice covers one service month (``service_month`` = its 1st day)
    and is due by the end of the month before (§20.3); a closing invoice carries the
    early-cancellation charge (§6.4). ``(contract_id, kind, service_month)`` is unique so that the
    monthly run is safe to run twice."""

    __tablename__ = "managed_invoices"
    __table_args__ = (UniqueConstraint("contract_id", "kind", "service_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=InvoiceKind.MONTHLY)
    service_month: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship()
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id")
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="Payment.id")

    @property
    def paid(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def late_damages(self) -> int:
        return sum(p.late_damages for p in self.payments)

    @property
    def balance(self) -> int:
        return self.total - self.paid


class InvoiceLine(ManagedScoped, Base):
    __tablename__ = "managed_invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("managed_invoices.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    # initial_fee | base | option | early_cancellation
    item: Mapped[str] = mapped_column(String(40))
    option_kind: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[int] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.invoice_id.in_(_invoice_ids_of(party_id))


class Payment(ManagedScoped, Base):
    """A payment received against an invoice, with the late damages it owes (§22)."""

    __tablename__ = "managed_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("managed_invoices.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    late_damages: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.invoice_id.in_(_invoice_ids_of(party_id))
