"""Automatic remediation of open incidents, as the domain decides it (OEM spec 障害レベル1/2, managed
terms 障害レベル1).

Level 1: a DOWN service is restarted with the command configured for it (argument list, timeout),
then re-probed; like Monit, after 3 restarts within 5 cycles restarting stops and the incident is
escalated. Level 2: the host answers no ping (its icmp endpoint is DOWN) and the login check fails
→ the reboot command, once; still down after the grace period → escalated. Off when the server's
or the service's switch is off. Every step is a line in the incident's timeline; each command runs
once per incident and cycle (a unique action row is claimed, and committed by the job before it
runs the command).

    plan(session, server_id, cycle, now, interval)  -> the steps to run now, restarts and reboots
                                                       already claimed
    record(session, step, result)                   -> what the step did, in the timeline and its
                                                       action row; the steps that follow from it
                                                       (a failed login check → the reboot, claimed)

The job runs each step's command through the server's driver and re-probes a restarted service;
it decides nothing here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.incidents.deadlines import host_needs_reboot, reboot_allowed, restart_decision
from tenants.incidents.rules import add_entry, insert_once, open_incidents
from tenants.models import Incident, IncidentEntry, RemediationAction, RemediationCommand, Server, ServiceState

RESTART_TIMEOUT = 60.0   # seconds, when the command has none
LOGIN_TIMEOUT = 30.0
REBOOT_TIMEOUT = 120.0
REBOOT_GRACE_MINUTES = 10


@dataclass(frozen=True)
class Step:
    """One command to run for one incident in this cycle."""

    kind: str                    # "restart" (level 1), "login_check" or "reboot" (level 2)
    incident_id: int
    endpoint_id: int | None      # restart: the service to re-probe afterwards
    argv: tuple[str, ...]
    timeout: float               # seconds
    cycle: datetime
    at: datetime
    action_id: int | None = None         # the claimed RemediationAction row (restart, reboot)
    grace_minutes: int = REBOOT_GRACE_MINUTES  # reboot: the host is judged again after this
    then: Step | None = None             # login_check: the reboot, claimed only if the login fails

    @property
    def is_action(self) -> bool:
        """A restart or a reboot (what the incident's report lists); the login check is not."""
        return self.kind in ("restart", "reboot")


@dataclass(frozen=True)
class StepResult:
    """What running a step's command did, and for a restart what the re-probe found."""

    ok: bool
    output: str
    reprobe_up: bool | None = None
    reprobe_reason: str = ""


def command_for(session, server_id: int, endpoint_id: int | None, kind: str) -> RemediationCommand | None:
    query = select(RemediationCommand).where(RemediationCommand.server_id == server_id,
                                             RemediationCommand.kind == kind)
    query = query.where(RemediationCommand.endpoint_id.is_(None) if endpoint_id is None
                        else RemediationCommand.endpoint_id == endpoint_id)
    return session.execute(query.limit(1)).scalar()


def plan(session, server_id: int, cycle: datetime, now: datetime, interval: timedelta) -> list[Step]:
    """The remediation steps for the server's open incidents in ``cycle``: level 2 for an
    unreachable host, otherwise level 1 for each DOWN service. Restarts come back claimed; a
    reboot is claimed when its login check is recorded as failed."""
    server = session.get(Server, server_id)
    incidents = open_incidents(session, server_id)
    host_down = [i for i in incidents if i.kind == "host"]
    if host_down:
        steps = [plan_reboot(session, server, i, cycle, now) for i in host_down]
    else:
        steps = [plan_restart(session, server, i, cycle, now, interval) for i in incidents]
    return [step for step in steps if step is not None]


# OEM spec 障害レベル1: サービスの再起動 (bounded: 3 restarts within 5 cycles, then escalate)
def plan_restart(session, server: Server, incident: Incident, cycle: datetime, now: datetime,
                 interval: timedelta) -> Step | None:
    command = command_for(session, server.id, incident.endpoint_id, "restart")
    if switched_off(session, server, incident, command, "restart", now):
        return None
    assert command is not None  # switched_off() without a command
    if not checked_since_last_restart(session, incident):
        return None
    done = list(session.execute(select(RemediationAction.cycle).where(
        RemediationAction.endpoint_id == incident.endpoint_id, RemediationAction.kind == "restart")).scalars())
    decision = restart_decision(done, cycle, interval)
    if decision.escalate and not incident.escalated:
        incident.escalated = True
        add_once(session, incident, "escalated", now, f"{decision.recent} restarts within 5 cycles did not bring "
                 f"{incident.subject} back: automatic restarts stopped", ok=False)
    if not decision.restart:
        return None
    action = RemediationAction(incident_id=incident.id, server_id=server.id, endpoint_id=incident.endpoint_id,
                               level=1, kind="restart", cycle=cycle, at=now, argv=list(command.argv))
    if not insert_once(session, action):
        return None
    return Step("restart", incident.id, incident.endpoint_id, tuple(command.argv),
                command.timeout_seconds or RESTART_TIMEOUT, cycle, now, action_id=action.id)


# OEM spec 障害レベル2: ログインできない場合 → 基盤再起動; then re-check after the grace period
def plan_reboot(session, server: Server, incident: Incident, cycle: datetime, now: datetime) -> Step | None:
    """The login check, carrying the reboot that follows when the login fails; nothing while a
    reboot's grace period runs, and escalation once it ran out with the host still down."""
    command = command_for(session, server.id, None, "reboot")
    if switched_off(session, server, incident, command, "reboot", now):
        return None
    assert command is not None  # switched_off() without a command
    grace = command.grace_minutes or REBOOT_GRACE_MINUTES
    last = session.execute(select(RemediationAction.at).where(
        RemediationAction.incident_id == incident.id, RemediationAction.kind == "reboot")
        .order_by(RemediationAction.at.desc()).limit(1)).scalar()
    if last is not None:
        if reboot_allowed(last, now, timedelta(minutes=grace)) and not incident.escalated:
            incident.escalated = True
            add_once(session, incident, "escalated", now, "the host is still unreachable after the reboot", ok=False)
        return None
    login = command_for(session, server.id, None, "login")
    if login is None or not login.argv:
        add_once(session, incident, "remediation_off", now, "no login check configured: not rebooting")
        return None
    reboot = Step("reboot", incident.id, None, tuple(command.argv), command.timeout_seconds or REBOOT_TIMEOUT,
                  cycle, now, grace_minutes=grace)
    return Step("login_check", incident.id, None, tuple(login.argv), login.timeout_seconds or LOGIN_TIMEOUT,
                cycle, now, then=reboot)


def record(session, step: Step, result: StepResult) -> list[Step]:
    """Record what a step did; returns the steps that follow from it (claimed). Nothing when
    provider staff removed the endpoint while the step ran: its incident and action went with it."""
    if session.execute(select(Incident.id).where(Incident.id == step.incident_id)).first() is None:
        return []
    incident = session.get(Incident, step.incident_id)
    if step.kind == "login_check":
        add_entry(session, incident, step.at, "login_check",
                  result.output or ("logged in" if result.ok else "failed"), result.ok)
        if step.then is None or not host_needs_reboot(ping_up=False, login_ok=result.ok):
            return []
        reboot = step.then
        action = RemediationAction(incident_id=incident.id, server_id=incident.server_id, endpoint_id=None,
                                   level=2, kind="reboot", cycle=reboot.cycle, at=reboot.at, argv=list(reboot.argv))
        return [replace(reboot, action_id=action.id)] if insert_once(session, action) else []
    action = session.get(RemediationAction, step.action_id)
    action.ok, action.output = result.ok, result.output
    line = f"{' '.join(step.argv)}: {result.output or 'ok'}"
    if step.kind == "restart":
        action.reprobe_up = result.reprobe_up
        add_entry(session, incident, step.at, "restart", line, result.ok)
        add_entry(session, incident, step.at, "reprobe", f"{incident.subject}: {result.reprobe_reason}",
                  result.reprobe_up)
    else:
        add_entry(session, incident, step.at, "reboot", f"{line}; re-check after {step.grace_minutes} min", result.ok)
    return []


def add_once(session, incident: Incident, kind: str, at: datetime, detail: str, ok: bool | None = None) -> None:
    """A timeline line written once per incident (escalated, remediation_off)."""
    seen = session.execute(select(IncidentEntry.id).where(IncidentEntry.incident_id == incident.id,
                                                          IncidentEntry.kind == kind)).first()
    if seen is None:
        add_entry(session, incident, at, kind, detail, ok)


def switched_off(session, server: Server, incident: Incident, command: RemediationCommand | None,
                 what: str, at: datetime) -> bool:
    """Remediation is off for this incident: the server's switch, no command, or the service's switch."""
    if not server.auto_remediation:
        add_once(session, incident, "remediation_off", at, "automatic remediation is off for this server")
    elif command is None or not command.argv:
        add_once(session, incident, "remediation_off", at, f"no {what} command configured")
    elif not command.enabled:
        add_once(session, incident, "remediation_off", at, "automatic remediation is off for this service")
    else:
        return False
    return True


def checked_since_last_restart(session, incident: Incident) -> bool:
    """Restart again only after monitoring has checked the service since the last restart (the
    restarted service may be fine and merely not re-checked yet)."""
    last = session.execute(select(RemediationAction.at).where(
        RemediationAction.endpoint_id == incident.endpoint_id, RemediationAction.kind == "restart")
        .order_by(RemediationAction.at.desc()).limit(1)).scalar()
    state = session.get(ServiceState, incident.endpoint_id)
    return last is None or (state is not None and state.last_checked_at is not None and state.last_checked_at > last)
