"""Invoices, their lines and payments of managed-service contracts (managed terms §20–§22) and of
the OEM service to resellers. The contract workflow's mail is in the outbox (tenants/outbox).

An issued invoice is a document: its number, lines, amounts, issuer and recipient never change.
It can be voided (a termination, §12) or reduced by a credit note (適格返還請求書) that refers to
it; both are new facts beside it, never an edit."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.contracts.models import Contract, ManagedScoped, contract_ids_of, reseller_fk
from tenants.db import Base, UTCDateTime, utcnow


def _invoice_ids_of(party_id: int):
    t = Invoice.__table__
    return select(t.c.id).where(t.c.contract_id.in_(contract_ids_of(party_id)))


class InvoiceKind(enum.StrEnum):
    MONTHLY = "monthly"
    CLOSING = "closing"  # the last one: remaining months and the early-cancellation charge (§6.4)
    OPTION_EARLY = "option_early"  # one option cancelled early on its own (§6.3, §6.4)
    EXTRA = "extra"                # a quoted extra charge (§20.1③, §20.2)
    LATE_DAMAGES = "late_damages"  # late damages of a settled invoice (§22.1)
    OEM = "oem"                    # a reseller's monthly OEM fees
    CREDIT = "credit"              # a credit note (適格返還請求書) reducing an earlier invoice


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"
    VOID = "void"  # nothing more is owed on it (e.g. a month after a termination, §12); paid stays paid


# kinds on which late damages accrue (managed terms §22.1 料金等): not late damages themselves (no
# compounding), and not OEM fees (the OEM spec sets no late damages)
DAMAGES_ACCRUE = (InvoiceKind.MONTHLY, InvoiceKind.CLOSING, InvoiceKind.OPTION_EARLY, InvoiceKind.EXTRA)


class Invoice(ManagedScoped, Base):
    """One invoice of a contract (``contract_id``) or of a reseller's OEM fees (no contract). A
    monthly invoice covers one service month (``service_month`` = its 1st day) and is due by the
    end of the month before (§20.3); a closing invoice carries the early-cancellation charge
    (§6.4). The number is unique and made from what the invoice is for, so every run that issues
    invoices is safe to repeat.

    ``qualified``: issued as a qualified invoice (適格請求書): the issuer and its registration
    number, the recipient and the tax per rate are kept as issued. Invoices issued before that
    (``qualified`` false) keep their numbers and amounts and carry no tax."""

    __tablename__ = "managed_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    # an OEM fee invoice has no contract (ManagedScoped declares it for the rows of a contract)
    contract_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("managed_customers.id", ondelete="SET NULL"),
                                                 index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=InvoiceKind.MONTHLY)
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.ISSUED, index=True)
    service_month: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    subtotal: Mapped[int] = mapped_column(Integer, default=0)   # the lines, exclusive of tax
    tax: Mapped[int] = mapped_column(Integer, default=0)        # the tax of every rate
    total: Mapped[int] = mapped_column(Integer, default=0)      # what is billed: subtotal + tax
    qualified: Mapped[bool] = mapped_column(Boolean, default=True)
    tax_breakdown: Mapped[list] = mapped_column(JSON, default=list)  # [{"rate", "taxable", "tax"}]
    untaxed: Mapped[int] = mapped_column(Integer, default=0)   # items not subject to tax (対象外)
    tax_rounding: Mapped[str] = mapped_column(String(16), default="floor")
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    registration_number: Mapped[str] = mapped_column(String(14), default="")
    issuer_address: Mapped[str] = mapped_column(String(400), default="")
    issuer_phone: Mapped[str] = mapped_column(String(40), default="")
    bank_details: Mapped[str] = mapped_column(Text, default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_address: Mapped[str] = mapped_column(String(400), default="")
    recipient_email: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. the quote an extra charge refers to
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("managed_invoices.id", ondelete="SET NULL"),
                                                    index=True)
    voided_on: Mapped[date | None] = mapped_column(Date)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract | None] = relationship()
    corrects: Mapped["Invoice | None"] = relationship(remote_side=[id], foreign_keys=[corrects_id])
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.id")
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="Payment.id")
    credits: Mapped[list["Invoice"]] = relationship(
        foreign_keys=[corrects_id], viewonly=True, order_by="Invoice.id",
        primaryjoin="and_(Invoice.id == remote(Invoice.corrects_id), remote(Invoice.kind) == 'credit')")

    @property
    def paid(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def late_damages(self) -> int:
        return sum(p.late_damages for p in self.payments)

    @property
    def credited(self) -> int:
        """What credit notes referring to this invoice took off it."""
        return sum(c.total for c in self.credits if c.status == InvoiceStatus.ISSUED)

    @property
    def is_void(self) -> bool:
        return self.status == InvoiceStatus.VOID

    @property
    def payable(self) -> bool:
        return not self.is_void and self.kind != InvoiceKind.CREDIT

    @property
    def balance(self) -> int:
        """What is still owed: nothing on a voided invoice or a credit note."""
        if not self.payable:
            return 0
        return self.total - self.paid - self.credited

    @property
    def payer_key(self) -> str:
        """Who pays it: a contract party ("p<id>") or, for OEM fees, a reseller ("r<id>")."""
        return f"p{self.party_id}" if self.party_id is not None else f"r{self.reseller_id}"


class InvoiceLine(ManagedScoped, Base):
    __tablename__ = "managed_invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("managed_invoices.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    # initial_fee | base | option | early_cancellation | extra | late_damages | oem_plan | oem_server
    item: Mapped[str] = mapped_column(String(40))
    option_kind: Mapped[str | None] = mapped_column(String(40))
    option_id: Mapped[int | None] = mapped_column(Integer, index=True)  # whose early charge this is
    description: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[int] = mapped_column(Integer)  # yen, exclusive of tax
    tax_rate: Mapped[int | None] = mapped_column(Integer)  # percent; None: not subject to tax (対象外)
    period_from: Mapped[date | None] = mapped_column(Date)  # the transaction's date or period
    period_to: Mapped[date | None] = mapped_column(Date)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.invoice_id.in_(_invoice_ids_of(party_id))


class Payment(ManagedScoped, Base):
    """The part of a receipt (money received) applied to one invoice, with the late damages it
    owes (§22): paid ``days_late`` days after the due date."""

    __tablename__ = "managed_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("managed_invoices.id", ondelete="CASCADE"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("managed_receipts.id", ondelete="CASCADE"), index=True)
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
