"""The outbox: every mail the system sends is one row here, queued by the rule that wants it sent
and sent by the one sender (workers/jobs/outbox.py), so each mail is on record with its result.

What is in it: the fault contacts' outage, recovery and fault-report notices of an incident
(OEM spec 障害連絡, 障害報告), mass-mail lock notices, overuse notices to end users and their
reseller (OEM spec コース設定), and the contract workflow's mail (managed terms).

Tenancy: a contract's mail is seen as the contract is (its reseller's operators, its own contract
party's managed-customer login); every other mail is internal (who was emailed at which address):
provider staff and the system only, so a reseller never reads another reseller's contacts from a
shared server's notices. Only provider staff and the system queue or change mail.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from tenants.contracts.models import contract_ids_of
from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"    # claimed by a sender
    SENT = "sent"
    FAILED = "failed"      # will be tried again
    GAVE_UP = "gave_up"    # out of attempts; the provider sees it


class OutboxMail(TenantScoped, Base):
    """One mail to one recipient (or one mail to several, its To line). With a ``dedup_key``, unique
    per (key, kind, recipient): exactly one outage and one recovery notice per incident and contact
    however many workers run. A worker sends only a row it claimed (pending/failed → sending in one
    conditional UPDATE)."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("dedup_key", "kind", "recipient"),)

    PARTY_READ = True  # a contract party's own mail, as its contract

    id: Mapped[int] = mapped_column(primary_key=True)
    # outage | recovery | lock | report | overuse | start_notice | suspension_notice | ...
    kind: Mapped[str] = mapped_column(String(40))
    dedup_key: Mapped[str | None] = mapped_column(String(60))  # "incident:12", "lock:5"; None: never deduplicated
    recipient: Mapped[str] = mapped_column(String(1000))       # the To line: one address, or several joined by ", "
    recipient_label: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(8), default="email", server_default="email")  # email | webhook
    sender_name: Mapped[str | None] = mapped_column(String(200))  # mail to end users: the reseller's brand
    reply_to: Mapped[str | None] = mapped_column(String(254))      # ... and its support address
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # pending | sending | sent | failed (tried again) | gave_up
    status: Mapped[str] = mapped_column(String(12), default=MailStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("managed_contracts.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id", ondelete="SET NULL"), index=True)
    # an invoice's mail: the sender attaches the invoice's PDF
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("managed_invoices.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.kind == "managed" and scope.party_id is not None:
            return cls.contract_id.in_(contract_ids_of(scope.party_id))
        if scope.kind != "reseller" or scope.reseller_id is None:
            return false()
        return cls.contract_id.is_not(None) & (cls.reseller_id == scope.reseller_id)

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError("only provider staff and the system queue or change mail")

    @property
    def given_up(self) -> bool:
        return self.status == MailStatus.GAVE_UP
