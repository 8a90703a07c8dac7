"""From database rows to what a driver applies: the server's driver (built from its sealed
settings) and the FULL wanted state of one service on one server, every customer on it included
(each ``apply_*`` removes what it is not given)."""
from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, field

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.mass_mail_lock import locked_senders
from tenants.models import (Customer, DnsRecord, Domain, FtpAccount, MailAccount, MailingList, ProtectedDirectory,
                            Server)
from tenants.servers import open_driver_config
from workers import runtime
from workers.drivers.local.driver import LocalDriver
from workers.drivers.local.nginx import protect_key
from workers.drivers.local.spec import (ApplyError, FtpUser, Mailbox, MailingList as ListSpec, ProtectedDir,
                                        VirtualHost, Zone, ZoneRecord)

# Settings of ours in the server's driver config, next to LocalDriver's own keyword arguments.
SITE_KEYS = ("homes_root", "ftp_uid", "ftp_gid", "tls_cert_file", "tls_key_file")


def box() -> SecretBox:
    return SecretBox(runtime.settings().encryption_keys)


@dataclass
class Site:
    """A server's driver and the paths our rows are placed under."""
    driver: LocalDriver
    homes_root: str
    ftp_uid: int = 2000
    ftp_gid: int = 2000
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    extra: dict = field(default_factory=dict)

    def home(self, customer_id: int) -> str:
        return f"{self.homes_root.rstrip('/')}/{customer_id}"

    def docroot(self, domain: Domain) -> str:
        return f"{self.home(domain.customer_id)}/{domain.docroot}"


def site_for(server: Server) -> Site:
    if server.driver != "local":
        raise ApplyError(f"the {server.driver} driver is not available on this installation")
    try:
        config = open_driver_config(box(), server)
    except ValueError as exc:  # sealed with a key this installation no longer has
        raise ApplyError(f"the driver settings of {server.hostname} cannot be opened: {exc}") from exc
    if not config.get("config_dir"):
        raise ApplyError(f"server {server.hostname} has no driver settings (config_dir) yet; ask the provider")
    ours = {key: config.pop(key) for key in SITE_KEYS if key in config}
    homes_root = ours.pop("homes_root", None) or os.path.join(config["config_dir"], "homes")
    # the same settings also serve other workers (e.g. mail_log for the mass-mail scan)
    driver_args = {k: v for k, v in config.items() if k in DRIVER_PARAMETERS}
    extra = {k: v for k, v in config.items() if k not in DRIVER_PARAMETERS}
    return Site(LocalDriver(**driver_args), homes_root=homes_root, extra=extra, **ours)


DRIVER_PARAMETERS = frozenset(inspect.signature(LocalDriver.__init__).parameters) - {"self"}


def rows_on(session, server_id: int, model, *, live_only: bool = False):
    stmt = select(model).join(Customer, Customer.id == model.customer_id).where(Customer.server_id == server_id)
    if live_only:
        stmt = stmt.where(model.deleting.is_(False))
    return list(session.execute(stmt.order_by(model.id)).scalars())


def _has_protection(site: Site, domain: Domain) -> bool:
    folder = site.driver.config_dir / "protect" / protect_key(site.docroot(domain))
    return folder.is_dir() and any(folder.iterdir())


def _ensure_dir(path: str) -> None:
    """Create a document root or FTP home; a failure here does not undo an applied configuration."""
    try:
        os.makedirs(path, mode=0o755, exist_ok=True)
    except OSError:
        pass


# --- the four services ----------------------------------------------------------------------------
# Each returns the driver's summary and {(model, id): message} for rows it had to leave out.

def apply_web(site: Site, session, server_id: int) -> str:
    domains = rows_on(session, server_id, Domain)
    live = [d for d in domains if not d.deleting]
    protected = {}
    for directory in rows_on(session, server_id, ProtectedDirectory, live_only=True):
        protected.setdefault(directory.domain_id, []).append(
            ProtectedDir(directory.path, directory.realm, tuple((u.name, u.password_hash) for u in directory.users)))
    for domain in domains:  # a removed site's protection goes with it
        dirs = protected.get(domain.id, []) if not domain.deleting else []
        if dirs or _has_protection(site, domain):
            site.driver.apply_protected_dirs(dirs, site.docroot(domain))
    vhosts, refused = [], {}
    for domain in live:
        https = domain.https and bool(site.tls_cert_file and site.tls_key_file)
        if domain.https and not https:  # served without HTTPS; only this domain is marked failed
            refused[(Domain, domain.id)] = (f"HTTPS for {domain.name}: this server has no certificate configured; "
                                            "the site is served over HTTP only. Ask the provider.")
        vhosts.append(VirtualHost(domain.name, site.docroot(domain), https,
                                  site.tls_cert_file if https else None, site.tls_key_file if https else None))
    result = site.driver.apply_web(vhosts)
    for vhost in vhosts:
        _ensure_dir(vhost.docroot)
    return f"{result.detail}; {sum(len(v) for v in protected.values())} protected director(ies)", refused


def apply_mail(site: Site, session, server_id: int) -> str:
    locked = {a.lower() for a in locked_senders(session, server_id)}  # mass-mail locks (OEM spec 障害レベル1)
    boxes = [Mailbox(b.address, b.password_hash, b.quota_mb, tuple(b.forward_list), b.keep_copy,
                     b.send_locked or b.address.lower() in locked)
             for b in rows_on(session, server_id, MailAccount, live_only=True)]
    lists = [ListSpec(ml.address, tuple(m.address for m in ml.members))
             for ml in rows_on(session, server_id, MailingList, live_only=True)]
    return site.driver.apply_mail(boxes, (), lists).detail, {}


def apply_ftp(site: Site, session, server_id: int) -> str:
    users = []
    for account in rows_on(session, server_id, FtpAccount, live_only=True):
        home = site.home(account.customer_id)
        _ensure_dir(home)
        users.append(FtpUser(account.name, account.password_hash, account.directory, home, site.ftp_uid, site.ftp_gid))
    return site.driver.apply_ftp(users).detail, {}


def apply_dns(site: Site, session, server_id: int) -> str:
    records: dict[int, list[ZoneRecord]] = {}
    for row in rows_on(session, server_id, DnsRecord, live_only=True):
        records.setdefault(row.domain_id, []).append(ZoneRecord(row.name, row.type, row.value, row.ttl))
    zones = [Zone(d.name, d.dns_serial, tuple(records.get(d.id, ())))
             for d in rows_on(session, server_id, Domain, live_only=True)]
    return site.driver.apply_dns(zones).detail, {}


APPLY = {"web": apply_web, "mail": apply_mail, "ftp": apply_ftp, "dns": apply_dns}
