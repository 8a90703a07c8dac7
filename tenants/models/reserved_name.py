"""Names the provider keeps for itself (its nameservers, panel host names, its own domains): no
customer may register one of them, a name under one, or a name above one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError


class ReservedName(TenantScoped, Base):
    __tablename__ = "reserved_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)  # ASCII (IDNA) form, lower case
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return false()  # only provider staff and the system read the list; tenants ask tenants.hosting

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError("only provider staff change the reserved names")
