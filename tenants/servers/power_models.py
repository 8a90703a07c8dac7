"""How a server is power-cycled from outside when it cannot be logged into (OEM spec 障害レベル2:
基盤再起動): its out-of-band power driver and that driver's settings, one row per server.

Kept in a table of its own beside ``servers`` so the server's connection settings and its power
settings change independently. Only provider staff and the system read or write it: resellers and
end users never learn how the provider reaches its hardware.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.servers.models import ProviderWritesOnly
from tenants.tenancy import Scope, TenantScoped

POWER_DRIVERS = ("none", "ipmi", "command")  # none: level 2 is not available for this server
IPMI_DEFAULT_PORT = 623


class ServerPower(ProviderWritesOnly, TenantScoped, Base):
    """The power driver of one server: IPMI over LAN (address, port, user; the password sealed in
    ``power_config_secret``), or a command run on the panel's machine (argument lists, e.g. a
    hypervisor CLI) for the power cycle and for the power status."""

    __tablename__ = "server_power"

    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), primary_key=True)
    power_driver: Mapped[str] = mapped_column(String(16), default="none")
    ipmi_host: Mapped[str | None] = mapped_column(String(253))
    ipmi_port: Mapped[int] = mapped_column(Integer, default=IPMI_DEFAULT_PORT)
    ipmi_user: Mapped[str | None] = mapped_column(String(32))
    cycle_argv: Mapped[list] = mapped_column(JSON, default=list)
    status_argv: Mapped[list] = mapped_column(JSON, default=list)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=120.0)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=10)  # the host is judged again after this
    power_config_secret: Mapped[str | None] = mapped_column(Text)   # sealed JSON (tenants.crypto): password
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return false()  # provider staff and the system only (they bypass the criteria)
