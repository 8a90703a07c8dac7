"""Running the remediation steps the domain planned for a server's open incidents (OEM spec 障害
レベル1/2; the rules: tenants.incidents.remediation_plan): each command through the server's driver,
the power cycle through the server's power driver (out of band: it needs no login to the host), a
restarted service re-probed the way the monitoring cycle probes it, each result handed back to the
domain to record before the next step runs."""
from __future__ import annotations

from sqlalchemy.orm import Session

from tenants.incidents.models import EntryKind, RemediationKind
from tenants.incidents.remediation_plan import Step, StepResult, record
from tenants.models import MonitoredEndpoint, Server
from workers import drivers
from workers.drivers.local.remediation import CommandResult, run_command
from workers.drivers.power import PowerResult, power_for


def run(server: Server, step: Step) -> CommandResult | PowerResult:
    if step.kind == EntryKind.POWER_CYCLE:
        return power_for(server).power_cycle(step.timeout)
    if not drivers.reachable(server):
        return CommandResult(False, drivers.unavailable_reason(server))
    return run_command(list(step.argv), step.timeout)


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
    todo, actions = list(steps), 0
    while todo:
        step = todo.pop(0)
        done = run(server, step)
        result = StepResult(done.ok, done.output)
        if step.kind == RemediationKind.RESTART:
            assert step.endpoint_id is not None  # a restart is planned for one service's endpoint
            up, reason = reprobe(session, server, step.endpoint_id)
            result = StepResult(done.ok, done.output, up, reason)
        todo[:0] = record(session, step, result)
        session.commit()  # a follow-up is claimed before its command runs
        actions += step.is_action
    return actions
