"""A server's power settings (OEM spec 障害レベル2: ログインできない場合 → 基盤再起動): which
out-of-band power driver power-cycles it — IPMI over LAN, or a command run on the panel's machine
(a hypervisor CLI) — and that driver's settings. The IPMI password is sealed at rest, bound to the
server's row, and never shown again; a blank password keeps the stored one.

    power_of(session, server_id)                  -> ServerPower | None
    level_two_available(power)                    -> whether the server can be power-cycled at all
    save_power(session, actor, box, server, data) -> ServerPower  (RuleViolation: nothing saved)
    power_password(box, power)                    -> the IPMI password, for the job only
    describe(power)                               -> "IPMI 10.0.0.5:623 as admin", for the timeline
"""
from __future__ import annotations

import ipaddress
import json
import shlex

from tenants import audit
from tenants.crypto import SecretBox
from tenants.errors import N_, Problem, RuleViolation
from tenants.incidents.remediation import parse_command
from tenants.servers.power_models import IPMI_DEFAULT_PORT, POWER_DRIVERS, ServerPower
from tenants.servers.rules import HOSTNAME

POWER_FIELDS = ("power_driver", "ipmi_host", "ipmi_port", "ipmi_user", "ipmi_password", "cycle_command",
                "status_command", "timeout_seconds", "grace_minutes")
IPMI_USER_MAX = 16      # IPMI 2.0: user names of at most 16 bytes
IPMI_PASSWORD_MAX = 20  # IPMI 2.0: passwords of at most 20 bytes
SECRET_FIELD = "power_config"


def power_of(session, server_id: int) -> ServerPower | None:
    return session.get(ServerPower, server_id)


def level_two_available(power: ServerPower | None) -> bool:
    """A server without a power driver cannot be power-cycled by the panel (level 2 is then a
    person's job); everything else about the incident goes on as usual."""
    return power is not None and power.power_driver != "none"


def describe(power: ServerPower | None) -> str:
    if not level_two_available(power):
        return "no power driver"
    assert power is not None
    if power.power_driver == "ipmi":
        return f"IPMI {power.ipmi_host}:{power.ipmi_port} as {power.ipmi_user}"
    return f"command {shlex.join(power.cycle_argv)}"


def _owner(power: ServerPower) -> str:
    return f"server:{power.server_id}"


def power_password(box: SecretBox, power: ServerPower) -> str:
    if not power.power_config_secret:
        return ""
    return json.loads(box.open(power.power_config_secret, owner=_owner(power), field=SECRET_FIELD)).get("password", "")


def _port(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else None


def _host_ok(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(HOSTNAME.match(host.lower()))


def _number(value, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _command(data: dict, name: str, problems: list[Problem]) -> list[str]:
    try:
        return parse_command(str(data.get(name) or ""), name)
    except RuleViolation as exc:
        problems.extend(exc.problems)
        return []


def _ipmi_problems(data: dict, stored_password: bool) -> list[Problem]:
    problems = []
    host = str(data.get("ipmi_host") or "").strip()
    if not host or not _host_ok(host):
        problems.append(Problem(N_("Enter the address of the server's BMC (an IP address or a host name)."),
                                "ipmi_host"))
    port = _port(data.get("ipmi_port"))
    if port is None or not 1 <= port <= 65535:
        problems.append(Problem(N_("Enter a port from 1 to 65535."), "ipmi_port"))
    user = str(data.get("ipmi_user") or "").strip()
    if not user or len(user.encode()) > IPMI_USER_MAX or not user.isprintable():
        problems.append(Problem(N_("Enter the BMC user name (at most %(max)s characters)."), "ipmi_user",
                                {"max": IPMI_USER_MAX}))
    password = str(data.get("ipmi_password") or "")
    if not password and not stored_password:
        problems.append(Problem(N_("Enter the BMC password."), "ipmi_password"))
    elif len(password.encode()) > IPMI_PASSWORD_MAX:
        problems.append(Problem(N_("IPMI passwords are at most %(max)s characters."), "ipmi_password",
                                {"max": IPMI_PASSWORD_MAX}))
    return problems


# OEM spec 障害レベル2: the power driver that carries out 基盤再起動, checked field by field
def power_problems(data: dict, current: ServerPower | None) -> tuple[list[Problem], dict]:
    """What is wrong with ``data`` (every field at once), and the values to store when nothing is."""
    driver = data.get("power_driver")
    if driver not in POWER_DRIVERS:
        return [Problem(N_("Choose one of the listed values."), "power_driver")], {}
    if driver == "none":
        return [], {"power_driver": "none"}
    problems: list[Problem] = []
    values: dict = {"power_driver": driver}
    timeout = _number(data.get("timeout_seconds"), 1, 3600)
    if timeout is None:
        problems.append(Problem(N_("Enter seconds from %(min)s to %(max)s."), "timeout_seconds", {"min": 1, "max": 3600}))
    grace = _number(data.get("grace_minutes"), 1, 240)
    if grace is None or grace != int(grace):
        problems.append(Problem(N_("Enter whole minutes from %(min)s to %(max)s."), "grace_minutes",
                                {"min": 1, "max": 240}))
    if driver == "ipmi":
        problems += _ipmi_problems(data, bool(current is not None and current.power_config_secret))
        values |= {"ipmi_host": str(data.get("ipmi_host") or "").strip(), "ipmi_port": _port(data.get("ipmi_port")),
                   "ipmi_user": str(data.get("ipmi_user") or "").strip()}
    else:
        cycle = _command(data, "cycle_command", problems)
        if not cycle and not any(p.field == "cycle_command" for p in problems):
            problems.append(Problem(N_("Enter the command that power-cycles the server."), "cycle_command"))
        values |= {"cycle_argv": cycle, "status_argv": _command(data, "status_command", problems)}
    values |= {"timeout_seconds": timeout, "grace_minutes": int(grace or 0)}
    return problems, values


def save_power(session, actor, box: SecretBox, server, data: dict) -> ServerPower:
    """Store the server's power settings; on any problem raise with every problem and change
    nothing. A blank IPMI password keeps the stored one."""
    current = power_of(session, server.id)
    problems, values = power_problems(data, current)
    if problems:
        raise RuleViolation(problems)
    power = current or ServerPower(server_id=server.id, ipmi_port=IPMI_DEFAULT_PORT, cycle_argv=[], status_argv=[])
    if current is None:
        session.add(power)
    for name, value in values.items():
        setattr(power, name, value)
    password = str(data.get("ipmi_password") or "")
    if values["power_driver"] == "ipmi" and password:
        power.power_config_secret = box.seal(json.dumps({"password": password}), owner=_owner(power),
                                             field=SECRET_FIELD)
    session.flush()
    audit.record(session, actor, "server.power", server, f"{server.hostname}: power driver {describe(power)}"
                 + (" (password changed)" if values["power_driver"] == "ipmi" and password else ""))
    return power
