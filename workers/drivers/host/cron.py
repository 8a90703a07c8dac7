"""Customers' cron jobs on a server (issue 16 item 5): one file in the system cron's folder
(``/etc/cron.d/hosting-panel`` by default: Debian's cron reads it, user field included), every
job run as its customer's own system user. Written in one transaction like every other file; cron
has no checker of its own, so every line is checked here with the same rules the panel applied
(a line the rules refuse is left out and reported), and cron notices the new file by itself."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from tenants.errors import RuleViolation
from tenants.hosting.cron_jobs import check_command, check_schedule
from workers.drivers.host.base import HostBase
from workers.drivers.host.spec import ApplyError, ApplyResult, LeftOut

DEFAULT_CRON_FILE = "/etc/cron.d/hosting-panel"
HEADER = ("# Written by the hosting panel: each customer's cron jobs, run as its own user. Edits here are\n"
          "# replaced at the next change.\nSHELL=/bin/sh\nPATH=/usr/local/bin:/usr/bin:/bin\n")
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_MAIL = re.compile(r"^[^\s@\"'\\]+@[^\s@\"'\\]+$")
_FILE = re.compile(r"^/[A-Za-z0-9/._-]*/[A-Za-z0-9_-]+$")  # cron skips files in cron.d whose names have dots


@dataclass(frozen=True)
class CronEntry:
    key: str                  # the job's id, for what is left out
    user: str                 # the customer's system user
    schedule: str
    command: str
    mail_to: str | None       # None: output appended to ~/cron.log


def render_line(entry: CronEntry) -> str:
    """``MAILTO`` then the job; cron reads an unescaped ``%`` as a line break, so it is escaped."""
    if not _USER.match(entry.user):
        raise ApplyError(f"refused: {entry.user!r} is not a system user name")
    try:
        schedule, command = check_schedule(entry.schedule), check_command(entry.command)
    except RuleViolation as exc:
        raise ApplyError(f"refused: cron job {entry.key}: {exc.problems[0].msgid}") from None
    if entry.mail_to is not None and not _MAIL.match(entry.mail_to):
        raise ApplyError(f"refused: {entry.mail_to!r} is not a mail address")
    if entry.mail_to is None:  # the command as it was typed, its own redirections kept, then ours
        command = f'/bin/sh -c {shlex.quote(command)} >> "$HOME/cron.log" 2>&1'
    mail = f'MAILTO="{entry.mail_to}"' if entry.mail_to else 'MAILTO=""'
    return f"{mail}\n{schedule} {entry.user} {command.replace('%', chr(92) + '%')}\n"


class HostCron(HostBase):
    def apply_cron(self, entries: Sequence[CronEntry], cron_file: str = DEFAULT_CRON_FILE) -> ApplyResult:
        """Every customer's jobs in one file (what is not listed is gone); lines the rules refuse
        are left out and reported."""
        if not _FILE.match(cron_file or "") or ".." in cron_file:
            raise ApplyError(f"refused: {cron_file!r} is not a cron file path (cron reads names without dots)")
        lines, left = [HEADER], {}
        for entry in entries:
            try:
                lines.append(render_line(entry))
            except ApplyError as exc:
                left[entry.key] = LeftOut(exc, False)
        tx = self.transaction()
        tx.write(Path(cron_file), "".join(lines), 0o644)
        return self._finish("cron", self._write(tx, None, "cron"), f"cron: {len(entries) - len(left)} job(s)", left)
