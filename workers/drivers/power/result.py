"""What a power driver reports."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PowerResult:
    ok: bool
    output: str      # one line for the incident's timeline: what was done, what the server's power is now
    state: str = ""  # "on" | "off" when the driver knows it
