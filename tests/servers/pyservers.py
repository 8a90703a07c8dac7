"""Servers built on Python server libraries, each run as its own child process.

SmtpServer: aiosmtpd — STARTTLS port, SMTPS (implicit TLS) port, plain port without STARTTLS.
FtpServer: pyftpdlib — a port offering AUTH TLS (TLS_FTPHandler), a plain port without TLS.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .certs import TlsMaterial
from .process import ServerProcess, free_ports

HERE = Path(__file__).resolve().parent


@dataclass
class SmtpServer:
    directory: Path
    tls: TlsMaterial
    host: str = "127.0.0.1"
    starttls_port: int = 0
    smtps_port: int = 0
    plain_port: int = 0
    process: ServerProcess | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.starttls_port:
            self.starttls_port, self.smtps_port, self.plain_port = free_ports(3)
        self.directory.mkdir(parents=True, exist_ok=True)
        ports = [self.starttls_port, self.smtps_port, self.plain_port]
        argv = [sys.executable, str(HERE / "smtp_main.py"), self.tls.chain_file, self.tls.key_file]
        argv += [str(p) for p in ports]
        self.process = ServerProcess("aiosmtpd", argv, ports, self.directory / "smtp.log")

    def start(self) -> "SmtpServer":
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()


@dataclass
class FtpServer:
    directory: Path
    tls: TlsMaterial
    host: str = "127.0.0.1"
    username: str = "probe"
    password: str = "probe-ftp-secret"
    tls_port: int = 0
    plain_port: int = 0
    process: ServerProcess | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.tls_port:
            self.tls_port, self.plain_port = free_ports(2)
        home = self.directory / "home"
        home.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, str(HERE / "ftp_main.py"), self.tls.chain_file, self.tls.key_file, str(home)]
        argv += [self.username, self.password, str(self.tls_port), str(self.plain_port)]
        self.process = ServerProcess("pyftpdlib", argv, [self.tls_port, self.plain_port], self.directory / "ftp.log")

    def start(self) -> "FtpServer":
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()
