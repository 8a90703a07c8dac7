"""Mail: postfix maps compiled and queried with the real postmap; dovecot logins for real."""
from __future__ import annotations

import imaplib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tenants.hosting.account_names import mail_password_hash
from tests.workers.drivers.local_helpers import (
    OTHER_PASSWORD,
    PASSWORD,
    free_port,
    need_tool,
    running,
    tree,
    world_readable_dir,
)
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.postfix import LOCKED_REPLY
from workers.drivers.host.spec import ApplyError, MailAlias, Mailbox, MailingList

HASH = mail_password_hash(PASSWORD)


@pytest.fixture
def postmap():
    return need_tool("postmap")


def query(postmap, config_dir, name, key):
    """postmap -q run by the test itself, independent of the driver."""
    done = subprocess.run([postmap, "-q", key, f"hash:{config_dir / 'postfix' / name}"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def sample():
    boxes = [
        Mailbox("info@example.com", HASH, 100, ["boss@example.net"], keep_copy=True),
        Mailbox("away@example.com", HASH, 0, ["holiday@example.org"], keep_copy=False),
        Mailbox("plain@example.com", HASH),
        Mailbox("spammer@example.com", HASH, send_locked=True),
        Mailbox("post@xn--mnchen-3ya.de", HASH, 50),
    ]
    aliases = [MailAlias("sales@example.com", ["info@example.com", "plain@example.com"])]
    lists = [MailingList("team@example.com", ["a@example.net", "B.Person@Example.ORG"])]
    return boxes, aliases, lists


def test_maps_answer_postmap_queries(tmp_path, postmap):
    config_dir = tmp_path / "cfg"
    driver = LocalDriver(config_dir)
    result = driver.apply_mail(*sample())
    assert result.ok
    for suffix in ("virtual_domains", "virtual_mailboxes", "virtual_aliases", "sender_access"):
        assert (config_dir / "postfix" / f"{suffix}.db").exists()
    assert query(postmap, config_dir, "sender_access", "spammer@example.com") == LOCKED_REPLY
    assert query(postmap, config_dir, "sender_access", "plain@example.com") is None
    assert query(postmap, config_dir, "virtual_aliases", "info@example.com") == "info@example.com, boss@example.net"
    assert query(postmap, config_dir, "virtual_aliases", "away@example.com") == "holiday@example.org"
    assert query(postmap, config_dir, "virtual_aliases", "plain@example.com") is None
    assert query(postmap, config_dir, "virtual_aliases", "sales@example.com") == "info@example.com, plain@example.com"
    assert query(postmap, config_dir, "virtual_aliases", "team@example.com") == "a@example.net, B.Person@example.org"
    assert query(postmap, config_dir, "virtual_mailboxes", "post@xn--mnchen-3ya.de") == "xn--mnchen-3ya.de/post/"
    assert query(postmap, config_dir, "virtual_domains", "xn--mnchen-3ya.de") == "OK"
    assert driver.lookup_mail_map("sender_access", "spammer@example.com") == LOCKED_REPLY
    assert driver.lookup_mail_map("sender_access", "info@example.com") is None


def test_locking_and_unlocking_an_account(tmp_path, postmap):
    driver = LocalDriver(tmp_path / "cfg")
    driver.apply_mail([Mailbox("user@example.com", HASH, send_locked=True)])
    assert driver.lookup_mail_map("sender_access", "user@example.com") == LOCKED_REPLY
    driver.apply_mail([Mailbox("user@example.com", HASH, send_locked=False)])
    assert driver.lookup_mail_map("sender_access", "user@example.com") is None


def test_applying_twice_changes_nothing(tmp_path, postmap):
    driver = LocalDriver(tmp_path / "cfg")
    driver.apply_mail(*sample())
    sources = {k: v for k, v in tree(tmp_path / "cfg").items() if not k.endswith(".db")}
    assert driver.apply_mail(*sample()).detail.endswith("unchanged")
    assert {k: v for k, v in tree(tmp_path / "cfg").items() if not k.endswith(".db")} == sources


def test_a_failing_postmap_restores_maps_and_compiled_files(tmp_path, postmap):
    config_dir = tmp_path / "cfg"
    LocalDriver(config_dir).apply_mail(*sample())
    before = tree(config_dir)
    # The real postmap, pointed at a config directory without main.cf: it fails.
    broken = LocalDriver(config_dir, tools={"postmap": [postmap, "-c", str(tmp_path / "no-such-dir")]})
    with pytest.raises(ApplyError) as caught:
        broken.apply_mail([Mailbox("other@example.com", HASH, send_locked=True)])
    assert caught.value.tool.startswith("postmap")
    assert "no-such-dir" in caught.value.output
    assert tree(config_dir) == before
    assert query(postmap, config_dir, "sender_access", "other@example.com") is None


@pytest.mark.parametrize("boxes, aliases, lists, message", [
    ([Mailbox("a@example.com", HASH)], [MailAlias("a@example.com", ["b@example.net"])], [],
     "both a mailbox and an alias"),
    ([], [MailAlias("x@example.com", ["b@example.net"])], [MailingList("x@example.com", ["c@example.net"])],
     "both an alias and a mailing list"),
    ([Mailbox("a@example.com", HASH), Mailbox("A@Example.com", HASH)], [], [], "both a mailbox and a mailbox"),
    ([Mailbox("a+b@example.com", HASH)], [], [], "Use lower-case letters"),
    ([Mailbox("a@example.com", HASH, forwards=["x y@example.net"])], [], [], "not a valid e-mail address"),
    ([Mailbox("a@example.com", HASH, forwards="b@example.net")], [], [], "must be a list"),
    ([Mailbox("a@example.com", HASH, quota_mb=-1)], [], [], "quota"),
    ([Mailbox("a@example.com", "plain-text")], [], [], "dovecot {SCHEME} hash"),
    ([Mailbox("a@example.com", "{PLAIN}secret-secret-secret")], [], [], "dovecot {SCHEME} hash"),
    ([Mailbox("a@example.com", HASH + "\nb@example.com:{PLAIN}x")], [], [], "dovecot {SCHEME} hash"),
    ([], [MailAlias("x@example.com", [])], [], "has no members"),
])
def test_bad_mail_settings_are_refused_before_anything_is_written(tmp_path, boxes, aliases, lists, message):
    with pytest.raises(ApplyError) as caught:
        LocalDriver(tmp_path / "cfg").apply_mail(boxes, aliases, lists)
    assert message in str(caught.value)
    assert not (tmp_path / "cfg").exists()


def test_user_data_never_reaches_a_shell(tmp_path, postmap):
    """A legal but shell-hostile address travels as data through files and postmap."""
    witness = Path(f"/tmp/pw{os.getpid()}")  # short: a local part has at most 64 characters
    witness.unlink(missing_ok=True)
    hostile = f"`touch${{IFS}}{witness}`|{{cat}}@example.net"
    driver = LocalDriver(tmp_path / "cfg")
    driver.apply_mail([Mailbox("a@example.com", HASH, forwards=[hostile], keep_copy=False)])
    assert driver.lookup_mail_map("virtual_aliases", "a@example.com") == hostile
    assert query(postmap, tmp_path / "cfg", "virtual_aliases", "a@example.com") == hostile
    assert not witness.exists()


DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_uid = {uid}
mail_gid = {uid}
first_valid_uid = 1000
mail_location = maildir:~/Maildir
mail_plugins = quota
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
plugin {{
  quota = count:User quota
  quota_vsizes = yes
}}
passdb {{
  driver = passwd-file
  args = {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def test_dovecot_logs_in_with_the_issued_password_and_applies_the_quota(tmp_path):
    dovecot = need_tool("dovecot")
    if os.geteuid() != 0:
        pytest.skip("starting dovecot with its own users needs root")
    import grp

    try:
        grp.getgrnam("dovecot")
    except KeyError:
        pytest.fail("dovecot-core is installed but its group is missing")
    root = world_readable_dir("panel-dovecot-")
    try:
        mail_root, uid = root / "mail", 54321
        mail_root.mkdir()
        os.chown(mail_root, uid, uid)
        driver = LocalDriver(root / "cfg", mail_root=str(mail_root), secret_group="dovecot")
        driver.apply_mail([Mailbox("info@example.com", HASH, 100), Mailbox("free@example.com", HASH)])
        users = root / "cfg" / "dovecot" / "users"
        assert users.stat().st_mode & 0o777 == 0o640
        port = free_port()
        conf = root / "dovecot.conf"
        conf.write_text(DOVECOT_CONF.format(root=root, uid=uid, users=users, port=port))
        with running([dovecot, "-F", "-c", str(conf)], port):
            imap = imaplib.IMAP4("127.0.0.1", port, timeout=10)
            assert imap.login("info@example.com", PASSWORD)[0] == "OK"
            assert imap.select("INBOX")[0] == "OK"
            _, quota = imap.getquotaroot("INBOX")
            assert b"(STORAGE 0 102400)" in quota[1][0]  # 100 MB in KiB
            imap.logout()
            imap = imaplib.IMAP4("127.0.0.1", port, timeout=10)
            with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
                imap.login("info@example.com", OTHER_PASSWORD)
        assert (mail_root / "example.com" / "info" / "Maildir").is_dir()
    finally:
        shutil.rmtree(root)
