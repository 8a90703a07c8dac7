"""HTTPS certificates of domains (issue 17): one per domain, issued by ACME or uploaded by its
owner; and the provider's ACME accounts (one per ACME directory, the key sealed at rest). Expiry
alerts go once each through the outbox's dedup key. Rules in certificates.py."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped

ACME, OWN = "acme", "own"


class Certificate(CustomerScoped, Base):
    """A domain's certificate as the panel holds it: what is served (PEM, the key sealed and bound
    to this row) and the last attempt to get a new one. ``source``: "acme" (issued and renewed by
    the panel) or "own" (uploaded; never renewed by the panel)."""
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), unique=True)
    source: Mapped[str] = mapped_column(String(8), default=ACME)
    cert_pem: Mapped[str | None] = mapped_column(Text)          # leaf first, then the chain
    key_secret: Mapped[str | None] = mapped_column(Text)        # sealed (tenants.crypto), bound to this row
    issuer: Mapped[str | None] = mapped_column(String(400))
    names: Mapped[str] = mapped_column(Text, default="")        # one name a line (as in the certificate)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)        # the last failure, in plain words (a msgid)
    last_error_detail: Mapped[str | None] = mapped_column(Text)  # the CA's own words
    failures: Mapped[int] = mapped_column(Integer, default=0)   # failed attempts in a row (backoff)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name_list(self) -> list[str]:
        return [line for line in (self.names or "").splitlines() if line]


class AcmeAccount(Base):
    """The provider's account at one ACME directory (Let's Encrypt, its staging, a test CA)."""
    __tablename__ = "acme_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory_url: Mapped[str] = mapped_column(String(500), unique=True)
    key_secret: Mapped[str] = mapped_column(Text)               # JWK JSON, sealed, bound to the directory URL
    account_url: Mapped[str | None] = mapped_column(String(500))
    contact: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
