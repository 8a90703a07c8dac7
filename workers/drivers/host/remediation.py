"""Running a configured remediation command on a server, through its transport: a service
restart (level 1), the login check and the reboot (level 2). Argument lists only, never a shell;
bounded by a timeout. A server that cannot be reached (or answers with another host key) gives a
failed result with the reason, like a command that failed."""
from __future__ import annotations

from dataclasses import dataclass

from workers.drivers.errors import CommandNotStarted, CommandTimeout, TransportError

MAX_OUTPUT = 2000


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    output: str
    refused_host_key: bool = False  # the server answered with another host key than the pinned one
    login_failed: bool = False      # the command never ran: the server could not be logged into


def run_command(argv: list[str], timeout: float, host=None) -> CommandResult:
    """Run ``argv`` on ``host`` (None: this machine); ok when it exits 0 within ``timeout`` seconds,
    with what it said."""
    from workers.drivers.errors import HostKeyMismatch, LoginFailed

    if host is None:
        from workers.drivers.transport.local import LOCAL as host
    if not argv or not isinstance(argv, list) or not all(isinstance(a, str) and a for a in argv):
        return CommandResult(False, "no command configured")
    try:
        done = host.run(argv, timeout)
    except CommandTimeout:
        return CommandResult(False, f"{argv[0]} did not finish within {timeout:g} s")
    except CommandNotStarted as exc:
        return CommandResult(False, f"{argv[0]} could not be started: {exc}")
    except HostKeyMismatch as exc:
        return CommandResult(False, exc.message, refused_host_key=True)
    except TransportError as exc:
        return CommandResult(False, exc.message, login_failed=isinstance(exc, LoginFailed))
    output = done.output[:MAX_OUTPUT]
    if done.returncode != 0:
        return CommandResult(False, f"exit status {done.returncode}" + (f": {output}" if output else ""))
    return CommandResult(True, output)
