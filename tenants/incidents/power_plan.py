"""Level 2 of automatic remediation (OEM spec 障害レベル2: サーバへのログインができない場合は、基盤再起動):
a host that answers no ping and whose login check fails is power-cycled through its out-of-band
power driver (tenants.servers.power) — once per outage, not again while another outage of the same
host was just power-cycled, and at most a few times per server a day
(tenants.incidents.deadlines.power_cycle_decision); beyond that an engineer must look (managed
terms 障害レベル3). Every step is a line in the incident's timeline:

    login_check      the login check failed (or worked: then nothing is power-cycled)
    power_cycle      the attempt: through which driver, and why; written when claimed, before it runs
    power_result     what the power driver reported (ok, or why not)
    host_returned    the host answers again after the power cycle, or did not within the grace period
    no_power_driver  the server has no power driver: level 2 is not available (notices go out as usual)
    escalated        no more automatic power cycles for this outage
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.calendar import to_jst
from tenants.incidents.deadlines import MAX_POWER_CYCLES, POWER_CYCLE_WINDOW, PowerDecision, power_cycle_decision
from tenants.incidents.models import EntryKind, RemediationKind
from tenants.incidents.rules import insert_once
from tenants.incidents.steps import DEFAULT_GRACE_MINUTES, Step, StepResult, add_once, command_for
from tenants.incidents.timeline import add_entry
from tenants.models import FaultReport, Incident, IncidentEntry, RemediationAction, Server
from tenants.servers.power import describe, level_two_available, power_of
from tenants.servers.power_models import ServerPower

LOGIN_TIMEOUT = 30.0
ACTION_KINDS = (RemediationKind.POWER, RemediationKind.REBOOT)  # "reboot": a host reboot command run before power drivers existed


def _cycles(session, **where) -> list[datetime]:
    query = select(RemediationAction.at).where(RemediationAction.kind.in_(ACTION_KINDS))
    for name, value in where.items():
        query = query.where(getattr(RemediationAction, name) == value)
    return list(session.execute(query).scalars())


def _decide(session, incident: Incident, power: ServerPower, now: datetime) -> PowerDecision:
    grace = timedelta(minutes=power.grace_minutes or DEFAULT_GRACE_MINUTES)
    return power_cycle_decision(_cycles(session, incident_id=incident.id),
                                _cycles(session, server_id=incident.server_id), now, grace)


def _escalate(session, incident: Incident, at: datetime, detail: str) -> None:
    incident.escalated = True
    add_once(session, incident, EntryKind.ESCALATED, at, detail, ok=False)


def _power_allowed(session, incident: Incident, now: datetime) -> ServerPower | None:
    """The server's power settings when a power cycle may run now for this outage; else None, with
    the reason in the timeline (no power driver, still in the grace period, escalated)."""
    power = power_of(session, incident.server_id)
    if power is None or not level_two_available(power):
        add_once(session, incident, EntryKind.NO_POWER_DRIVER, now, "level 2 (power cycle) is not available for this "
                 "server: no power driver is configured; the fault contacts are notified as usual")
        return None
    decision = _decide(session, incident, power, now)
    if decision.why == "not_returned":
        add_once(session, incident, EntryKind.HOST_RETURNED, now, f"the host did not answer within {power.grace_minutes} "
                 "min after the power cycle", ok=False)
        _escalate(session, incident, now, "the host is still unreachable after the power cycle: no more automatic "
                  "power cycles, an engineer must look at it (level 3)")
    elif decision.why == "budget":
        _escalate(session, incident, now, f"the server was power-cycled {MAX_POWER_CYCLES} times within "
                  f"{POWER_CYCLE_WINDOW.total_seconds() / 3600:g} h: no more automatic power cycles, an engineer "
                  "must look at it (level 3)")
    return power if decision.cycle else None


# OEM spec 障害レベル2: ログインできない場合 → 基盤再起動 (power cycle), judged again after the grace period
def plan_power(session, server: Server, incident: Incident, cycle: datetime, now: datetime) -> Step | None:
    """The login check, carrying the power cycle that follows when the login fails; nothing while
    a power cycle's grace period runs; escalation once it ran out with the host still down, or
    when the server was power-cycled too often."""
    if not server.auto_remediation:
        add_once(session, incident, EntryKind.REMEDIATION_OFF, now, "automatic remediation is off for this server")
        return None
    power = _power_allowed(session, incident, now)
    if power is None:
        return None
    login = command_for(session, server.id, None, RemediationKind.LOGIN)
    if login is None or not login.argv or not login.enabled:
        add_once(session, incident, EntryKind.REMEDIATION_OFF, now, "no login check configured (or it is switched off): "
                 "not power cycling")
        return None
    power_cycle = Step(EntryKind.POWER_CYCLE, incident.id, None, (), power.timeout_seconds, cycle, now,
                       grace_minutes=power.grace_minutes or DEFAULT_GRACE_MINUTES)
    return Step(EntryKind.LOGIN_CHECK, incident.id, None, tuple(login.argv), login.timeout_seconds or LOGIN_TIMEOUT,
                cycle, now, then=power_cycle)


# OEM spec 障害レベル2: a restart (level 1) that cannot log into the host, which still answers
# ping, is the same "cannot log in": the host is power-cycled as for an unreachable one
def power_after_failed_login(session, incident: Incident, step: Step, detail: str) -> list[Step]:
    """The login check is the restart's own failed login: written into the timeline, then the power
    cycle claimed under the same bounds as level 2 for an unreachable host."""
    add_entry(session, incident, step.at, EntryKind.LOGIN_CHECK, f"the restart could not log into the host: {detail}",
              ok=False)
    server = session.get(Server, incident.server_id)
    if not server.auto_remediation:
        return []
    power = _power_allowed(session, incident, step.at)
    if power is None:
        return []
    power_cycle = Step(EntryKind.POWER_CYCLE, incident.id, None, (), power.timeout_seconds, step.cycle, step.at,
                       grace_minutes=power.grace_minutes or DEFAULT_GRACE_MINUTES)
    return claim_power_cycle(session, incident, power_cycle, "cannot be logged into (the restart failed to log in)")


def claim_power_cycle(session, incident: Incident, step: Step,
                      why: str = "answers no ping and cannot be logged into") -> list[Step]:
    """The login check failed: claim the power cycle (one per outage: the claim is keyed on the
    outage, so a second worker or cycle finds it taken) and write the attempt into the timeline
    before the driver runs. Decided again here: another outage of the host may have been
    power-cycled since this one was planned."""
    power = power_of(session, incident.server_id)
    if power is None or not level_two_available(power) or not _decide(session, incident, power, step.at).cycle:
        return []
    action = RemediationAction(incident_id=incident.id, server_id=incident.server_id, endpoint_id=None, level=2,
                               kind=RemediationKind.POWER, cycle=incident.started_at, at=step.at,
                               argv=list(power.cycle_argv) if power.power_driver == "command" else [])
    if not insert_once(session, action):
        return []
    add_entry(session, incident, step.at, EntryKind.POWER_CYCLE, f"the host {why}: "
              f"power cycle through {describe(power)}; the host is judged again after {step.grace_minutes} min")
    return [replace(step, action_id=action.id)]


def record_power_cycle(session, step: Step, result: StepResult) -> None:
    """What the power driver reported; a power cycle that failed leaves nothing more to try."""
    incident = session.get(Incident, step.incident_id)
    action = session.get(RemediationAction, step.action_id)
    action.ok, action.output = result.ok, result.output
    add_entry(session, incident, step.at, EntryKind.POWER_RESULT, result.output or ("power cycled" if result.ok else "failed"),
              result.ok)
    if not result.ok:
        _escalate(session, incident, step.at, "the power cycle failed: an engineer must look at the server (level 3)")


def note_host_returns(session, closed: list[Incident]) -> None:
    """A host that was power-cycled answers again: a line in the timeline of its closed outage,
    and in the actions of its draft fault report."""
    for incident in closed:
        if incident.kind != "host" or incident.recovered_at is None:
            continue
        last = session.execute(select(RemediationAction.at).where(
            RemediationAction.incident_id == incident.id, RemediationAction.kind.in_(ACTION_KINDS))
            .order_by(RemediationAction.at.desc()).limit(1)).scalar()
        said = session.execute(select(IncidentEntry.id).where(
            IncidentEntry.incident_id == incident.id, IncidentEntry.kind == "host_returned",
            IncidentEntry.ok.is_(True))).first()
        if last is None or said is not None:
            continue
        minutes = max(0, int((incident.recovered_at - last).total_seconds() // 60))
        detail = f"the host answers again, {minutes} min after the power cycle"
        add_entry(session, incident, incident.recovered_at, EntryKind.HOST_RETURNED, detail, ok=True)
        report = session.execute(select(FaultReport).where(FaultReport.incident_id == incident.id)).scalar()
        if report is not None and report.sent_at is None:  # the draft written at the close
            line = f"{to_jst(incident.recovered_at):%Y-%m-%d %H:%M} host_returned: {detail}"
            report.action = "\n".join(part for part in (report.action, line) if part)
