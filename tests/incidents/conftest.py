"""Fixtures of the incident tests: a real SMTP receiver (aiosmtpd) the panel's notices go to, and a
real daemonising nginx whose start command is the restart command under test."""
from __future__ import annotations

import email
import os
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers.process import find_binary, free_ports, port_open, unavailable


@dataclass
class Received:
    to: list[str]
    subject: str
    body: str
    sender: str = ""
    reply_to: str = ""


@dataclass
class Mailbox:
    """Messages an aiosmtpd server on 127.0.0.1 received; `refuse` makes it answer 451."""
    port: int
    messages: list[Received] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 try again later"
        msg = email.message_from_bytes(envelope.content)
        body = msg.get_payload(decode=True).decode(msg.get_content_charset() or "utf-8")
        def header(name: str) -> str:
            return str(email.header.make_header(email.header.decode_header(msg[name] or "")))

        self.messages.append(Received(list(envelope.rcpt_tos), header("Subject"), body, header("From"),
                                      header("Reply-To")))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.to]


@pytest.fixture(scope="session")
def smtp_receiver():
    from aiosmtpd.controller import Controller

    port = free_ports(1)[0]
    box = Mailbox(port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_receiver):
    """The receiver, emptied, with the app's SMTP settings pointing at it."""
    smtp_receiver.messages.clear()
    smtp_receiver.refuse = False
    settings = app.config["SETTINGS"]
    settings.smtp_host, settings.smtp_port = "127.0.0.1", smtp_receiver.port
    settings.mail_from = "noc@provider.example"
    return smtp_receiver


CONF = """\
daemon on;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
    server {{ listen 127.0.0.1:{port}; location / {{ return 200 "service ok\\n"; }} }}
}}
"""


@dataclass
class DaemonNginx:
    """nginx that daemonises like a system service: `start_argv` starts it and returns."""
    directory: Path
    binary: str
    port: int = 0

    def __post_init__(self):
        self.port = self.port or free_ports(1)[0]
        (self.directory / "nginx.conf").write_text(CONF.format(d=self.directory, port=self.port))

    @property
    def start_argv(self) -> list[str]:
        d = self.directory
        return [self.binary, "-p", f"{d}/", "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")]

    def pid(self) -> int | None:
        try:
            return int((self.directory / "nginx.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(500):  # the master removes its pid file when it is gone
            if not (self.directory / "nginx.pid").exists() and not port_open(self.port):
                return
            time.sleep(0.01)  # polling a real process's exit, not waiting for a clock


@pytest.fixture
def daemon_nginx():
    binary = find_binary("nginx")
    if binary is None:
        unavailable("nginx (Debian nginx-light) is not installed")
    server = DaemonNginx(Path(tempfile.mkdtemp(prefix="incident-nginx-")), binary)
    yield server
    server.stop()
