"""Automatic remediation of open incidents (OEM spec 障害レベル1/2, managed terms 障害レベル1).

Level 1: a DOWN service is restarted with the command configured for it (argument list, timeout),
then re-probed; like Monit, after 3 restarts within 5 cycles restarting stops and the incident is
escalated. Level 2: the host answers no ping (its icmp endpoint is DOWN) and the login check fails
→ the reboot command, once; still down after the grace period → escalated. Off when the server's
or the service's switch is off. Every step is a line in the incident's timeline; each command runs
once per incident and cycle (a unique action row is claimed and committed before it runs).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.incidents.deadlines import host_needs_reboot, reboot_allowed, restart_decision
from tenants.incidents.rules import insert_once, add_entry, open_incidents
from tenants.models import (Incident, IncidentEntry, MonitoredEndpoint, RemediationAction, RemediationCommand,
                            Server, ServiceState)
from tenants.monitoring.record import interval_of
from workers import drivers, runtime
from workers.drivers.local.remediation import CommandResult, run_command


def command_for(session, server_id: int, endpoint_id: int | None, kind: str) -> RemediationCommand | None:
    query = select(RemediationCommand).where(RemediationCommand.server_id == server_id,
                                             RemediationCommand.kind == kind)
    query = query.where(RemediationCommand.endpoint_id.is_(None) if endpoint_id is None
                        else RemediationCommand.endpoint_id == endpoint_id)
    return session.execute(query.limit(1)).scalar()


def _once(session, incident: Incident, kind: str, at: datetime, detail: str, ok: bool | None = None) -> None:
    """A timeline line written once per incident (escalated, remediation_off)."""
    seen = session.execute(select(IncidentEntry.id).where(IncidentEntry.incident_id == incident.id,
                                                          IncidentEntry.kind == kind)).first()
    if seen is None:
        add_entry(session, incident, at, kind, detail, ok)


def _run(server: Server, argv: list[str], timeout: float) -> CommandResult:
    if not drivers.reachable(server):
        return CommandResult(False, drivers.unavailable_reason(server))
    return run_command(list(argv), timeout)


def reprobe(session, server: Server, endpoint: MonitoredEndpoint) -> tuple[bool, str]:
    """Probe one endpoint now, the way the monitoring cycle does."""
    from workers.jobs.monitoring.probe_targets import probe_now

    result = probe_now(endpoint, server)
    return result.up, result.reason or ("answering" if result.up else "no answer")


def _switched_off(session, server: Server, incident: Incident, command: RemediationCommand | None,
                  what: str, at: datetime) -> bool:
    if not server.auto_remediation:
        _once(session, incident, "remediation_off", at, "automatic remediation is off for this server")
    elif command is None or not command.argv:
        _once(session, incident, "remediation_off", at, f"no {what} command configured")
    elif not command.enabled:
        _once(session, incident, "remediation_off", at, "automatic remediation is off for this service")
    else:
        return False
    return True


def _checked_since_last_restart(session, incident: Incident) -> bool:
    """Restart again only after monitoring has checked the service since the last restart (the
    restarted service may be fine and merely not re-checked yet)."""
    last = session.execute(select(RemediationAction.at).where(
        RemediationAction.endpoint_id == incident.endpoint_id, RemediationAction.kind == "restart")
        .order_by(RemediationAction.at.desc()).limit(1)).scalar()
    state = session.get(ServiceState, incident.endpoint_id)
    return last is None or (state is not None and state.last_checked_at is not None and state.last_checked_at > last)


# OEM spec 障害レベル1: サービスの再起動 (bounded: 3 restarts within 5 cycles, then escalate)
def restart_service(session, server: Server, incident: Incident, cycle: datetime, now: datetime) -> int:
    command = command_for(session, server.id, incident.endpoint_id, "restart")
    if _switched_off(session, server, incident, command, "restart", now):
        return 0
    if not _checked_since_last_restart(session, incident):
        return 0
    done = list(session.execute(select(RemediationAction.cycle).where(
        RemediationAction.endpoint_id == incident.endpoint_id, RemediationAction.kind == "restart")).scalars())
    decision = restart_decision(done, cycle, timedelta(minutes=interval_of(server, runtime.settings().monitor_interval_minutes)))
    if decision.escalate and not incident.escalated:
        incident.escalated = True
        _once(session, incident, "escalated", now, f"{decision.recent} restarts within 5 cycles did not bring "
              f"{incident.subject} back: automatic restarts stopped", ok=False)
    if not decision.restart:
        return 0
    action = RemediationAction(incident_id=incident.id, server_id=server.id, endpoint_id=incident.endpoint_id,
                               level=1, kind="restart", cycle=cycle, at=now, argv=list(command.argv))
    if not insert_once(session, action):
        return 0
    session.commit()  # claimed: another worker handling this cycle sees it and does not restart too
    result = _run(server, command.argv, command.timeout_seconds or 60.0)
    up, reason = reprobe(session, server, incident.endpoint)
    action.ok, action.output, action.reprobe_up = result.ok, result.output, up
    add_entry(session, incident, now, "restart", f"{' '.join(command.argv)}: {result.output or 'ok'}", result.ok)
    add_entry(session, incident, now, "reprobe", f"{incident.subject}: {reason}", up)
    session.commit()
    return 1


# OEM spec 障害レベル2: ログインできない場合 → 基盤再起動; then re-check after the grace period
def reboot_host(session, server: Server, incident: Incident, cycle: datetime, now: datetime) -> int:
    command = command_for(session, server.id, None, "reboot")
    if _switched_off(session, server, incident, command, "reboot", now):
        return 0
    grace = timedelta(minutes=command.grace_minutes or 10)
    last = session.execute(select(RemediationAction.at).where(
        RemediationAction.incident_id == incident.id, RemediationAction.kind == "reboot")
        .order_by(RemediationAction.at.desc()).limit(1)).scalar()
    if last is not None:
        if reboot_allowed(last, now, grace) and not incident.escalated:
            incident.escalated = True
            _once(session, incident, "escalated", now, "the host is still unreachable after the reboot", ok=False)
        return 0
    login = command_for(session, server.id, None, "login")
    if login is None or not login.argv:
        _once(session, incident, "remediation_off", now, "no login check configured: not rebooting")
        return 0
    checked = _run(server, login.argv, login.timeout_seconds or 30.0)
    add_entry(session, incident, now, "login_check", checked.output or ("logged in" if checked.ok else "failed"),
              checked.ok)
    if not host_needs_reboot(ping_up=False, login_ok=checked.ok):
        return 0
    action = RemediationAction(incident_id=incident.id, server_id=server.id, endpoint_id=None, level=2,
                               kind="reboot", cycle=cycle, at=now, argv=list(command.argv))
    if not insert_once(session, action):
        return 0
    session.commit()
    result = _run(server, command.argv, command.timeout_seconds or 120.0)
    action.ok, action.output = result.ok, result.output
    add_entry(session, incident, now, "reboot", f"{' '.join(command.argv)}: {result.output or 'ok'}; "
              f"re-check after {int(grace.total_seconds() // 60)} min", result.ok)
    session.commit()
    return 1


def remediate_server(session, server: Server, cycle: datetime, now: datetime) -> int:
    """Level 2 for an unreachable host; otherwise level 1 for each DOWN service."""
    incidents = open_incidents(session, server.id)
    host_down = [i for i in incidents if i.kind == "host"]
    if host_down:
        return sum(reboot_host(session, server, i, cycle, now) for i in host_down)
    return sum(restart_service(session, server, i, cycle, now) for i in incidents)
