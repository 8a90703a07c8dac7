"""The provider's remediation settings: the restart command of each monitored service (level 1) and
the login check of the host (level 2), each with its timeout and on/off switch (OEM spec 障害レベル
1/2); the host's power driver, which power-cycles it at level 2, is a server setting
(tenants.servers.power). Commands are argument lists, never shell lines."""
from __future__ import annotations

import shlex

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, Problem, RuleViolation
from tenants.incidents.models import RemediationKind
from tenants.models import MonitoredEndpoint, RemediationCommand, Server

HOST_KINDS = ("login",)


def commands_of(session, server_id: int) -> dict[str, RemediationCommand]:
    """The server's commands by target: "restart:<endpoint id>", "login"."""
    out = {}
    for c in session.execute(select(RemediationCommand).where(RemediationCommand.server_id == server_id)).scalars():
        out[f"restart:{c.endpoint_id}" if c.kind == RemediationKind.RESTART else c.kind] = c
    return out


def parse_target(session, server: Server, target: str) -> tuple[str, int | None]:
    if target in HOST_KINDS:
        return target, None
    kind, _, endpoint_id = target.partition(":")
    if kind == RemediationKind.RESTART and endpoint_id.isdigit():
        endpoint = session.get(MonitoredEndpoint, int(endpoint_id))
        if endpoint is not None and endpoint.server_id == server.id:
            return "restart", endpoint.id
    raise RuleViolation.one(N_("Choose one of the listed values."), "target")


def parse_command(line: str, field: str = "command") -> list[str]:
    """A command line split like a shell would split words, but run without one."""
    try:
        argv = shlex.split(line or "")
    except ValueError:
        raise RuleViolation.one(N_("Check the quotes in this command."), field) from None
    if argv and not argv[0].startswith("/"):
        raise RuleViolation.one(N_("Give the program with its full path, e.g. /usr/sbin/service."), field)
    return argv


def save_command(session, actor, server: Server, target: str, data: dict) -> RemediationCommand:
    kind, endpoint_id = parse_target(session, server, target)
    argv = parse_command(data.get("command", ""))
    problems = []
    timeout = data.get("timeout_seconds") or 0
    if not 1 <= timeout <= 3600:
        problems.append(Problem(N_("Enter seconds from %(min)s to %(max)s."), "timeout_seconds", {"min": 1, "max": 3600}))
    if problems:
        raise RuleViolation(problems)
    current = commands_of(session, server.id).get(target)
    if current is None:
        current = RemediationCommand(server_id=server.id, endpoint_id=endpoint_id, kind=kind)
        session.add(current)
    current.argv, current.timeout_seconds = argv, float(timeout)
    current.enabled = bool(data.get("enabled"))
    session.flush()
    audit.record(session, actor, "remediation.save", server, f"{target}: {' '.join(argv) or '(none)'}"
                 f"{'' if current.enabled else ' (off)'}")
    return current
