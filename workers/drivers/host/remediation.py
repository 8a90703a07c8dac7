"""Running a configured remediation command on this machine: a service restart (level 1), the
login check and the reboot (level 2). Argument lists only, never a shell; bounded by a timeout."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

MAX_OUTPUT = 2000


@dataclass(frozen=True)
class CommandResult:
    ok: bool
    output: str


def run_command(argv: list[str], timeout: float) -> CommandResult:
    """Run ``argv``; ok when it exits 0 within ``timeout`` seconds, with what it said."""
    if not argv or not isinstance(argv, list) or not all(isinstance(a, str) and a for a in argv):
        return CommandResult(False, "no command configured")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              env={**os.environ, "LC_ALL": "C"}, check=False, start_new_session=True)
    except subprocess.TimeoutExpired:
        return CommandResult(False, f"{argv[0]} did not finish within {timeout:g} s")
    except OSError as exc:
        return CommandResult(False, f"{argv[0]} could not be started: {exc}")
    output = "\n".join(p.strip() for p in (done.stdout, done.stderr) if p and p.strip())[:MAX_OUTPUT]
    if done.returncode != 0:
        return CommandResult(False, f"exit status {done.returncode}" + (f": {output}" if output else ""))
    return CommandResult(True, output)
