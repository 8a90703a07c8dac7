"""Provider-side rules for servers: registering them and assigning them to resellers."""
from __future__ import annotations

import ipaddress
import json
import re

from sqlalchemy import select

from tenants import audit
from tenants.crypto import SecretBox
from tenants.db import taken_by_other
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Customer, Reseller, Server, ServerAssignment
from tenants.servers.models import DRIVERS, SERVER_ROLES, ServerKind, ServerStatus
from tenants.servers.zone_settings import ZONE_FIELDS, zone_problems, zone_value

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
SERVER_FIELDS = ("hostname", "address", "role", "kind", "driver", "monitor_interval_minutes",
                 "auto_remediation", "notes", "status", "ipv6_address", "mail_host", "zone_template")


def _server_problems(session, data: dict, existing: Server | None) -> list[Problem]:
    problems: list[Problem] = []
    host = (data.get("hostname") or "").strip().lower()
    if not HOSTNAME.match(host):
        problems.append(Problem(N_("Enter a host name such as web01.example.jp."), "hostname"))
    elif taken_by_other(session, Server.hostname, host, existing):
        problems.append(Problem(N_("This host name is already registered."), "hostname"))
    try:
        ipaddress.ip_address((data.get("address") or "").strip())
    except ValueError:
        problems.append(Problem(N_("Enter an IPv4 or IPv6 address."), "address"))
    for name, allowed in (("role", SERVER_ROLES), ("kind", tuple(ServerKind)), ("driver", DRIVERS)):
        if data.get(name) not in allowed:
            problems.append(Problem(N_("Choose one of the listed values."), name))
    interval = data.get("monitor_interval_minutes", 10)
    if not isinstance(interval, int) or not 1 <= interval <= 60:
        problems.append(Problem(N_("Enter whole minutes from 1 to 60."), "monitor_interval_minutes"))
    if data.get("status", ServerStatus.ACTIVE) not in tuple(ServerStatus):
        problems.append(Problem(N_("Choose one of the listed values."), "status"))
    return problems + zone_problems(data)


def _apply(server: Server, data: dict) -> None:
    for name in SERVER_FIELDS:
        if name in data:
            value = data[name]
            if name == "hostname":
                value = value.strip().lower()
            elif name in ZONE_FIELDS:
                value = zone_value(name, value)
            elif isinstance(value, str):
                value = value.strip()
            setattr(server, name, value)


def seal_driver_config(box: SecretBox, server: Server, config: dict) -> None:
    """Driver settings hold credentials (DB admin passwords, SSH keys): sealed at rest."""
    server.driver_config_secret = box.seal(json.dumps(config), owner=f"server:{server.id}", field="driver_config")


def open_driver_config(box: SecretBox, server: Server) -> dict:
    if not server.driver_config_secret:
        return {}
    return json.loads(box.open(server.driver_config_secret, owner=f"server:{server.id}", field="driver_config"))


def register_server(session, actor, data: dict, box: SecretBox | None = None,
                    driver_config: dict | None = None) -> Server:
    problems = _server_problems(session, data, None)
    if problems:
        raise RuleViolation(problems)
    server = Server()
    _apply(server, data)
    session.add(server)
    session.flush()
    if driver_config is not None and box is not None:
        seal_driver_config(box, server, driver_config)
    audit.record(session, actor, "server.register", server, f"registered server {server.hostname}")
    return server


def customers_on(session, server_id: int) -> list[str]:
    """The names of the customers whose hosting is on this server (one being removed included)."""
    return list(session.execute(select(Customer.contractor_name).where(Customer.server_id == server_id)
                                .order_by(Customer.contractor_name)).scalars())


def _retire_problems(session, server: Server) -> list[Problem]:
    # Issue 15: a server is retired only once no customer is on it (move them first)
    names = customers_on(session, server.id)
    if not names:
        return []
    return [Problem(N_("Customers are still on this server: %(names)s. Move them to another server first."),
                    "status", {"names": ", ".join(names)})]


def retire_server(session, actor, server: Server) -> Server:
    """Take a server out of service: refused while customers are on it, naming them."""
    problems = _retire_problems(session, server)
    if problems:
        raise RuleViolation(problems)
    server.status = ServerStatus.RETIRED
    for assignment in list(server.assignments):  # no reseller may place a new customer on it
        server.assignments.remove(assignment)
    audit.record(session, actor, "server.retire", server, f"retired server {server.hostname}")
    return server


def update_server(session, actor, server: Server, data: dict) -> Server:
    merged = {name: getattr(server, name) for name in SERVER_FIELDS} | data
    problems = _server_problems(session, merged, server)
    if merged.get("status") == ServerStatus.RETIRED and server.status != ServerStatus.RETIRED:
        problems += _retire_problems(session, server)
    if problems:
        raise RuleViolation(problems)
    _apply(server, data)
    audit.record(session, actor, "server.update", server, f"edited server {server.hostname}")
    return server


def assign_resellers(session, actor, server: Server, reseller_ids: set[int]) -> None:
    """Which resellers may place customers on this server."""
    known = set(session.execute(select(Reseller.id).where(Reseller.id.in_(reseller_ids))).scalars())
    if known != set(reseller_ids):
        raise RuleViolation.one(N_("Unknown reseller."), "resellers")
    current = {a.reseller_id: a for a in server.assignments}
    for rid in set(current) - set(reseller_ids):
        server.assignments.remove(current[rid])
        audit.record(session, actor, "server.unassign", server, f"{server.hostname} withdrawn", reseller_id=rid)
    for rid in set(reseller_ids) - set(current):
        server.assignments.append(ServerAssignment(reseller_id=rid))
        audit.record(session, actor, "server.assign", server, f"{server.hostname} assigned", reseller_id=rid)
