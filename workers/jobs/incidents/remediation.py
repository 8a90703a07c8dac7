"""Running the remediation steps the domain planned for a server's open incidents (OEM spec 障害
レベル1/2; the rules: tenants.incidents.remediation_plan): each command through the server's driver,
a restarted service re-probed the way the monitoring cycle probes it, each result handed back to
the domain to record before the next step runs."""
from __future__ import annotations

from sqlalchemy.orm import Session

from tenants.incidents.remediation_plan import Step, StepResult, record
from tenants.models import MonitoredEndpoint, Server
from workers import drivers
from workers.drivers.host.remediation import CommandResult, run_command


def run(server: Server, step: Step) -> CommandResult:
    if not drivers.reachable(server):
        return CommandResult(False, drivers.unavailable_reason(server))
    return run_command(list(step.argv), step.timeout)


def reprobe(session: Session, server: Server, endpoint_id: int) -> tuple[bool, str]:
    """Probe one endpoint now, the way the monitoring cycle does."""
    # imported here: the panels reach this module through workers.api and need no probes loaded
    from workers.jobs.monitoring.probe_targets import probe_now

    result = probe_now(session.get(MonitoredEndpoint, endpoint_id), server)
    return result.up, result.reason or ("answering" if result.up else "no answer")


def carry_out(session: Session, server: Server, steps: list[Step]) -> int:
    """Run the claimed steps in order (a step's follow-up, e.g. the reboot after a failed login
    check, runs next), committing each result; returns how many restarts and reboots ran."""
    todo, actions = list(steps), 0
    while todo:
        step = todo.pop(0)
        done = run(server, step)
        result = StepResult(done.ok, done.output)
        if step.kind == "restart":
            up, reason = reprobe(session, server, step.endpoint_id)
            result = StepResult(done.ok, done.output, up, reason)
        todo[:0] = record(session, step, result)
        session.commit()  # a follow-up is claimed before its command runs
        actions += step.is_action
    return actions
