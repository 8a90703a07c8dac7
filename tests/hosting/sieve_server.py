"""Real postfix handing hosted mail to a real dovecot over LMTP with the sieve plugin (Debian
dovecot-lmtpd and dovecot-sieve), both on loopback ports, everything under one folder: the
delivery path on which a mailbox's automatic reply is answered. Dovecot reads the passwd-file the
panel's driver wrote (and the sieve script each line names) and sends replies back through the
same postfix (``submission_host``), which delivers them to the hosted sender's maildir."""
from __future__ import annotations

import contextlib
import grp
import os
from pathlib import Path

import pytest

from tests.hosting.postfix_server import UID, running_postfix
from tests.workers.drivers.local_helpers import free_port, need_tool, running

CONF = """
base_dir = {root}/dovecot-run
state_dir = {root}/dovecot-state
log_path = {root}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_uid = {uid}
mail_gid = {uid}
mail_access_groups = dovecot
first_valid_uid = 1000
mail_location = maildir:~
postmaster_address = postmaster@example.com
submission_host = 127.0.0.1:{smtp}
passdb {{
  driver = passwd-file
  args = {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
protocol lmtp {{
  mail_plugins = $mail_plugins sieve
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextlib.contextmanager
def running_mail(config_dir: Path, mail_root: Path):
    """Yield the SMTP port of postfix → dovecot LMTP (+ sieve) reading the driver's files."""
    dovecot = need_tool("dovecot")
    need_tool("sievec")
    if not Path("/usr/lib/dovecot/lmtp").exists():
        pytest.fail("dovecot's LMTP server is not installed (dovecot-lmtpd, see .ci/apt-packages)")
    if os.geteuid() != 0:
        pytest.skip("starting dovecot with its own users needs root")
    grp.getgrnam("dovecot")
    root = Path(config_dir).parent
    lmtp = free_port()
    with running_postfix(Path(config_dir) / "postfix", mail_root, lmtp_port=lmtp) as smtp:
        conf = root / "dovecot-lmtp.conf"
        conf.write_text(CONF.format(root=root, uid=UID, smtp=smtp, lmtp=lmtp,
                                    users=Path(config_dir) / "dovecot" / "users"))
        with running([dovecot, "-F", "-c", str(conf)], lmtp):
            yield smtp


def mail_log(config_dir: Path) -> str:
    """What dovecot logged (for a failing assertion's message)."""
    log = Path(config_dir).parent / "dovecot.log"
    return log.read_text(errors="replace") if log.exists() else ""
