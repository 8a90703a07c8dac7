"""Out-of-band power drivers (OEM spec 障害レベル2: ログインできない場合 → 基盤再起動): how the panel
power-cycles a server it cannot log into. One factory, ``power_for(server)``, picks the driver from
the server's power settings (tenants.servers.power); nothing else looks at which driver a server
has. Every driver answers with a PowerResult: ok, and a line for the incident's timeline.

    none     no power driver configured: level 2 is not available for this server
    ipmi     IPMI over LAN to the server's BMC (pyghmi): power off, then on (workers/drivers/power/ipmi.py)
    command  a configured command on the panel's machine, e.g. a hypervisor CLI (argument lists,
             never a shell; workers/drivers/power/command.py)
"""
from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import object_session

from tenants.crypto import SecretBox
from tenants.servers.power import level_two_available, power_of, power_password
from workers.drivers.power.command import CommandPower
from workers.drivers.power.ipmi import IpmiPower
from workers.drivers.power.result import PowerResult

__all__ = ["PowerDriver", "PowerResult", "power_for"]


class PowerDriver(Protocol):
    name: str

    def power_cycle(self, timeout: float) -> PowerResult:
        """Turn the server off and on again; ok when it is on again within ``timeout`` seconds."""
        ...

    def power_status(self, timeout: float) -> PowerResult:
        """The server's power state as the driver sees it ("on", "off", or what the command said)."""
        ...


class NoPower:
    """A server without a power driver: nothing the panel can do from outside."""

    name = "none"

    def power_cycle(self, timeout: float) -> PowerResult:
        return PowerResult(False, "no power driver is configured for this server")

    def power_status(self, timeout: float) -> PowerResult:
        return PowerResult(False, "no power driver is configured for this server")


def _box() -> SecretBox:
    from workers import runtime

    return SecretBox(runtime.settings().encryption_keys)


def power_for(server, box: SecretBox | None = None) -> PowerDriver:
    """The power driver configured for ``server`` (a row in a session)."""
    power = power_of(object_session(server), server.id)
    if power is None or not level_two_available(power):
        return NoPower()
    if power.power_driver == "ipmi":
        return IpmiPower(power.ipmi_host or "", power.ipmi_port, power.ipmi_user or "",
                         power_password(box or _box(), power))
    if power.power_driver == "command":
        return CommandPower(list(power.cycle_argv), list(power.status_argv))
    return NoPower()
