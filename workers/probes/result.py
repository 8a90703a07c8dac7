"""The one input type (Endpoint) and the one output type (ProbeResult) of every probe."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Well-known ports, used when an Endpoint is made without one.
DEFAULT_PORTS = {
    "icmp": None,
    "http": 80,
    "https": 443,
    "ftp": 21,
    "ftps": 21,  # explicit FTPS: AUTH TLS on the control port
    "smtp": 25,
    "smtps": 465,
    "pop3": 110,
    "pop3s": 995,
    "imap": 143,
    "imaps": 993,
    "postgresql": 5432,
    "mysql": 3306,
}
ALIASES = {"ping": "icmp", "postgres": "postgresql", "mariadb": "mysql"}


@dataclass
class Endpoint:
    """What to check. `server_name` is the TLS/SNI (and HTTP Host) name; the host is used when unset."""

    protocol: str
    host: str
    port: int | None = None
    timeout: float = 10.0
    server_name: str | None = None
    expect_status: int = 200
    path: str = "/"
    keyword: str | None = None
    username: str | None = None
    password: str | None = None
    database: str | None = None
    verify_tls: bool = True
    ca_file: str | None = None
    echoes: int = 3  # ICMP echo requests per check (UP when any is answered)

    def __post_init__(self):
        proto = (self.protocol or "").strip().lower()
        self.protocol = ALIASES.get(proto, proto)
        if self.port is None:
            self.port = DEFAULT_PORTS.get(self.protocol)

    @property
    def tls_name(self) -> str:
        return self.server_name or self.host

    def label(self) -> str:
        return f"{self.protocol}://{self.host}" + (f":{self.port}" if self.port else "")


@dataclass
class ProbeResult:
    """The outcome of one probe.

    latency_ms is the wall time of the whole check when it is UP (connect, banner, TLS handshake,
    login), and None when DOWN. tls_expires is the peer certificate's notAfter (UTC, aware) when
    TLS was used; tls_verified is True when chain and host name were verified, False when
    verification was off or failed, None when no TLS was used.
    """

    endpoint: Endpoint
    up: bool
    latency_ms: float | None
    reason: str
    tls_expires: datetime | None = None
    tls_verified: bool | None = None


@dataclass(frozen=True)
class TlsInfo:
    expires: datetime | None
    verified: bool


@dataclass(frozen=True)
class Up:
    """What a protocol check returns when the service answered correctly."""

    reason: str = "ok"
    tls: TlsInfo | None = None
    latency_ms: float | None = None  # set by checks that measure better than wall time (ICMP RTT)


class ProbeFailure(Exception):
    """Raised by a protocol check when the peer answered but the service is not right."""

    def __init__(self, reason: str, tls: TlsInfo | None = None):
        super().__init__(reason)
        self.reason = reason
        self.tls = tls
