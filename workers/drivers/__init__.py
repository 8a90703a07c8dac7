"""How jobs reach a server: ``driver_for(server)`` and nothing else.

Every job that touches a server opens its driver once (``with driver_for(server) as driver:``)
and uses it for every step: one connection per server per job. The driver is the host driver
(workers/drivers/host) over the server's transport (workers/drivers/transport): ``local`` for the
machine the panel runs on, ``ssh`` for every other server. Which transport a server uses is
decided here and nowhere else; the rest of the code sees only the ``Driver`` protocol.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    from workers.drivers.host.cron import CronEntry
    from workers.drivers.host.driver import HostDriver
    from workers.drivers.host.remediation import CommandResult
    from workers.drivers.host.spec import (
        ApplyResult,
        DatabaseSpec,
        DkimSigning,
        FtpUser,
        MailAlias,
        Mailbox,
        MailingList,
        PhpPool,
        ProtectedDir,
        SystemUser,
        VirtualHost,
        Zone,
    )
    from workers.drivers.host.ssh import SshLogin, SshSettings
    from workers.drivers.transport.base import Transport

# Keys of the sealed settings that are the transport's, not the driver's.
CONNECTION_KEYS = ("ssh_private_key",)


class Driver(Protocol):
    """What a job may do with a server (the host driver over the server's transport)."""
    host: "Transport"                 # the transport, for the metrics and log readers
    settings: dict                    # the server's other settings (homes_root, mail_log, ...)
    db_admin: dict

    @property
    def config_dir(self) -> Path: ...

    def apply_web(self, vhosts: "Sequence[VirtualHost]") -> "ApplyResult": ...

    def put_acme_challenge(self, token: str, text: str) -> None: ...

    def remove_acme_challenge(self, token: str) -> None: ...

    def apply_protected_dirs(self, dirs: "Sequence[ProtectedDir]", web_root: str,
                             php_site: "VirtualHost | None" = None) -> "ApplyResult": ...

    def apply_system_users(self, users: "Sequence[SystemUser]") -> "ApplyResult": ...

    def give_to(self, folders: "Sequence[tuple[SystemUser, str]]", make_missing: bool = False) -> int: ...

    def own_tree(self, user: "SystemUser") -> None: ...

    def php_versions(self) -> list[str]: ...

    def php_socket(self, user: "SystemUser", ver: str) -> str: ...

    def apply_php(self, pools: "Sequence[PhpPool]") -> "ApplyResult": ...

    def apply_mail(self, mailboxes: "Sequence[Mailbox]", aliases: "Sequence[MailAlias]" = (),
                   lists: "Sequence[MailingList]" = ()) -> "ApplyResult": ...

    def lookup_mail_map(self, name: str, key: str) -> str | None: ...

    def apply_dkim(self, items: "Sequence[DkimSigning]", trusted: "Sequence[str]" = ()) -> "ApplyResult": ...

    def apply_ftp(self, users: "Sequence[FtpUser]") -> "ApplyResult": ...

    def apply_cron(self, entries: "Sequence[CronEntry]", cron_file: str = ...) -> "ApplyResult": ...

    def apply_ssh(self, logins: "Sequence[SshLogin]", settings: "SshSettings") -> "ApplyResult": ...

    def apply_dns(self, zones: "Sequence[Zone]") -> "ApplyResult": ...

    def apply_database(self, spec: "DatabaseSpec") -> "ApplyResult": ...

    def change_database_password(self, spec: "DatabaseSpec") -> "ApplyResult": ...

    def drop_database(self, spec: "DatabaseSpec") -> "ApplyResult": ...

    def database_size_bytes(self) -> int | None: ...

    def run_command(self, argv: list[str], timeout: float) -> "CommandResult": ...

    def close(self) -> None: ...

    def __enter__(self) -> "Driver": ...

    def __exit__(self, *exc) -> None: ...


def _local(server, config: dict):
    from workers.drivers.transport.local import LocalTransport

    return LocalTransport()


def _ssh(server, config: dict):
    from workers.drivers.transport.ssh import SshTransport

    return SshTransport(server.address, server.ssh_port or 22, server.ssh_user or "root",
                        config.get("ssh_private_key") or "", server.host_key or "")


TRANSPORTS = {"local": _local, "ssh": _ssh}


def driver_for(server, box=None) -> "HostDriver":
    """The driver of ``server`` from its sealed settings. It connects when first used (a server
    that cannot be reached raises TransportError then, with the reason) and closes its connection
    when the ``with`` block ends."""
    from tenants.crypto import SecretBox
    from tenants.servers.rules import open_driver_config
    from workers import runtime
    from workers.drivers.host.driver import DRIVER_PARAMETERS, HostDriver
    from workers.drivers.host.spec import ApplyError

    try:
        config = open_driver_config(box or SecretBox(runtime.settings().encryption_keys), server)
    except ValueError as exc:  # sealed with a key this installation no longer has
        raise ApplyError(f"the driver settings of {server.hostname} cannot be opened: {exc}") from exc
    make = TRANSPORTS.get(server.driver)
    if make is None:
        raise ApplyError(f"the {server.driver} transport is not available on this installation")
    transport = make(server, config)
    for key in CONNECTION_KEYS:
        config.pop(key, None)
    driver = HostDriver(transport=transport, **{k: v for k, v in config.items() if k in DRIVER_PARAMETERS})
    driver.settings = {k: v for k, v in config.items() if k not in DRIVER_PARAMETERS}
    driver.missing_config = f"server {server.hostname} has no driver settings (config_dir) yet; ask the provider"
    return driver
