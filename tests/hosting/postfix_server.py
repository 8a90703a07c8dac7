"""A real postfix instance of the test's own (its config directory, queue and log in a temporary
folder, smtpd on a free port of 127.0.0.1), reading the maps the panel's driver wrote and
delivering with postfix's virtual(8) agent into maildirs below ``mail_root``: what a message sent
to a hosted address becomes, end to end. Nothing leaves the machine (default_transport error)."""
from __future__ import annotations

import contextlib
import os
import shutil
import smtplib
import subprocess
import time
from pathlib import Path

from tests.workers.drivers.local_helpers import free_port, need_tool, wait_port

UID = 54321
MAIN_CF = """compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.invalid
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:no outbound mail in tests
smtputf8_enable = no
virtual_mailbox_domains = hash:{maps}/virtual_domains
virtual_mailbox_maps = hash:{maps}/virtual_mailboxes
virtual_alias_maps = hash:{maps}/virtual_aliases
virtual_mailbox_base = {mail_root}
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{uid}
virtual_minimum_uid = 1000
maillog_file_prefixes = {root}
maillog_file = {root}/maillog
"""


@contextlib.contextmanager
def running_postfix(maps: Path, mail_root: Path, extra: dict[str, str] | None = None, *, lmtp_port: int | None = None):
    """Yield the SMTP port of a postfix reading ``maps`` (the driver's <config>/postfix); with
    ``lmtp_port``, hosted mail goes to dovecot's LMTP there instead (delivery with sieve); ``extra``:
    more main.cf settings (e.g. the DKIM milter's, workers/drivers/host/postfix.milter_settings)."""
    postfix = need_tool("postfix")
    root = Path(maps).parent.parent / "postfix-instance"
    for sub in ("conf", "queue", "data"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.chown(root / "data", "postfix")
    mail_root.mkdir(parents=True, exist_ok=True)
    os.chown(mail_root, UID, UID)
    port = free_port()
    conf = root / "conf"
    transport = f"virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}\n" if lmtp_port else ""
    (conf / "main.cf").write_text(MAIN_CF.format(root=root, maps=maps, mail_root=mail_root, uid=UID) + transport
                                  + "".join(f"{key} = {value}\n" for key, value in (extra or {}).items()))
    master = Path("/etc/postfix/master.cf").read_text()
    lines = [line for line in master.splitlines() if not line.startswith("smtp ") or "unix" in line]
    (conf / "master.cf").write_text(f"127.0.0.1:{port} inet n - n - - smtpd\n" + "\n".join(lines) + "\n")
    proc = subprocess.Popen([postfix, "-c", str(conf), "start-fg"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_port(port, proc, timeout=20)
        yield port
    finally:
        subprocess.run([postfix, "-c", str(conf), "stop"], capture_output=True, timeout=30)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            subprocess.run([postfix, "-c", str(conf), "abort"], capture_output=True, timeout=30)
            proc.kill()
            proc.wait()


def send(port: int, recipients: list[str], subject: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("someone@example.org", recipients, f"Subject: {subject}\n\n{subject}\n".encode())


def delivered(mail_root: Path, address: str, subject: str, timeout: float = 15) -> bool:
    """Did a message with this subject reach the mailbox's maildir (postfix virtual(8) layout)?"""
    local, domain = address.split("@")
    new = mail_root / domain / local / "new"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if new.is_dir() and any(f"Subject: {subject}" in p.read_text(errors="replace") for p in new.iterdir()):
            return True
        time.sleep(0.2)
    return False
