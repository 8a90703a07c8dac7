"""The provider's billing records beside the invoices: the issuer's settings, money received
(receipts) and its application to invoices, bank-statement lines waiting for review, and the OEM
fees each reseller pays.

Tenancy: the settings and the bank statement are the provider's alone (a statement names every
payer). A receipt is seen as its payer's invoices are: its reseller's operators, its own contract
party's managed-customer login. A reseller's operators read their own OEM fees. Only provider
staff and the system write any of them.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.contracts.models import ManagedScoped, reseller_fk
from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class ProviderBillingOnly(TenantScoped):
    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return false()

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError(f"only provider staff change {type(self).__name__}")


class BillingSettings(ProviderBillingOnly, Base):
    """The issuer of every invoice (one row): what a qualified invoice must state about it, how
    tax is rounded, when overdue invoices are chased and when late damages fall due. Each invoice
    keeps a copy of what was set when it was issued."""

    __tablename__ = "billing_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    registration_number: Mapped[str] = mapped_column(String(14), default="")  # T + 13 digits
    issuer_address: Mapped[str] = mapped_column(String(400), default="")
    issuer_phone: Mapped[str] = mapped_column(String(40), default="")
    bank_details: Mapped[str] = mapped_column(Text, default="")
    tax_rounding: Mapped[str] = mapped_column(String(16), default="floor")
    # business days after the due date on which an open invoice is chased, e.g. [3, 10]
    reminder_days: Mapped[list] = mapped_column(JSON, default=list)
    late_damages_due_days: Mapped[int] = mapped_column(Integer, default=14)  # §22.1 当社が指定する期日
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReceiptSource(enum.StrEnum):
    MANUAL = "manual"
    BANK = "bank"  # a reviewed line of an imported bank statement


class Receipt(ManagedScoped, Base):
    """Money received from one payer (a contract party, or a reseller for its OEM fees). What is
    not applied to invoices is held as the payer's credit, never dropped."""

    __tablename__ = "managed_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("managed_customers.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = reseller_fk()
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default=ReceiptSource.MANUAL)
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payments = relationship("Payment", order_by="Payment.id", viewonly=True)

    @classmethod
    def party_criteria(cls, party_id: int):
        return cls.party_id == party_id

    @property
    def applied(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def unapplied(self) -> int:
        return self.amount - self.applied

    @property
    def payer_key(self) -> str:
        return f"p{self.party_id}" if self.party_id is not None else f"r{self.reseller_id}"


class BankLineStatus(enum.StrEnum):
    REVIEW = "review"    # imported, waiting for the provider to confirm its match
    APPLIED = "applied"  # recorded as a receipt
    IGNORED = "ignored"  # not ours to record (e.g. a refund from a supplier)


class BankLine(ProviderBillingOnly, Base):
    """One credit line of an imported bank statement. ``fingerprint`` is unique: the same line
    imported again is recognised and recorded nothing twice."""

    __tablename__ = "bank_statement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    row_number: Mapped[int] = mapped_column(Integer)
    booked_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    payer_name: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default=BankLineStatus.REVIEW, index=True)
    proposed_payer: Mapped[str | None] = mapped_column(String(16))  # "p<party id>" | "r<reseller id>"
    proposed_invoice_ids: Mapped[list] = mapped_column(JSON, default=list)
    match: Mapped[str] = mapped_column(String(16), default="none")  # name_amount | name_only | amount_only | none
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("managed_receipts.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(100), default="")


class OemFee(TenantScoped, Base):
    """What a reseller pays the provider each month for the OEM service: a plan fee and a fee
    per server assigned to it, from ``starts_on``; invoiced monthly to ``billing_email``."""

    __tablename__ = "oem_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), unique=True)
    plan_name: Mapped[str] = mapped_column(String(100), default="")
    plan_fee: Mapped[int] = mapped_column(Integer, default=0)     # yen a month, exclusive of tax
    server_fee: Mapped[int] = mapped_column(Integer, default=0)   # yen a month per assigned server
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    billing_address: Mapped[str] = mapped_column(String(400), default="")
    payer_name: Mapped[str] = mapped_column(String(200), default="")  # 振込名義, for the bank import
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reseller = relationship("Reseller")

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError("only provider staff change OEM fees")
