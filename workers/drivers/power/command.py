"""The command power driver: a configured command run on the panel's machine — typically a
hypervisor's CLI (``/usr/bin/virsh reset web01``, ``/usr/sbin/qm reset 101``) — for the power cycle,
and optionally one for the power status. Argument lists run without a shell, bounded by the
timeout, with what they printed kept for the timeline."""
from __future__ import annotations

from workers.drivers.host.remediation import run_command
from workers.drivers.power.result import PowerResult


class CommandPower:
    name = "command"

    def __init__(self, cycle_argv: list[str], status_argv: list[str]):
        self.cycle_argv, self.status_argv = cycle_argv, status_argv

    def power_cycle(self, timeout: float) -> PowerResult:
        done = run_command(self.cycle_argv, timeout)
        said = f"power cycle command {self.cycle_argv[0] if self.cycle_argv else ''}: {done.output or 'ok'}"
        if not done.ok or not self.status_argv:
            return PowerResult(done.ok, said)
        status = self.power_status(timeout)
        return PowerResult(True, f"{said}; {status.output}", status.state)

    def power_status(self, timeout: float) -> PowerResult:
        if not self.status_argv:
            return PowerResult(False, "no power status command configured")
        done = run_command(self.status_argv, timeout)
        return PowerResult(done.ok, f"power status: {done.output or ('ok' if done.ok else 'failed')}")
