"""A mailbox's automatic reply on the server: the driver writes a sieve script that sievec
accepts, a real postfix → dovecot LMTP + sieve answers a message with the configured subject and
text From the mailbox's own address while the days cover today, stays silent outside them, for a
stopped customer and once it is turned off; a script sievec refuses changes nothing."""
from __future__ import annotations

import shutil
import smtplib
from datetime import date, timedelta
from pathlib import Path

import pytest

from tenants.hosting.account_names import mail_password_hash
from tests.hosting.postfix_server import delivered
from tests.hosting.sieve_server import mail_log, running_mail
from tests.workers.drivers.local_helpers import PASSWORD, need_tool, tree, world_readable_dir
from workers.drivers.host import sieve
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, Autoreply, Mailbox

HASH = mail_password_hash(PASSWORD)
TODAY = date.today()  # the script compares in Japan time: a day's margin either side below
AWAY = Autoreply("Away: 休暇中 \"until\" Monday", "I am away.\nBack \\ soon, 月曜日に戻ります。", TODAY - timedelta(days=2),
                 TODAY + timedelta(days=2), 1)


def message(sender: str, to: str, subject: str) -> bytes:
    return f"From: {sender}\nTo: {to}\nSubject: {subject}\n\nhello\n".encode()


def reply_in(mail_root: Path, address: str, subject: str) -> str | None:
    local, domain = address.split("@")
    new = mail_root / domain / local / "new"
    for path in sorted(new.iterdir()) if new.is_dir() else ():
        text = path.read_text(errors="replace")
        if "Auto-Submitted: auto-replied" in text and subject in text:
            return text
    return None


@pytest.fixture
def base():
    path = world_readable_dir("panel-autoreply-")
    yield path
    shutil.rmtree(path)


def test_the_reply_is_sent_while_its_days_cover_today_and_not_otherwise(base):
    mail_root, cfg = base / "mail", base / "cfg"
    driver = LocalDriver(cfg, mail_root=str(mail_root), secret_group="dovecot")
    friend = Mailbox("friend@example.net", HASH)
    later = Autoreply("Later", "Not yet.", TODAY + timedelta(days=3), TODAY + timedelta(days=9))
    over = Autoreply("Over", "Already back.", None, TODAY - timedelta(days=3))
    result = driver.apply_mail([Mailbox("info@example.com", HASH, 100, autoreply=AWAY), friend,
                                Mailbox("later@example.com", HASH, autoreply=later),
                                Mailbox("over@example.com", HASH, autoreply=over)])
    assert result.ok
    script = cfg / "dovecot" / "sieve" / "info@example.com.sieve"
    assert script.stat().st_mode & 0o777 == 0o640
    assert f"userdb_sieve=file:{script};bindir=~/.sieve-bin" in (cfg / "dovecot" / "users").read_text()
    with running_mail(cfg, mail_root) as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for box in ("info@example.com", "later@example.com", "over@example.com"):
            smtp.sendmail("friend@example.net", [box], message("friend@example.net", box, f"to {box}"))
        assert delivered(mail_root, "info@example.com", "to info@example.com"), mail_log(cfg)
        assert delivered(mail_root, "friend@example.net", "Away"), mail_log(cfg)
        reply = reply_in(mail_root, "friend@example.net", "Away")
        assert reply is not None
        assert "\nFrom: info@example.com\n" in reply and "I am away.\nBack \\ soon, 月曜日に戻ります。" in reply
        assert "=?utf-8?" in reply.split("\n\n")[0].lower()  # the Japanese subject, MIME-encoded
        # the days do not cover today: the mail is kept, nothing is answered
        assert delivered(mail_root, "later@example.com", "to later@example.com")
        assert delivered(mail_root, "over@example.com", "to over@example.com")
        assert not delivered(mail_root, "friend@example.net", "Later", timeout=2)
        assert not delivered(mail_root, "friend@example.net", "Over", timeout=0.5)
        # a second message from the same sender the same day: no second reply (:days 1)
        smtp.sendmail("friend@example.net", ["info@example.com"], message("friend@example.net", "info@example.com",
                                                                          "again"))
        assert delivered(mail_root, "info@example.com", "again")
        assert sum(1 for p in (mail_root / "example.net" / "friend" / "new").iterdir()
                   if "auto-replied" in p.read_text(errors="replace")) == 1

        # turned off: the script and its line go, mail is still kept, nothing is answered
        driver.apply_mail([Mailbox("info@example.com", HASH, 100), friend])
        assert not script.exists() and "sieve" not in (cfg / "dovecot" / "users").read_text()
        smtp.sendmail("other@example.org", ["info@example.com"], message("other@example.org", "info@example.com",
                                                                         "after off"))
        assert delivered(mail_root, "info@example.com", "after off")


def test_a_stopped_or_locked_mailbox_sends_no_reply_and_resuming_brings_it_back(base):
    cfg = base / "cfg"
    driver = LocalDriver(cfg, mail_root=str(base / "mail"), secret_group="dovecot")
    need_tool("sievec")
    running = [Mailbox("info@example.com", HASH, autoreply=AWAY)]
    driver.apply_mail(running)
    before = tree(cfg)
    driver.apply_mail([Mailbox("info@example.com", HASH, suspended=True, autoreply=AWAY)])
    assert not list((cfg / "dovecot" / "sieve").iterdir())
    assert "sieve" not in (cfg / "dovecot" / "users").read_text()
    driver.apply_mail([Mailbox("info@example.com", HASH, send_locked=True, autoreply=AWAY)])
    assert not list((cfg / "dovecot" / "sieve").iterdir())
    driver.apply_mail(running)
    assert {k: v for k, v in tree(cfg).items() if not k.endswith(".db")} == \
        {k: v for k, v in before.items() if not k.endswith(".db")}


def test_the_script_quotes_the_users_text_and_checks_the_dates_in_japan_time():
    text = sieve.render(Mailbox("info@example.com", HASH, autoreply=Autoreply(
        'Say "hi"', 'a\\b "c"\r\nd', date(2026, 12, 24), date(2026, 12, 26), 3)))
    assert 'currentdate :zone "+0900" :value "ge" "date" "2026-12-24"' in text
    assert 'currentdate :zone "+0900" :value "le" "date" "2026-12-26"' in text
    assert ':days 3 :from "info@example.com" :subject "Say \\"hi\\""' in text
    assert '"a\\\\b \\"c\\"\nd"' in text
    always = sieve.render(Mailbox("info@example.com", HASH, autoreply=Autoreply("S", "B")))
    assert "currentdate" not in always and 'require ["vacation"];' in always


@pytest.mark.parametrize("reply, message", [
    (Autoreply("two\nlines", "body"), "one line"),
    (Autoreply("", "body"), "subject of the reply"),
    (Autoreply("s", "x" * 4001), "at most 4000"),
    (Autoreply("s", "body", date(2026, 12, 10), date(2026, 12, 9)), "before the first day"),
    (Autoreply("s", "body", days=0), "from 1 to 30"),
    (Autoreply("s", "nul\x00byte"), "cannot be sent"),
])
def test_a_bad_reply_is_refused_before_anything_is_written(tmp_path, reply, message):
    with pytest.raises(ApplyError, match=message):
        LocalDriver(tmp_path / "cfg").apply_mail([Mailbox("info@example.com", HASH, autoreply=reply)])
    assert not (tmp_path / "cfg" / "dovecot" / "users").exists()


def test_a_script_sievec_refuses_puts_every_file_back(base):
    cfg = base / "cfg"
    sievec = need_tool("sievec")
    LocalDriver(cfg, mail_root=str(base / "mail"), secret_group="dovecot").apply_mail(
        [Mailbox("info@example.com", HASH, autoreply=AWAY)])
    before = tree(cfg)
    # a server whose sieve has no vacation extension (sievec -x -vacation): sievec's own verdict
    driver = LocalDriver(cfg, mail_root=str(base / "mail"), secret_group="dovecot",
                         tools={"sievec": [sievec, "-x", "-vacation"]})
    with pytest.raises(ApplyError, match="sievec") as caught:
        driver.apply_mail([Mailbox("info@example.com", HASH, autoreply=AWAY),
                           Mailbox("new@example.com", HASH, autoreply=AWAY)])
    assert "unknown Sieve capability" in (caught.value.output or "")
    assert tree(cfg) == before
