"""Running the remediation steps the domain planned for a server's open incidents (OEM spec 障害
レベル1/2; the rules: tenants.incidents.remediation_plan): each command through the server's driver
(one connection for all the steps of a run: this machine, or SSH to the server), the power cycle
through the server's power driver (out of band: it needs no login to the host), a restarted service
re-probed the way the monitoring cycle probes it, each result handed back to the domain to record
before the next step runs. A server that answers with another host key than the pinned one is
refused, and that refusal goes into the incident's timeline."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from tenants.db import utcnow
from tenants.incidents.models import EntryKind, RemediationKind
from tenants.incidents.remediation_plan import Step, StepResult, record
from tenants.incidents.rules import note_host_key_refused
from tenants.models import MonitoredEndpoint, Server
from workers.drivers import Driver, driver_for
from workers.drivers.errors import ApplyError, HostKeyMismatch
from workers.drivers.host.remediation import CommandResult
from workers.drivers.power import power_for

log = logging.getLogger(__name__)


def host_key_refused(session: Session, server_id: int, detail: str) -> None:
    """Record in the server's open incidents that its host key was refused (committed here)."""
    if note_host_key_refused(session, server_id, utcnow(), detail):
        session.commit()
    log.error("server %s: %s", server_id, detail)


def note_if_host_key_refused(session: Session, server_id: int, exc: BaseException) -> None:
    """What every job that reached a server does with its failure: a refused host key goes into the
    server's open incidents (the other failures are the job's own to report)."""
    if isinstance(exc, HostKeyMismatch):
        host_key_refused(session, server_id, exc.message)


def run(server: Server, driver: Driver | None, step: Step, why: str = "") -> CommandResult:
    if step.kind == EntryKind.POWER_CYCLE:
        power = power_for(server).power_cycle(step.timeout)
        return CommandResult(power.ok, power.output)
    if driver is None:
        return CommandResult(False, why)
    return driver.run_command(list(step.argv), step.timeout)


def reprobe(session: Session, server: Server, endpoint_id: int) -> tuple[bool, str]:
    """Probe one endpoint now, the way the monitoring cycle does."""
    # imported here: the panels reach this module through workers.api and need no probes loaded
    from workers.jobs.monitoring.probe_targets import probe_now

    endpoint = session.get(MonitoredEndpoint, endpoint_id)
    if endpoint is None:  # removed by provider staff while its restart ran; record() then keeps nothing
        return False, "the endpoint was removed"
    result = probe_now(endpoint, server)
    return result.up, result.reason or ("answering" if result.up else "no answer")


def carry_out(session: Session, server: Server, steps: list[Step]) -> int:
    """Run the claimed steps in order (a step's follow-up, e.g. the power cycle after a failed login
    check, runs next), committing each result; returns how many restarts and power cycles ran."""
    if not steps:
        return 0
    try:
        driver, why = driver_for(server), ""
    except ApplyError as exc:  # settings that cannot be opened: every step fails with the reason
        driver, why = None, exc.message
    todo, actions = list(steps), 0
    try:
        while todo:
            step = todo.pop(0)
            done = run(server, driver, step, why)
            if done.refused_host_key:
                host_key_refused(session, server.id, done.output)
            result = StepResult(done.ok, done.output)
            if step.kind == RemediationKind.RESTART:
                assert step.endpoint_id is not None  # a restart is planned for one service's endpoint
                up, reason = reprobe(session, server, step.endpoint_id)
                result = StepResult(done.ok, done.output, up, reason, done.login_failed)
            todo[:0] = record(session, step, result)
            session.commit()  # a follow-up is claimed before its command runs
            actions += step.is_action
    finally:
        if driver is not None:
            driver.close()
    return actions
