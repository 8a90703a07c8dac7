"""Automatic remediation of open incidents, as the domain decides it (OEM spec 障害レベル1/2, managed
terms 障害レベル1).

Level 1: a DOWN service is restarted with the command configured for it (argument list, timeout),
then re-probed; like Monit, after 3 restarts within 5 cycles restarting stops and the incident is
escalated. Level 2: the host answers no ping (its icmp endpoint is DOWN) and the login check fails
→ the host is power-cycled through its power driver, once per outage, bounded per server
(tenants.incidents.power_plan). Off when the server's or the service's switch is off. Every step is
a line in the incident's timeline; each command runs once per incident and cycle (a unique action
row is claimed, and committed by the job before it runs the command).

    plan(session, server_id, cycle, now, interval)  -> the steps to run now, restarts already claimed
    record(session, step, result)                   -> what the step did, in the timeline and its
                                                       action row; the steps that follow from it
                                                       (a failed login check → the power cycle, claimed)

The job runs each step's command through the server's driver (the power cycle through the
server's power driver) and re-probes a restarted service; it decides nothing here.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.incidents.deadlines import host_needs_reboot, restart_decision
from tenants.incidents.models import EntryKind, IncidentKind, RemediationKind
from tenants.incidents.power_plan import claim_power_cycle, plan_power, power_after_failed_login, record_power_cycle
from tenants.incidents.rules import insert_once, open_incidents
from tenants.incidents.steps import Step, StepResult, add_once, command_for
from tenants.incidents.timeline import add_entry
from tenants.models import Incident, RemediationAction, RemediationCommand, Server, ServiceState

RESTART_TIMEOUT = 60.0   # seconds, when the command has none
__all__ = ["Step", "StepResult", "command_for", "plan", "record"]


def plan(session, server_id: int, cycle: datetime, now: datetime, interval: timedelta) -> list[Step]:
    """The remediation steps for the server's open incidents in ``cycle``: level 2 for an
    unreachable host, otherwise level 1 for each DOWN service. Restarts come back claimed; a
    power cycle is claimed when its login check is recorded as failed."""
    server = session.get(Server, server_id)
    incidents = open_incidents(session, server_id)
    # level 2 is for a host that answers no ping; a host incident of "every service down" (issue 20)
    # restarts its anchor service like any other
    host_down = [i for i in incidents if i.kind == IncidentKind.HOST and i.endpoint.protocol == "icmp"]
    if host_down:
        steps = [plan_power(session, server, i, cycle, now) for i in host_down]
    else:
        steps = [plan_restart(session, server, i, cycle, now, interval) for i in incidents]
    return [step for step in steps if step is not None]


# OEM spec 障害レベル1: サービスの再起動 (bounded: 3 restarts within 5 cycles, then escalate)
def plan_restart(session, server: Server, incident: Incident, cycle: datetime, now: datetime,
                 interval: timedelta) -> Step | None:
    command = command_for(session, server.id, incident.endpoint_id, RemediationKind.RESTART)
    if switched_off(session, server, incident, command, RemediationKind.RESTART, now):
        return None
    assert command is not None  # switched_off() without a command
    if not checked_since_last_restart(session, incident):
        return None
    done = list(session.execute(select(RemediationAction.cycle).where(
        RemediationAction.endpoint_id == incident.endpoint_id, RemediationAction.kind == RemediationKind.RESTART)).scalars())
    decision = restart_decision(done, cycle, interval)
    if decision.escalate and not incident.escalated:
        incident.escalated = True
        add_once(session, incident, EntryKind.ESCALATED, now, f"{decision.recent} restarts within 5 cycles did not bring "
                 f"{incident.subject} back: automatic restarts stopped", ok=False)
    if not decision.restart:
        return None
    action = RemediationAction(incident_id=incident.id, server_id=server.id, endpoint_id=incident.endpoint_id,
                               level=1, kind=RemediationKind.RESTART, cycle=cycle, at=now, argv=list(command.argv))
    if not insert_once(session, action):
        return None
    return Step(RemediationKind.RESTART, incident.id, incident.endpoint_id, tuple(command.argv),
                command.timeout_seconds or RESTART_TIMEOUT, cycle, now, action_id=action.id)


def record(session, step: Step, result: StepResult) -> list[Step]:
    """Record what a step did; returns the steps that follow from it (claimed). Nothing when
    provider staff removed the endpoint while the step ran: its incident and action went with it."""
    if session.execute(select(Incident.id).where(Incident.id == step.incident_id)).first() is None:
        return []
    incident = session.get(Incident, step.incident_id)
    if step.kind == EntryKind.LOGIN_CHECK:
        add_entry(session, incident, step.at, EntryKind.LOGIN_CHECK,
                  result.output or ("logged in" if result.ok else "failed"), result.ok)
        if step.then is None or not host_needs_reboot(ping_up=False, login_ok=result.ok):
            return []
        return claim_power_cycle(session, incident, step.then)
    if step.kind == EntryKind.POWER_CYCLE:
        record_power_cycle(session, step, result)
        return []
    action = session.get(RemediationAction, step.action_id)
    action.ok, action.output = result.ok, result.output
    action.reprobe_up = result.reprobe_up
    add_entry(session, incident, step.at, EntryKind.RESTART, f"{' '.join(step.argv)}: {result.output or 'ok'}", result.ok)
    add_entry(session, incident, step.at, EntryKind.REPROBE, f"{incident.subject}: {result.reprobe_reason}", result.reprobe_up)
    if result.login_failed and not result.reprobe_up:  # OEM spec 障害レベル2: ログインできない → 基盤再起動
        return power_after_failed_login(session, incident, step, result.output)
    return []


def switched_off(session, server: Server, incident: Incident, command: RemediationCommand | None,
                 what: str, at: datetime) -> bool:
    """Remediation is off for this incident: the server's switch, no command, or the service's switch."""
    if not server.auto_remediation:
        add_once(session, incident, EntryKind.REMEDIATION_OFF, at, "automatic remediation is off for this server")
    elif command is None or not command.argv:
        add_once(session, incident, EntryKind.REMEDIATION_OFF, at, f"no {what} command configured")
    elif not command.enabled:
        add_once(session, incident, EntryKind.REMEDIATION_OFF, at, "automatic remediation is off for this service")
    else:
        return False
    return True


def checked_since_last_restart(session, incident: Incident) -> bool:
    """Restart again only after monitoring has checked the service since the last restart (the
    restarted service may be fine and merely not re-checked yet)."""
    last = session.execute(select(RemediationAction.at).where(
        RemediationAction.endpoint_id == incident.endpoint_id, RemediationAction.kind == RemediationKind.RESTART)
        .order_by(RemediationAction.at.desc()).limit(1)).scalar()
    state = session.get(ServiceState, incident.endpoint_id)
    return last is None or (state is not None and state.last_checked_at is not None and state.last_checked_at > last)
