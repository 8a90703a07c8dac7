"""The autoresponder of a mailbox, set in the end-user panel: with days covering today a message
to the mailbox is answered through a real postfix → dovecot LMTP + sieve, From the mailbox, with
the subject and text typed, naming neither the provider nor anything else; with days that do not
cover today nothing is answered; turned off, the server forgets it; a suspended customer's mailbox
answers nothing until resumed. Bad input is refused beside its field and nothing is saved; another
customer can neither see nor change it."""
from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tenants.models import MailAccount
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs, update_server_config
from tests.hosting.postfix_server import delivered
from tests.hosting.sieve_server import mail_log, running_mail
from tests.hosting.test_panel_rules import errors_beside
from tests.hosting.victims import make_hosting
from tests.support import scoped_session
from tests.test_isolation_walk import walk_world  # noqa: F401  (a fixture)
from tests.workers.drivers.local_helpers import PASSWORD, world_readable_dir

TODAY = date.today()


def add_boxes(client) -> dict[str, int]:
    assert client.post("/u/demo/domains", data={"name": "shop.example.jp"}).status_code == 302
    page = client.get("/u/demo/mail").get_data(as_text=True)
    domain_id = re.search(r'<option value="(\d+)"', page).group(1)
    for local in ("info", "friend"):
        assert client.post("/u/demo/mail", data={"domain_id": domain_id, "local_part": local, "password": PASSWORD,
                                                 "quota_mb": "100"}).status_code == 302
    page = client.get("/u/demo/mail").get_data(as_text=True)
    return {local: int(re.search(rf'/u/demo/mail/(\d+)"[^>]*>\s*{local}@', page).group(1))
            for local in ("info", "friend")}


def saved(app, box_id: int) -> MailAccount:
    with scoped_session(app, Scope.system()) as s:
        box = s.get(MailAccount, box_id)
        s.expunge(box)
        return box


def send(port: int, subject: str) -> None:
    import smtplib

    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("friend@shop.example.jp", ["info@shop.example.jp"],
                      f"From: friend@shop.example.jp\nTo: info@shop.example.jp\nSubject: {subject}\n\nhi\n".encode())


def replies(mail_root) -> list[str]:
    new = mail_root / "shop.example.jp" / "friend" / "new"
    texts = [p.read_text(errors="replace") for p in new.iterdir()] if new.is_dir() else []
    return [t for t in texts if "Auto-Submitted: auto-replied" in t]


def test_the_autoresponder_answers_while_its_days_cover_today(app, world, as_taro, local_server):
    base = world_readable_dir("panel-autoreply-")
    try:
        mail_root = base / "mail"
        update_server_config(app, world.server, config_dir=str(base / "cfg"), mail_root=str(mail_root),
                             secret_group="dovecot")
        as_taro.get("/lang/en")
        ids = add_boxes(as_taro)
        r = as_taro.post(f"/u/demo/mail/{ids['info']}/autoreply", data={
            "on": "y", "subject": "お休みのお知らせ", "body": "Closed until Monday.\n月曜日に戻ります。",
            "start": (TODAY - timedelta(days=1)).isoformat(), "end": (TODAY + timedelta(days=1)).isoformat(),
            "days": "2"})
        assert r.status_code == 302
        page = as_taro.get(f"/u/demo/mail/{ids['info']}").get_data(as_text=True)
        assert "Closed until Monday." in page and 'value="2"' in page
        assert "autoresponder on" in as_taro.get("/u/demo/mail").get_data(as_text=True)
        run_jobs(app)
        assert saved(app, ids["info"]).state == "applied"
        script = base / "cfg" / "dovecot" / "sieve" / "info@shop.example.jp.sieve"
        assert script.exists()

        with running_mail(base / "cfg", mail_root) as port:
            send(port, "first")
            assert delivered(mail_root, "info@shop.example.jp", "first"), mail_log(base / "cfg")
            assert delivered(mail_root, "friend@shop.example.jp", "=?utf-8?"), mail_log(base / "cfg")
            reply = replies(mail_root)[0]
            assert "\nFrom: info@shop.example.jp\n" in reply
            assert "Closed until Monday.\n月曜日に戻ります。" in reply
            provider = app.config["SETTINGS"].provider_name  # never in what the sender receives
            assert provider.lower() not in reply.lower() and "oem" not in reply.lower()

            # days that do not cover today: the mail is kept, nothing is answered
            r = as_taro.post(f"/u/demo/mail/{ids['info']}/autoreply", data={
                "on": "y", "subject": "Later", "body": "Next week.",
                "start": (TODAY + timedelta(days=3)).isoformat(), "end": (TODAY + timedelta(days=5)).isoformat()})
            assert r.status_code == 302
            run_jobs(app)
            send(port, "second")
            assert delivered(mail_root, "info@shop.example.jp", "second")
            assert not delivered(mail_root, "friend@shop.example.jp", "Later", timeout=2)

            # turned off: the server forgets it
            r = as_taro.post(f"/u/demo/mail/{ids['info']}/autoreply", data={"subject": "Later", "body": "Next week."})
            assert r.status_code == 302
            run_jobs(app)
            assert not script.exists()
            assert "sieve" not in (base / "cfg" / "dovecot" / "users").read_text()
            send(port, "third")
            assert delivered(mail_root, "info@shop.example.jp", "third")
            assert len(replies(mail_root)) == 1
        box = saved(app, ids["info"])
        assert (box.autoreply_on, box.autoreply_subject, box.state) == (False, "Later", "applied")
    finally:
        shutil.rmtree(base)


BAD = [
    ({"on": "y", "subject": "", "body": "x"}, "subject", "Enter the subject of the reply."),
    ({"on": "y", "subject": "two\nlines", "body": "x"}, "subject", "The subject must be one line."),
    ({"on": "y", "subject": "s", "body": "x" * 4001}, "body", "Enter at most 4000 characters."),
    ({"on": "y", "subject": "s", "body": ""}, "body", "Enter the text of the reply."),
    ({"on": "y", "subject": "s", "body": "x", "start": "2026-12-10", "end": "2026-12-09"}, "end",
     "The last day cannot be before the first day."),
    ({"subject": "s", "body": "x", "start": "10/12/2026"}, "start", "Enter a date as YYYY-MM-DD."),
    ({"subject": "s", "body": "x", "end": "2026-02-30"}, "end", "Enter a date as YYYY-MM-DD."),
    ({"on": "y", "subject": "s", "body": "x", "days": "0"}, "days", "Enter a whole number of days from 1 to 30."),
    ({"on": "y", "subject": "s", "body": "x", "days": "many"}, "days", "Enter a whole number of days from 1 to 30."),
]


@pytest.mark.parametrize("data, field, message", BAD, ids=[f"{f}-{i}" for i, (_d, f, _m) in enumerate(BAD)])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(app, world, as_taro, data, field, message):
    as_taro.get("/lang/en")
    with scoped_session(app, Scope.system()) as s:
        from tenants.models import Customer

        box_id = make_hosting(s, s.get(Customer, world.demo_customer), "taro")["mail"]
        s.commit()
    before = saved(app, box_id)
    r = as_taro.post(f"/u/demo/mail/{box_id}/autoreply", data=data)
    assert r.status_code == 400
    assert message in errors_beside(r.get_data(as_text=True), field)
    after = saved(app, box_id)
    assert (after.autoreply_on, after.autoreply_subject, after.autoreply_body, after.revision) == \
        (before.autoreply_on, before.autoreply_subject, before.autoreply_body, before.revision)


@pytest.mark.usefixtures("walk_world")
def test_another_customer_can_neither_see_nor_change_the_autoresponder(app, world, as_taro):
    with scoped_session(app, Scope.system()) as s:
        box = s.scalar(select(MailAccount).where(MailAccount.id == world.jiro_hosting["mail"]))
        box.autoreply_on, box.autoreply_subject, box.autoreply_body = True, "Jiro is away", "secret plans"
        s.commit()
    for victim in (world.jiro_hosting["mail"], world.hanako_hosting["mail"]):
        assert as_taro.get(f"/u/demo/mail/{victim}").status_code == 404
        r = as_taro.post(f"/u/demo/mail/{victim}/autoreply", data={"on": "y", "subject": "Hijacked", "body": "x"})
        assert r.status_code == 404
    after = saved(app, world.jiro_hosting["mail"])
    assert (after.autoreply_subject, after.autoreply_body) == ("Jiro is away", "secret plans")


def test_a_suspended_customers_mailbox_sends_no_reply_until_resumed(app, world, as_taro, as_demo_operator,
                                                                     local_server):
    """Sending is refused for a stopped customer, so is the automatic reply; mail is still kept
    (tests/workers/drivers/test_local_autoreply.py delivers it for real)."""
    base = world_readable_dir("panel-autoreply-")
    try:
        update_server_config(app, world.server, config_dir=str(base / "cfg"), mail_root=str(base / "mail"),
                             secret_group="dovecot")
        ids = add_boxes(as_taro)
        assert as_taro.post(f"/u/demo/mail/{ids['info']}/autoreply", data={
            "on": "y", "subject": "Away", "body": "Back soon."}).status_code == 302
        run_jobs(app)
        script = base / "cfg" / "dovecot" / "sieve" / "info@shop.example.jp.sieve"
        users = base / "cfg" / "dovecot" / "users"
        answering = script.read_bytes()
        assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
        run_jobs(app)
        assert not script.exists() and "sieve" not in users.read_text() and "nologin=y" in users.read_text()
        assert saved(app, ids["info"]).autoreply_on  # the setting itself is kept
        assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/resume").status_code == 302
        run_jobs(app)
        assert script.read_bytes() == answering and f"userdb_sieve=file:{script}" in users.read_text()
    finally:
        shutil.rmtree(base)
