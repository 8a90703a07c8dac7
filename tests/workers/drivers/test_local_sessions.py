"""A stopped customer's open sessions end on the server: an IMAP connection logged in before the
suspension is cut by ``doveadm kick`` (real dovecot), an FTP session by pure-ftpwho + kill (real
pure-ftpd), both run by the driver as it applies the suspension."""
from __future__ import annotations

import ftplib
import grp
import imaplib
import os
import shutil
import time

import pytest

from tenants.hosting.account_names import ftp_password_hash, mail_password_hash
from tests.workers.drivers.local_helpers import PASSWORD, free_port, need_tool, running, world_readable_dir
from tests.workers.drivers.test_local_mail import DOVECOT_CONF
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import FtpUser, Mailbox

UID = 54321


def still_open(imap: imaplib.IMAP4) -> bool:
    try:
        imap.noop()
        return True
    except (imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError):
        return False


def test_an_open_imap_session_is_kicked_when_the_customer_is_stopped(tmp_path):
    dovecot = need_tool("dovecot")
    doveadm = need_tool("doveadm")
    if os.geteuid() != 0:
        pytest.skip("starting dovecot with its own users needs root")
    grp.getgrnam("dovecot")
    root = world_readable_dir("panel-kick-mail-")
    try:
        mail_root = root / "mail"
        mail_root.mkdir()
        os.chown(mail_root, UID, UID)
        conf = root / "dovecot.conf"
        driver = LocalDriver(root / "cfg", mail_root=str(mail_root), secret_group="dovecot",
                             tools={"doveadm": [doveadm, "-c", str(conf)]})
        box = Mailbox("info@example.com", mail_password_hash(PASSWORD), 100)
        other = Mailbox("other@example.com", box.password_hash, 100)
        driver.apply_mail([box, other])
        port = free_port()
        conf.write_text(DOVECOT_CONF.format(root=root, uid=UID, users=root / "cfg" / "dovecot" / "users", port=port))
        with running([dovecot, "-F", "-c", str(conf)], port):
            sessions = {}
            for address in ("info@example.com", "other@example.com"):
                sessions[address] = imaplib.IMAP4("127.0.0.1", port, timeout=10)
                sessions[address].login(address, PASSWORD)
                sessions[address].select("INBOX")
            result = driver.apply_mail([Mailbox(box.address, box.password_hash, 100, suspended=True), other])
            assert "doveadm kick for 1 mailbox(es)" in result.detail
            deadline = time.monotonic() + 5
            while still_open(sessions["info@example.com"]) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not still_open(sessions["info@example.com"])  # cut, not only refused next time
            assert still_open(sessions["other@example.com"])  # another customer's session goes on
            sessions["other@example.com"].logout()
    finally:
        shutil.rmtree(root)


def test_an_open_ftp_session_is_ended_when_the_customer_is_stopped(tmp_path):
    pure_ftpd = need_tool("pure-ftpd")
    need_tool("pure-pw")
    ftpwho = need_tool("pure-ftpwho")
    if os.geteuid() != 0:
        pytest.skip("pure-ftpd with virtual users needs root")
    base = world_readable_dir("panel-kick-ftp-")
    try:
        home = base / "customer"
        (home / "www").mkdir(parents=True)
        (home / "www" / "index.html").write_text("hello\n")
        for path in (home, home / "www", home / "www" / "index.html"):
            os.chown(path, UID, UID)
        cfg = tmp_path / "cfg"
        driver = LocalDriver(cfg, tools={"pure-ftpwho": [ftpwho], "kill": ["kill"]})
        name = f"kick{os.getpid() % 100000}"
        user = FtpUser(name, ftp_password_hash(PASSWORD), "www", str(home), UID, UID)
        driver.apply_ftp([user])
        port = free_port()
        argv = [pure_ftpd, "-l", f"puredb:{cfg / 'ftp' / 'pureftpd.pdb'}", "-S", f"127.0.0.1,{port}", "-E", "-A",
                "-H", "-p", f"{port + 1}:{port + 20}", "-u", "1000"]
        with running(argv, port):
            ftp = ftplib.FTP()
            ftp.connect("127.0.0.1", port, timeout=10)
            ftp.login(name, PASSWORD)
            assert "index.html" in ftp.nlst()
            result = driver.apply_ftp([FtpUser(name, user.password_hash, "www", str(home), UID, UID, suspended=True)])
            assert "1 FTP session(s) ended" in result.detail
            with pytest.raises((ftplib.Error, OSError, EOFError)):
                time.sleep(0.5)
                ftp.nlst()
    finally:
        shutil.rmtree(base)
