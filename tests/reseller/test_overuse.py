"""Overuse policy: mails at 80 % and 100 % of a quota (once each, under the reseller's brand, never
the provider's name), optional suspension at 100 % lifted when the use drops."""
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tenants.models import Course, Customer
from tenants.tenancy import Scope
from tests.reseller.helpers import one, set_disk_use
from tests.servers.process import free_ports
from tests.support import scoped_session

GB = 1024 ** 3


class Inbox:
    def __init__(self):
        self.messages = []
        self.refuse = False  # answer 451 (try again later), as a busy mail server does

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 try again later"
        message = message_from_bytes(envelope.content, policy=default)
        self.messages.append((envelope.rcpt_tos, "\n".join(
            (str(message["From"]), str(message["Subject"]), message.get_content()))))
        return "250 OK"


@pytest.fixture
def inbox(app):
    box = Inbox()
    port = free_ports(1)[0]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings = app.config["SETTINGS"]
    settings.smtp_host, settings.smtp_port = "127.0.0.1", port
    yield box
    controller.stop()


def _suspend_at_full(app, world, on=True):
    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).overuse_suspend = on
        s.commit()


def test_80_and_100_percent_are_mailed_once_under_the_brand(app, world, inbox):
    from workers.jobs.customers import check_overuse

    quota = 20480 * 1024 ** 2
    set_disk_use(app, world.demo_customer, int(quota * 0.85))
    assert check_overuse() == 1
    rcpts, text = inbox.messages[0]
    assert "taro@example.jp" in rcpts and "support@demo.example.jp" in rcpts
    assert "デモホスティング" in text and "80%" in text and app.config["SETTINGS"].provider_name not in text
    assert check_overuse() == 0  # already told
    set_disk_use(app, world.demo_customer, quota + 1)
    assert check_overuse() == 1 and "100%" in inbox.messages[1][1]
    assert one(app, select(Customer.status).where(Customer.id == world.demo_customer)) == "active"


def test_a_notice_the_smtp_host_refuses_is_sent_again_from_the_outbox(app, world, inbox):
    from workers.jobs.customers import check_overuse
    from workers.jobs.outbox import send_outbox

    set_disk_use(app, world.demo_customer, int(20480 * 1024 ** 2 * 0.85))
    inbox.refuse = True
    assert check_overuse() == 0 and inbox.messages == []
    assert check_overuse() == 0  # the level is on record: told once, not queued again
    inbox.refuse = False
    assert send_outbox() == 1 and send_outbox() == 0
    [(rcpts, text)] = inbox.messages
    assert "taro@example.jp" in rcpts and "support@demo.example.jp" in rcpts
    assert "デモホスティング" in text and "80%" in text and app.config["SETTINGS"].provider_name not in text


def test_suspension_at_100_percent_is_lifted_when_the_use_drops(app, world, inbox):
    from workers.jobs.customers import check_overuse

    _suspend_at_full(app, world)
    set_disk_use(app, world.demo_customer, 21 * GB)
    check_overuse()
    assert one(app, select(Customer.status).where(Customer.id == world.demo_customer)) == "suspended"
    notice = inbox.messages[-1][1]  # the mail speaks the end user's language (ja) and says what stopped
    assert "アカウントを停止しました" in notice and "届いたメールは引き続き受信して保管" in notice
    set_disk_use(app, world.demo_customer, 1 * GB)
    check_overuse()
    assert one(app, select(Customer.status).where(Customer.id == world.demo_customer)) == "active"


def test_a_suspension_by_the_reseller_is_not_lifted_by_the_policy(app, world, inbox, as_demo_operator):
    from workers.jobs.customers import check_overuse

    as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend")
    set_disk_use(app, world.demo_customer, 1 * GB)
    check_overuse()
    assert one(app, select(Customer.status).where(Customer.id == world.demo_customer)) == "suspended"
