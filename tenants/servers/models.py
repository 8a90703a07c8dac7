"""Servers the provider runs, and which resellers may place customers on each."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.contracts.models import Contract
from tenants.customers.models import Customer
from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import Scope, TenantScoped, TenantScopeError

SERVER_ROLES = ("all-in-one", "web", "mail", "db", "dns")


class ServerKind(enum.StrEnum):
    OEM = "oem"          # shared OEM hosting
    MANAGED = "managed"  # one managed (system-management) customer's server


class ServerStatus(enum.StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


DRIVERS = ("local", "ssh")


class ProviderWritesOnly:
    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError(f"only provider staff change {type(self).__name__}")


class Server(ProviderWritesOnly, TenantScoped, Base):
    __tablename__ = "servers"

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(253), unique=True)
    address: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="all-in-one")
    kind: Mapped[str] = mapped_column(String(16), default=ServerKind.OEM)
    driver: Mapped[str] = mapped_column(String(16), default="local")  # the transport: local | ssh
    # sealed JSON (tenants.crypto): paths, tools, DB admin credentials, the SSH private key
    driver_config_secret: Mapped[str | None] = mapped_column(Text)
    # How the panel reaches an ssh server (shown to the provider; the private key is sealed above)
    ssh_port: Mapped[int] = mapped_column(Integer, default=22, server_default="22")
    ssh_user: Mapped[str] = mapped_column(String(32), default="root", server_default="root")
    ssh_public_key: Mapped[str | None] = mapped_column(Text)        # the line to paste into authorized_keys
    host_key: Mapped[str | None] = mapped_column(Text)              # pinned at registration: "<type> <base64>"
    host_key_fingerprint: Mapped[str | None] = mapped_column(String(80))  # SHA256:… of host_key
    status: Mapped[str] = mapped_column(String(16), default=ServerStatus.ACTIVE)
    monitor_interval_minutes: Mapped[int] = mapped_column(Integer, default=10)
    auto_remediation: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    # A new domain's zone on this server (issue 16 item 6): its IPv6 address (address is the IPv4
    # one, or the only one), the mail host its MX names (empty: the host name) and the provider's
    # record template (empty: tenants.hosting.zone_template.DEFAULT_TEMPLATE)
    ipv6_address: Mapped[str | None] = mapped_column(String(64))
    mail_host: Mapped[str | None] = mapped_column(String(253))
    zone_template: Mapped[str | None] = mapped_column(Text)
    # PHP versions found on the server by the driver (issue 16), e.g. "8.2,8.3"; None: not looked yet
    php_versions: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list["ServerAssignment"]] = relationship(
        back_populates="server", cascade="all, delete-orphan")

    PARTY_READ = True  # a managed customer sees the servers its contracts cover

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        if scope.kind == "managed":
            return cls.id.in_(select(Contract.__table__.c.server_id)
                              .where(Contract.__table__.c.party_id == scope.party_id))
        if scope.kind == "enduser":
            return cls.id.in_(select(Customer.server_id).where(Customer.id == scope.customer_id))
        return cls.id.in_(select(ServerAssignment.server_id)
                          .where(ServerAssignment.reseller_id == scope.reseller_id))


class ServerAssignment(ProviderWritesOnly, TenantScoped, Base):
    __tablename__ = "server_assignments"
    __table_args__ = (UniqueConstraint("server_id", "reseller_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server: Mapped[Server] = relationship(back_populates="assignments")
    reseller = relationship("Reseller")
