"""issue 20, mass-mail lock completeness, through the real job (workers.jobs.mail_abuse.scan_server)
on generated postfix logs: a pickup burst (a web script through sendmail, ``uid=``) locks the
customer whose domain is the sender or whose system user (a real one, looked up with getent) sent
it; a log rotated with a date suffix and gzip-compressed keeps its unread tail."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.models import Course, Domain, MassMailLock, Server
from tenants.servers.rules import seal_driver_config
from tests.incidents.helpers import add_contacts, system
from tests.incidents.test_mass_mail_lock import NOW, START, mail_server  # noqa: F401 - the fixture
from tests.workers.test_maillog import message
from workers.jobs.mail_abuse import scan_server


def pickups(sender: str, count: int, uid: int, minutes: int = 30) -> list[str]:
    out = []
    for i in range(count):
        ts = START + timedelta(seconds=minutes * 60 * i / count)
        out += message(ts, [f"r{i}@victims.example"], sender=sender, uid=uid)
    return out


def _threshold(app, world, per_hour: int) -> None:
    with system(app) as s:
        for course_id in (world.demo_course, world.acme_course):
            s.get(Course, course_id).mass_mail_per_hour = per_hour
        s.commit()


def _locks(app) -> list[tuple[str, int]]:
    with system(app) as s:
        return [(lock.address, lock.customer_id) for lock in s.execute(select(MassMailLock)).scalars()]


def test_a_pickup_burst_from_the_customers_domain_locks_that_customer(app, world, mail_server, mailbox):  # noqa: F811
    add_contacts(app, world)
    _threshold(app, world, 500)
    with system(app) as s:
        s.add(Domain(reseller_id=world.acme, customer_id=world.acme_customer, name="hanako-shop.example",
                     docroot="public_html"))
        s.commit()
    # 600 messages in 30 minutes from an address of hanako's domain that is no mailbox, by www-data
    mail_server.write_text("\n".join(pickups("info@hanako-shop.example", 600, uid=33)) + "\n")
    assert scan_server(world.server, NOW.isoformat())["locked"] == ["info@hanako-shop.example"]
    assert _locks(app) == [("info@hanako-shop.example", world.acme_customer)]
    told = sorted(r for m in mailbox.messages for r in m.to)
    assert told == ["hanako@example.jp", "noc@acme.example"]


@pytest.fixture
def system_user(tmp_path):
    """A real system user whose home is a customer's home folder; removed afterwards."""
    if shutil.which("useradd") is None or os.geteuid() != 0:
        pytest.fail("useradd and root are needed to make the test's system user")
    name, made = f"pt{secrets.token_hex(4)}", []

    def make(home: str) -> int:
        for uid in range(61000 + secrets.randbelow(800), 62000):
            if subprocess.run(["getent", "passwd", str(uid)], capture_output=True).returncode == 2:
                subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", home, "--uid", str(uid),
                                "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
                made.append(name)
                return uid
        raise AssertionError("no free uid")

    yield make
    for user in made:
        subprocess.run(["userdel", user], capture_output=True)


def test_a_pickup_burst_by_a_customers_system_user_locks_that_customer(app, world, mail_server, system_user,  # noqa: F811
                                                                       tmp_path):
    _threshold(app, world, 500)
    homes = tmp_path / "homes"
    with system(app) as s:
        server = s.get(Server, world.server)
        seal_driver_config(SecretBox(app.config["SETTINGS"].encryption_keys), server,
                           {"mail_log": str(mail_server), "homes_root": str(homes)})
        s.commit()
    uid = system_user(f"{homes}/{world.demo_customer}")
    # the script's sender is nobody's address: only the uid says whose it is
    mail_server.write_text("\n".join(pickups("wordpress@localhost.localdomain", 600, uid=uid)
                                     + pickups("noise@localhost.localdomain", 20, uid=33)) + "\n")
    assert scan_server(world.server, NOW.isoformat())["locked"] == ["wordpress@localhost.localdomain"]
    assert _locks(app) == [("wordpress@localhost.localdomain", world.demo_customer)]


@pytest.mark.parametrize("suffix", ["-20261224", "-20261224.gz"])
def test_the_tail_in_a_date_suffixed_rotated_log_is_counted(app, world, mail_server, suffix):  # noqa: F811
    _threshold(app, world, 500)
    log = mail_server.parent / "maillog"
    with system(app) as s:
        seal_driver_config(SecretBox(app.config["SETTINGS"].encryption_keys), s.get(Server, world.server),
                           {"mail_log": str(log)})
        s.commit()
    lines = []
    for i in range(501):  # 501 messages in 42 minutes, authenticated
        ts = START + timedelta(minutes=1, seconds=5 * i)
        lines += message(ts, [f"r{i}@victims.example"], sender="taro@example.jp", sasl="taro@example.jp")
    log.write_text("\n".join(lines[:1000]) + "\n")
    assert scan_server(world.server, (START + timedelta(minutes=20)).isoformat())["locked"] == []
    with open(log, "a") as fh:
        fh.write("\n".join(lines[1000:]) + "\n")  # the unread tail, then logrotate (dateext)
    os.rename(log, f"{log}-20261224")
    if suffix.endswith(".gz"):
        subprocess.run(["gzip", f"{log}-20261224"], check=True)
    log.write_text("")
    assert scan_server(world.server, NOW.isoformat())["locked"] == ["taro@example.jp"]
    with system(app) as s:
        [lock] = s.execute(select(MassMailLock)).scalars().all()
        assert lock.evidence["count"] == 501


def test_the_end_user_hears_from_the_reseller_in_jst(app, world, mail_server, mailbox):  # noqa: F811
    """issue 20: the lock notice to the end user is under the reseller's brand, with its support
    contact and hours, times in JST; the provider's name and help desk appear nowhere in it."""
    from tenants.calendar import HELPDESK_HOURS_TEXT_JA
    from tenants.models import Reseller

    add_contacts(app, world)
    _threshold(app, world, 50)
    with system(app) as s:
        reseller = s.get(Reseller, world.demo)
        reseller.support_email, reseller.support_phone = "support@demo-brand.example", "03-1234-5678"
        reseller.support_hours = "平日 9:00–18:00"
        brand = reseller.brand_name
        s.commit()
    lines = []
    for i in range(60):  # 60 in one hour from taro (demo's customer), 20:00–20:59 JST
        ts = START + timedelta(seconds=50 * i)
        lines += message(ts, [f"r{i}@victims.example"], sender="taro@example.jp", sasl="taro@example.jp")
    mail_server.write_text("\n".join(lines) + "\n")
    assert scan_server(world.server, NOW.isoformat())["locked"] == ["taro@example.jp"]
    [user] = mailbox.to("taro@example.jp")
    assert brand in user.sender and user.reply_to == "support@demo-brand.example"
    assert "03-1234-5678" in user.body and "平日 9:00–18:00" in user.body
    assert "2026-11-23 20:00 – 20:49 (JST)" in user.body and "UTC" not in user.body
    provider = app.config["SETTINGS"].provider_name
    assert provider not in user.body and provider not in user.sender and HELPDESK_HOURS_TEXT_JA not in user.body
    [noc] = mailbox.to("noc@demo.example")
    assert HELPDESK_HOURS_TEXT_JA in noc.body and "(JST)" in noc.body and brand not in noc.sender
