"""Fixtures of the contract tests: a real SMTP server (aiosmtpd) in the test process."""
from email import message_from_bytes, policy

import pytest

from tests.servers.process import free_ports
from workers import runtime


@pytest.fixture
def smtp_sink(app):
    """A real aiosmtpd server on 127.0.0.1 in this process; the app's settings point at it."""
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []
            self.refuse = False  # answer 451 (try again later), as a busy mail server does

        async def handle_DATA(self, server, session, envelope):
            if self.refuse:
                return "451 try again later"
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            return "250 OK"

    sink = Sink()
    (port,) = free_ports(1)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = runtime.settings()
    old = settings.smtp_host, settings.smtp_port
    settings.smtp_host, settings.smtp_port = "127.0.0.1", port
    yield sink
    settings.smtp_host, settings.smtp_port = old
    controller.stop()
