"""Mail authentication of a domain (issue 17 item 4), end to end: DKIM set up in the end-user panel,
the key applied by the mail job to OpenDKIM's tables and the records by the dns job to the domain's
zone; a message sent through the real postfix, signed by a real opendkim, verifies with dkimpy
against the TXT record of the zone the panel rendered. Rotation publishes both selectors and signs
with the new one; after the overlap the old record leaves the zone. A selector with a dot or a
space is refused beside the field with nothing saved; another reseller's user sees none of it."""
from __future__ import annotations

import re
import shutil
import signal
import smtplib
import subprocess
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from sqlalchemy import func, select, update

from tenants.db import utcnow
from tenants.models import DkimKey
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs, update_server_config
from tests.hosting.postfix_server import running_postfix
from tests.hosting.test_panel_rules import errors_beside
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD, free_port, need_tool, wait_port, world_readable_dir
from workers.drivers.host.postfix import milter_settings
from workers.jobs.hosting.dkim_keys import retire_dkim_keys

DOMAIN = "shop.example.jp"


def zone_txt(zone_file: Path) -> dict[str, bytes]:
    """The TXT records of the zone file the driver wrote, by full name: what our DNS answers."""
    out: dict[str, bytes] = {}
    for line in zone_file.read_text().splitlines():
        match = re.match(r'^(\S+) \d+ IN TXT ((?:"(?:[^"\\]|\\.)*" ?)+)$', line)
        if match:
            name = f"{DOMAIN}." if match.group(1) == "@" else f"{match.group(1)}.{DOMAIN}."
            text = "".join(re.sub(r"\\(.)", r"\1", c) for c in re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(2)))
            out.setdefault(name, b"")
            out[name] = text.encode() if not out[name] else out[name] + b"\n" + text.encode()
    return out


def dnsfunc_of(zone_file: Path):
    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        return zone_txt(zone_file).get(name.lower())
    return dnsfunc


def key_count(app) -> int:
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(DkimKey))


def setup_domain(client) -> str:
    client.get("/lang/en")
    assert client.post("/u/demo/domains", data={"name": DOMAIN}).status_code == 302
    page = client.get("/u/demo/mail").get_data(as_text=True)
    domain_id = re.search(r'<option value="(\d+)"', page).group(1)
    assert client.post("/u/demo/mail", data={"domain_id": domain_id, "local_part": "info", "password": PASSWORD,
                                             "quota_mb": "100"}).status_code == 302
    return domain_id


def key_safe_dir() -> tuple[Path, bool]:
    """A folder for the test, and whether OpenDKIM's safe-keys check can hold in it: it refuses a key
    below a world-writable folder such as /tmp, so the folder goes under /srv where there is one."""
    import tempfile

    srv = Path("/srv")
    if srv.is_dir() and not srv.stat().st_mode & 0o002:
        path = Path(tempfile.mkdtemp(prefix="panel-dkim-", dir=srv))
        path.chmod(0o755)
        return path, True
    return world_readable_dir("panel-dkim-"), False


class OpenDkim:
    """A real opendkim of the test's own, on a free port, reading the tables the driver wrote."""

    def __init__(self, tables: Path, root: Path, safe_keys: bool = True):
        self.port = free_port()
        conf = root / "opendkim.conf"
        conf.write_text(f"KeyTable file:{tables}/KeyTable\nSigningTable refile:{tables}/SigningTable\n"
                        f"InternalHosts refile:{tables}/TrustedHosts\nExternalIgnoreList refile:{tables}/TrustedHosts\n"
                        f"Socket inet:{self.port}@127.0.0.1\nMode s\nCanonicalization relaxed/simple\n"
                        "UserID opendkim\nSyslog no\nBackground no\n"
                        f"RequireSafeKeys {'yes' if safe_keys else 'no'}\n")
        self.proc = subprocess.Popen([need_tool("opendkim"), "-f", "-x", str(conf)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_port(self.port, self.proc, timeout=20)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def send_from(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"] = f"info@{DOMAIN}"
    message["To"] = f"info@{DOMAIN}"
    message["Subject"] = subject
    message.set_content(f"{subject}\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def received(mail_root: Path, subject: str, timeout: float = 20) -> bytes:
    new = mail_root / DOMAIN / "info" / "new"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in new.iterdir() if new.is_dir() else ():
            data = path.read_bytes()
            if f"Subject: {subject}".encode() in data:
                return data
        time.sleep(0.2)
    raise AssertionError(f"no message {subject!r} delivered")


def selector_of(message: bytes) -> str:
    return re.search(rb"\bs=([a-z0-9-]+);", message).group(1).decode()


def test_a_message_through_postfix_is_signed_and_verifies_against_the_published_key(app, world, as_taro,
                                                                                    local_server):
    need_tool("opendkim")
    base, safe_keys = key_safe_dir()
    try:
        update_server_config(app, world.server, config_dir=str(base / "cfg"))
        domain_id = setup_domain(as_taro)
        page = as_taro.get(f"/u/demo/domains/{domain_id}/mail-auth")
        assert page.status_code == 200 and "Set up DKIM" in page.get_data(as_text=True)

        # bad input: a dot or a space in the selector, refused beside the field, nothing saved
        for bad in ("mail.2026", "mail 2026"):
            r = as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth", data={"selector": bad, "in_our_zone": "y"})
            assert r.status_code == 400
            assert "A selector cannot contain dots or spaces" in errors_beside(r.get_data(as_text=True), "selector")
            assert key_count(app) == 0

        r = as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth", data={"selector": "mail2026", "in_our_zone": "y"})
        assert r.status_code == 302
        run_jobs(app)
        with scoped_session(app, Scope.system()) as s:
            key = s.execute(select(DkimKey)).scalar_one()
            assert (key.selector, key.state, key.active) == ("mail2026", "applied", True)
            assert "BEGIN" not in key.key_secret  # sealed at rest
        zone_file = base / "cfg" / "dns" / f"{DOMAIN}.zone"
        txt = zone_txt(zone_file)
        assert txt[f"mail2026._domainkey.{DOMAIN}."].startswith(b"v=DKIM1; k=rsa; p=")
        assert txt[f"_dmarc.{DOMAIN}."].startswith(b"v=DMARC1; p=none")
        assert txt[f"{DOMAIN}."].count(b"v=spf1") == 1  # the day-one zone's SPF, not a second one
        key_file = next((base / "cfg" / "opendkim" / "keys").iterdir())
        assert oct(key_file.stat().st_mode & 0o777) == "0o640"
        page = as_taro.get(f"/u/demo/domains/{domain_id}/mail-auth").get_data(as_text=True)
        assert f"mail2026._domainkey.{DOMAIN}" in page and "v=DKIM1; k=rsa; p=" in page

        mail_root = base / "mail"
        signer = OpenDkim(base / "cfg" / "opendkim", base, safe_keys)
        try:
            update_server_config(app, world.server, tools={"reload-dkim": ["/bin/kill", "-USR1",
                                                                           str(signer.proc.pid)]})
            with running_postfix(base / "cfg" / "postfix", mail_root,
                                 milter_settings(f"inet:127.0.0.1:{signer.port}")) as port:
                send_from(port, "signed with the first key")
                message = received(mail_root, "signed with the first key")
                assert selector_of(message) == "mail2026"
                assert dkim.verify(message, dnsfunc=dnsfunc_of(zone_file))

                # rotation: a new selector signs, both are published for the overlap
                r = as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth/rotate", data={"selector": "mail.2027"})
                assert r.status_code == 400
                assert "cannot contain dots or spaces" in errors_beside(r.get_data(as_text=True), "selector")
                assert key_count(app) == 1
                r = as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth/rotate", data={"selector": "mail2027"})
                assert r.status_code == 302
                run_jobs(app)
                txt = zone_txt(zone_file)
                assert f"mail2026._domainkey.{DOMAIN}." in txt and f"mail2027._domainkey.{DOMAIN}." in txt
                time.sleep(1)  # opendkim re-reads its tables on the reload signal
                send_from(port, "signed with the new key")
                message = received(mail_root, "signed with the new key")
                assert selector_of(message) == "mail2027"
                assert dkim.verify(message, dnsfunc=dnsfunc_of(zone_file))
        finally:
            signer.stop()

        # after the overlap the old key and its record are gone; the new one stays
        with scoped_session(app, Scope.system()) as s:
            s.execute(update(DkimKey).where(DkimKey.selector == "mail2026").values(retire_at=utcnow() - timedelta(1)))
            s.commit()
        with app.app_context():
            assert retire_dkim_keys() == "1 rotated-out DKIM key(s) removed"
        run_jobs(app)
        txt = zone_txt(zone_file)
        assert f"mail2026._domainkey.{DOMAIN}." not in txt and f"mail2027._domainkey.{DOMAIN}." in txt
    finally:
        shutil.rmtree(base)


def test_records_are_shown_to_copy_when_the_dns_is_elsewhere(app, world, as_taro, local_server):
    domain_id = setup_domain(as_taro)
    r = as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth", data={"selector": "s1"})
    assert r.status_code == 302
    run_jobs(app)
    zone_file = local_server / "cfg" / "dns" / f"{DOMAIN}.zone"
    assert "_domainkey" not in zone_file.read_text()
    page = as_taro.get(f"/u/demo/domains/{domain_id}/mail-auth").get_data(as_text=True)
    assert "add these records there" in page
    assert f"s1._domainkey.{DOMAIN}" in page and f"_dmarc.{DOMAIN}" in page and "v=spf1 mx a ~all" in page
    # switched to our zone: published there
    assert as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth/zone", data={"in_our_zone": "y"}).status_code == 302
    run_jobs(app)
    assert "s1._domainkey" in zone_file.read_text()


@pytest.mark.parametrize("path", ["/mail-auth", "/mail-auth/rotate", "/mail-auth/zone"])
def test_another_resellers_user_cannot_see_or_rotate_the_domains_key(app, world, as_taro, as_hanako, local_server,
                                                                     path):
    domain_id = setup_domain(as_taro)
    assert as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth", data={"selector": "mine"}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        key_id = s.execute(select(DkimKey.id)).scalar_one()
    assert as_hanako.get(f"/u/acme/domains/{domain_id}/mail-auth").status_code == 404
    assert as_hanako.post(f"/u/acme/domains/{domain_id}{path}", data={"selector": "theirs"}).status_code == 404
    assert as_hanako.post(f"/u/acme/dkim/{key_id}/delete").status_code == 404
    with scoped_session(app, Scope.system()) as s:
        assert [(k.selector, k.active, k.deleting) for k in s.execute(select(DkimKey)).scalars()] == \
            [("mine", True, False)]


def test_a_deleted_domain_stops_signing_and_its_key_is_forgotten(app, world, as_taro, local_server):
    as_taro.get("/lang/en")
    assert as_taro.post("/u/demo/domains", data={"name": "gone.example.jp"}).status_code == 302
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    domain_id = re.search(r'/u/demo/domains/(\d+)/mail-auth', page).group(1)
    assert as_taro.post(f"/u/demo/domains/{domain_id}/mail-auth", data={"selector": "s1", "in_our_zone": "y"}
                        ).status_code == 302
    run_jobs(app)
    keys = local_server / "cfg" / "opendkim" / "keys"
    assert [p.name for p in keys.iterdir()] == ["gone.example.jp.s1.private"]
    assert as_taro.post(f"/u/demo/domains/{domain_id}/delete").status_code == 302
    run_jobs(app)
    assert list(keys.iterdir()) == []
    assert "gone.example.jp" not in (local_server / "cfg" / "opendkim" / "SigningTable").read_text()
    assert key_count(app) == 0
