"""A stopped customer on the server: its sites answer the reseller's 503 page from a real nginx,
its mailbox refuses a real dovecot login while local delivery still stores mail for to it, its FTP user is refused by
a real pure-ftpd; resuming writes back exactly the files it had before and everything works again."""
from __future__ import annotations

import ftplib
import grp
import imaplib
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tenants.hosting.account_names import ftp_password_hash, mail_password_hash
from tests.workers.drivers.local_helpers import PASSWORD, free_port, need_tool, running, tree, world_readable_dir
from tests.workers.drivers.test_local_mail import DOVECOT_CONF
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.postfix import SUSPENDED_REPLY
from workers.drivers.host.spec import ApplyError, FtpUser, Mailbox, VirtualHost

BRAND = 'Sakura <Hosting> & "$host" \\ 桜'
UID = 54321


def fetch(url: str, host: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_a_suspended_site_shows_the_resellers_page_and_resuming_restores_it(tmp_path):
    nginx = need_tool("nginx")
    site = world_readable_dir("panel-suspend-web-")
    try:
        for name in ("a", "b"):
            (site / name).mkdir()
            (site / name / "index.html").write_text(f"content of {name}\n")
            (site / name).chmod(0o755)
        port = free_port()
        cfg = tmp_path / "cfg"
        driver = LocalDriver(cfg, http_listen=[f"127.0.0.1:{port}"], nginx_user="root")
        running_sites = [VirtualHost("a.example.com", str(site / "a")), VirtualHost("b.example.com", str(site / "b"))]
        driver.apply_web(running_sites)
        before = tree(cfg)
        stopped = [VirtualHost("a.example.com", str(site / "a"), suspended_by=BRAND), running_sites[1]]
        assert driver.apply_web(stopped).ok
        with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
            base = f"http://127.0.0.1:{port}"
            for path in ("/", "/index.html", "/anything.php"):
                status, headers, body = fetch(base + path, "a.example.com")
                assert status == 503 and headers["Retry-After"] == "3600", path
                assert headers["Content-Type"] == "text/html; charset=utf-8"
                assert "content of a" not in body
                assert "Sakura &lt;Hosting&gt; &amp; &quot;&#36;host&quot; &#92; 桜" in body
                assert "This site is temporarily suspended." in body
            assert fetch(base + "/", "b.example.com")[:1] == (200,)  # another customer's site runs on
        driver.apply_web(running_sites)
        assert tree(cfg) == before  # resumed: the very same files
        with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
            status, _headers, body = fetch(f"http://127.0.0.1:{port}/", "a.example.com")
            assert (status, body) == (200, "content of a\n")
    finally:
        shutil.rmtree(site)


@pytest.mark.parametrize("brand", ["", "   ", "line\nbreak", "x" * 201])
def test_a_bad_brand_for_the_suspended_page_is_refused_before_anything_is_written(tmp_path, brand):
    driver = LocalDriver(tmp_path / "cfg")
    with pytest.raises(ApplyError, match="brand name for the suspended page"):
        driver.apply_web([VirtualHost("a.example.com", str(tmp_path / "www"), suspended_by=brand)])
    assert not (tmp_path / "cfg" / "sites").exists() or not list((tmp_path / "cfg" / "sites").iterdir())


LDA = "\npostmaster_address = postmaster@example.com\n"


def deliver(conf, address: str, message: bytes) -> None:
    """Local delivery as postfix hands it to dovecot (dovecot-lda: the userdb, not the passdb)."""
    lda = "/usr/lib/dovecot/dovecot-lda"
    done = subprocess.run([lda, "-c", str(conf), "-d", address, "-f", "someone@example.org"], input=message,
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr


def imap_login(port: int) -> imaplib.IMAP4:
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    imap.login("info@example.com", PASSWORD)
    return imap


def test_a_suspended_mailbox_refuses_login_and_sending_but_keeps_receiving(tmp_path):
    dovecot = need_tool("dovecot")
    need_tool("postmap")
    if os.geteuid() != 0:
        pytest.skip("starting dovecot with its own users needs root")
    grp.getgrnam("dovecot")
    root = world_readable_dir("panel-suspend-mail-")
    try:
        mail_root = root / "mail"
        mail_root.mkdir()
        os.chown(mail_root, UID, UID)
        cfg = root / "cfg"
        driver = LocalDriver(cfg, mail_root=str(mail_root), secret_group="dovecot")
        box = Mailbox("info@example.com", mail_password_hash(PASSWORD), 100)
        driver.apply_mail([box])
        before = {k: v for k, v in tree(cfg).items() if not k.endswith(".db")}
        port = free_port()
        conf = root / "dovecot.conf"
        conf.write_text(DOVECOT_CONF.format(root=root, uid=UID, users=cfg / "dovecot" / "users", port=port)
                        + LDA)
        with running([dovecot, "-F", "-c", str(conf)], port):
            imap_login(port).logout()  # running: the password logs in
            driver.apply_mail([Mailbox("info@example.com", box.password_hash, 100, suspended=True)])
            assert driver.lookup_mail_map("sender_access", "info@example.com") == SUSPENDED_REPLY
            assert driver.lookup_mail_map("virtual_mailboxes", "info@example.com") == "example.com/info/"
            time.sleep(1.1)  # dovecot looks at a passwd-file again at most once a second
            with pytest.raises(imaplib.IMAP4.error, match="suspended"):
                imap_login(port)
            deliver(conf, "info@example.com", b"Subject: while suspended\n\nkept for you\n")  # still arrives
            driver.apply_mail([box])  # resumed
            time.sleep(1.1)
            assert {k: v for k, v in tree(cfg).items() if not k.endswith(".db")} == before
            assert driver.lookup_mail_map("sender_access", "info@example.com") is None
            imap = imap_login(port)
            imap.select("INBOX")
            _, found = imap.search(None, "ALL")
            _, data = imap.fetch(found[0].split()[0], "(RFC822)")
            assert b"kept for you" in data[0][1]
            imap.logout()
    finally:
        shutil.rmtree(root)


def ftp_login(port: int) -> None:
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", port, timeout=10)
    try:
        ftp.login("web1", PASSWORD)
        assert "index.html" in ftp.nlst()
    finally:
        ftp.close()


def test_a_suspended_ftp_user_is_refused_and_resuming_lets_it_in_again(tmp_path):
    pure_ftpd = need_tool("pure-ftpd")
    need_tool("pure-pw")
    if os.geteuid() != 0:
        pytest.skip("pure-ftpd with virtual users needs root")
    base = world_readable_dir("panel-suspend-ftp-")
    try:
        home = base / "customer"
        (home / "www").mkdir(parents=True)
        (home / "www" / "index.html").write_text("hello\n")
        for path in (home, home / "www", home / "www" / "index.html"):
            os.chown(path, UID, UID)
        cfg = tmp_path / "cfg"
        driver = LocalDriver(cfg)
        user = FtpUser("web1", ftp_password_hash(PASSWORD), "www", str(home), UID, UID)
        driver.apply_ftp([user])
        before = (cfg / "ftp" / "pureftpd.passwd").read_bytes()
        port = free_port()
        argv = [pure_ftpd, "-l", f"puredb:{cfg / 'ftp' / 'pureftpd.pdb'}", "-S", f"127.0.0.1,{port}", "-E", "-A",
                "-H", "-p", f"{port + 1}:{port + 20}", "-u", "1000"]
        with running(argv, port):
            ftp_login(port)
            driver.apply_ftp([FtpUser(user.name, user.password_hash, "www", str(home), UID, UID, suspended=True)])
            with pytest.raises(ftplib.error_perm, match="530"):
                ftp_login(port)
            assert (home / "www" / "index.html").read_text() == "hello\n"  # nothing of the customer's removed
            driver.apply_ftp([user])
            assert (cfg / "ftp" / "pureftpd.passwd").read_bytes() == before
            ftp_login(port)
    finally:
        shutil.rmtree(base)
