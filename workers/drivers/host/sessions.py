"""Open sessions of a stopped customer, ended on its server (issue 16 item 1): refusing new logins
(dovecot nologin, pure-ftpd's user removed) leaves the connections already open; these end them.

Both run only when the server's tools name them (they need the running daemons): ``doveadm`` (e.g.
["doveadm"] or ["doveadm", "-c", "<dovecot.conf>"]) kicks a mailbox's IMAP/POP3 connections with
``doveadm kick <user>``; ``pure-ftpwho`` lists pure-ftpd's sessions (``-s``: pid|account|...) and
``kill`` (e.g. ["kill"]) ends the ones of the stopped FTP users, by their process id. ``pkill``
(e.g. ["pkill"]) ends the SSH/SFTP sessions of stopped logins: sshd names a session's processes
after its login ("sshd: <name> [priv]", "sshd: <name>@notty"); not by uid, which the login shares
with the customer's PHP and cron."""
from __future__ import annotations

from typing import Sequence

from workers.drivers.host.spec import ApplyError


def kick_mail(driver, addresses: Sequence[str]) -> str:
    if not addresses or "doveadm" not in driver.tools:
        return ""
    argv = driver.tool("doveadm")
    kicked = 0
    for address in addresses:
        done = driver.execute([*argv, "kick", address], "doveadm kick")
        if done.returncode == 0:
            kicked += 1
        elif done.returncode not in (67, 68):  # EX_NOUSER / EX_NOHOST: nobody of that name connected
            raise ApplyError("doveadm kick failed", tool="doveadm", output=done.output)
    return f"; doveadm kick for {kicked} mailbox(es)"


def kick_ssh(driver, names: Sequence[str]) -> str:
    if not names or "pkill" not in driver.tools:
        return ""
    # login names are [a-z0-9._-] (workers/drivers/host/ssh.py): only "." needs escaping in an ERE
    pattern = "^sshd: (" + "|".join(name.replace(".", "[.]") for name in sorted(names)) + ")( |@|$)"
    done = driver.execute([*driver.tool("pkill"), "-TERM", "-f", "--", pattern], "pkill")
    if done.returncode not in (0, 1):  # 1: no session open
        raise ApplyError("pkill failed", tool="pkill", output=done.output)
    return "; open SSH sessions ended" if done.returncode == 0 else ""


def ftp_sessions(driver) -> list[tuple[int, str]]:
    """(process id, account) of each pure-ftpd session on the server."""
    done = driver.execute([*driver.tool("pure-ftpwho"), "-s"], "pure-ftpwho")
    if done.returncode != 0:
        raise ApplyError("pure-ftpwho failed", tool="pure-ftpwho", output=done.output)
    out = []
    for line in done.stdout.splitlines():
        fields = line.split("|")
        if len(fields) > 2 and fields[0].isdigit():
            out.append((int(fields[0]), fields[1]))
    return out


def kick_ftp(driver, names: Sequence[str]) -> str:
    if not names or "pure-ftpwho" not in driver.tools or "kill" not in driver.tools:
        return ""
    wanted = set(names)
    pids = [pid for pid, account in ftp_sessions(driver) if account in wanted and pid > 1]
    for pid in pids:
        driver.execute([*driver.tool("kill"), "-TERM", str(pid)], "kill")  # gone already: fine
    return f"; {len(pids)} FTP session(s) ended"
