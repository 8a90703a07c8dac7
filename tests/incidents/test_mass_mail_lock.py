"""Generated postfix logs: exactly the account over its course's threshold is locked (evidence
kept, reseller and end user told), the sender access map REJECTs it, unlock removes it."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.hosting.account_names import mail_password_hash
from tenants.mail_abuse.locks import locked_senders, unlock
from tenants.models import AuditLog, Course, Customer, MassMailLock, Principal, Server
from tenants.servers.rules import seal_driver_config
from tenants.tenancy import Scope
from tests.incidents.helpers import add_contacts, system
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import need_tool
from tests.workers.test_maillog import START, message
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import Mailbox
from workers.jobs.mail_abuse import scan_server

NOW = START + timedelta(hours=1)
ADDRESSES = ("taro@example.jp", "hanako@example.jp", "jiro@jiro.example")


def sends(account: str, count: int, start=START) -> list[str]:
    out = []
    for i in range(count):
        ts = start + timedelta(seconds=60 * i)
        out += message(ts, [f"r{i}@victims.example"], sender=account, sasl=account)
    return out


@pytest.fixture
def mail_server(app, world, tmp_path):
    """The demo server reading tmp/mail.log; courses at 50 messages an hour; a third customer."""
    log = tmp_path / "mail.log"
    log.write_text("")
    with system(app) as s:
        server = s.get(Server, world.server)
        seal_driver_config(SecretBox(app.config["SETTINGS"].encryption_keys), server, {"mail_log": str(log)})
        for course_id in (world.demo_course, world.acme_course):
            s.get(Course, course_id).mass_mail_per_hour = 50
        s.add(Customer(reseller_id=world.demo, course_id=world.demo_course, server_id=world.server,
                       contractor_name="Jiro", contact_email="jiro@jiro.example"))
        s.commit()
    return log


def apply_sender_map(app, server_id, config_dir) -> LocalDriver:
    need_tool("postmap")
    driver = LocalDriver(config_dir)
    with system(app) as s:
        locked = locked_senders(s, server_id)
    digest = mail_password_hash("Mail-Password-2026")
    driver.apply_mail([Mailbox(a, digest, send_locked=a in locked) for a in ADDRESSES])
    return driver


def test_only_the_account_over_its_threshold_is_locked_and_unlock_lifts_it(app, world, mailbox, mail_server, tmp_path):
    add_contacts(app, world)
    # taro: 51 within the hour (over 50); hanako: 50 (at the limit, allowed); jiro: 45
    lines = sends("taro@example.jp", 51) + sends("hanako@example.jp", 50) + sends("jiro@jiro.example", 45)
    mail_server.write_text("\n".join(sorted(lines, key=lambda entry: entry[:32])) + "\n")
    result = scan_server(world.server, NOW.isoformat())
    assert result["locked"] == ["taro@example.jp"]

    with system(app) as s:
        [lock] = s.execute(select(MassMailLock)).scalars().all()
        assert (lock.address, lock.customer_id, lock.reseller_id) == ("taro@example.jp", world.demo_customer, world.demo)
        assert lock.evidence["count"] == 51 and lock.evidence["threshold"] == 50
        assert len(lock.evidence["sample_recipients"]) == 10 and lock.evidence["window_start"]
        assert locked_senders(s, world.server) == {"taro@example.jp"}
        lock_id = lock.id
    told = sorted(r for m in mailbox.messages for r in m.to)
    assert told == ["noc@demo.example", "taro@example.jp"]
    assert all("taro@example.jp" in m.subject and "51" in m.body for m in mailbox.messages)

    driver = apply_sender_map(app, world.server, tmp_path / "conf")
    assert driver.lookup_mail_map("sender_access", "taro@example.jp").startswith("REJECT")
    assert driver.lookup_mail_map("sender_access", "hanako@example.jp") is None
    assert driver.lookup_mail_map("sender_access", "jiro@jiro.example") is None

    # the log rotates and taro goes on sending: still one lock, nobody told twice
    os.rename(mail_server, f"{mail_server}.1")
    mail_server.write_text("\n".join(sends("taro@example.jp", 10, start=NOW)) + "\n")
    assert scan_server(world.server, (NOW + timedelta(minutes=10)).isoformat())["locked"] == []
    assert len(mailbox.messages) == 2

    # the reseller unlocks (audited); the map entry goes away; old mail does not lock it again
    with scoped_session(app, Scope("reseller", world.demo, None, world.principals["demo-op"])) as s:
        lock = s.get(MassMailLock, lock_id)
        unlock(s, s.get(Principal, world.principals["demo-op"]), lock, NOW + timedelta(minutes=15),
               "customer removed the mailer script")
        s.commit()
    driver = apply_sender_map(app, world.server, tmp_path / "conf")
    assert driver.lookup_mail_map("sender_access", "taro@example.jp") is None
    assert scan_server(world.server, (NOW + timedelta(minutes=20)).isoformat())["locked"] == []
    with system(app) as s:
        assert s.get(MassMailLock, lock_id).unlocked_by == "operator:demo-op"
        assert s.execute(select(AuditLog.action).where(AuditLog.action.like("mass_mail.%"))
                         .order_by(AuditLog.id)).scalars().all() == ["mass_mail.lock", "mass_mail.unlock"]


def test_end_user_cannot_unlock(app, world, mail_server):
    mail_server.write_text("\n".join(sends("taro@example.jp", 60)) + "\n")
    scan_server(world.server, NOW.isoformat())
    from tenants.tenancy import TenantScopeError
    with scoped_session(app, Scope("enduser", world.demo, world.demo_customer, world.principals["taro"])) as s:
        [lock] = s.execute(select(MassMailLock)).scalars().all()
        unlock(s, s.get(Principal, world.principals["taro"]), lock, NOW, "I fixed it")
        with pytest.raises(TenantScopeError):
            s.flush()


def test_an_old_burst_in_the_log_locks_nobody(app, world, mail_server):
    mail_server.write_text("\n".join(sends("taro@example.jp", 200, start=START - timedelta(hours=3))) + "\n")
    assert scan_server(world.server, NOW.isoformat())["locked"] == []
    with system(app) as s:
        assert locked_senders(s, world.server) == set()
