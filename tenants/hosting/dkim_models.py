"""Mail authentication of a domain (issue 17 item 4): its DKIM keys. One key signs (``active``);
after a rotation the previous one stays published until ``retire_at`` so mail signed with it
still verifies, then it is removed. Rules in dkim.py."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime
from tenants.hosting.models import Domain, Provisioned


class DkimKey(Provisioned, Base):
    __tablename__ = "dkim_keys"
    __table_args__ = (UniqueConstraint("domain_id", "selector"),)

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    selector: Mapped[str] = mapped_column(String(63))
    key_secret: Mapped[str] = mapped_column(Text)          # private key PEM, sealed (tenants.crypto), bound to this row
    public_key: Mapped[str] = mapped_column(Text)          # base64 DER (SubjectPublicKeyInfo), the p= of the record
    active: Mapped[bool] = mapped_column(Boolean, default=True)       # signs the domain's mail
    in_our_zone: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # else: shown to copy
    retire_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # a rotated-out key: unpublished then

    domain: Mapped[Domain] = relationship()
