"""From database rows to what a driver applies: the server's driver (drivers.driver_for, over its
transport) with the paths our rows are placed under, and the FULL wanted state of one service on one
server, every customer on it included (each ``apply_*`` removes what it is not given). What the
driver had to leave out (a virtual host nginx refuses, a zone named-checkzone refuses, an FTP user
whose folder leaves its home) comes back as a Failure of that item's rows only; everyone else's
changes are applied."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.errors import RuleViolation
from tenants.hosting import dkim, failures
from tenants.hosting.account_names import resolve_under
from tenants.hosting.cron_models import CronJob, CronOutput
from tenants.hosting.sftp_models import SftpAccount
from tenants.hosting.suspension import stopped_on
from tenants.hosting.system_users import DEFAULT_PREFIX
from tenants.mail_abuse.locks import locked_senders
from tenants.models import (
    Course,
    Customer,
    DkimKey,
    DnsRecord,
    Domain,
    FtpAccount,
    MailAccount,
    MailingList,
    ProtectedDirectory,
)
from workers import runtime
from workers.drivers import Driver
from workers.drivers.host.base import Resolver
from workers.drivers.host.cron import DEFAULT_CRON_FILE, CronEntry
from workers.drivers.host.nginx import protect_key, safe_path
from workers.drivers.host.spec import (
    ApplyError,
    Autoreply,
    DkimSigning,
    FtpUser,
    LeftOut,
    Mailbox,
    ProtectedDir,
    VirtualHost,
    Zone,
    ZoneRecord,
)
from workers.drivers.host.spec import MailingList as ListSpec
from workers.drivers.host.ssh import SshLogin, SshSettings
from workers.jobs.hosting import https_state, php_sites
from workers.jobs.hosting.mail_aliases import aliases_on

# Settings of ours in the server's driver config, next to the driver's own keyword arguments.
# tls_cert_file / tls_key_file: the server's certificate for HTTPS sites; tls_certificates:
# {"<ASCII domain>": ["<certificate file>", "<key file>"]}, a domain's own certificate instead.
SITE_KEYS = ("homes_root", "ftp_uid", "ftp_gid", "tls_cert_file", "tls_key_file", "tls_certificates")


def box() -> SecretBox:
    return SecretBox(runtime.settings().encryption_keys)


@dataclass
class Site:
    """A server's driver and the paths our rows are placed under."""
    driver: Driver
    homes_root: str
    ftp_uid: int = 2000
    ftp_gid: int = 2000
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_certificates: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.realpath = Resolver(self.driver.host)  # paths resolved on the server, in batches
        self.protect_keys: set[str] | None = None

    def certificate(self, domain: str) -> tuple[str | None, str | None]:
        """The domain's own certificate and key files if it has them, else the server's."""
        own = self.tls_certificates.get(domain) if isinstance(self.tls_certificates, dict) else None
        return tuple(own) if isinstance(own, (list, tuple)) and len(own) == 2 else (self.tls_cert_file,
                                                                                     self.tls_key_file)

    def home(self, customer_id: int) -> str:
        return f"{self.homes_root.rstrip('/')}/{customer_id}"

    def docroot(self, domain: Domain) -> str:
        return f"{self.home(domain.customer_id)}/{domain.docroot}"


def site_for(driver: Driver) -> Site:
    """Where the server's driver places our rows (its settings: homes_root, ftp ids, certificates)."""
    settings = dict(driver.settings)
    ours = {key: settings.pop(key) for key in SITE_KEYS if key in settings}
    homes_root = ours.pop("homes_root", None) or f"{driver.config_dir}/homes"
    return Site(driver, homes_root=homes_root, extra=settings, **ours)


def rows_on(session, server_id: int, model, *, live_only: bool = False):
    stmt = select(model).join(Customer, Customer.id == model.customer_id).where(Customer.server_id == server_id)
    if live_only:
        stmt = stmt.where(model.deleting.is_(False))
    return list(session.execute(stmt.order_by(model.id)).scalars())


def _has_protection(site: Site, web_root: str) -> bool:
    """Whether the server holds protected folders for this web root (one listing of protect/ for
    all sites, then only the folders that exist are looked into)."""
    protect = site.driver.config_dir / "protect"
    if site.protect_keys is None:
        site.protect_keys = set(site.driver.host.listdir(str(protect)))
    key = protect_key(web_root)
    return key in site.protect_keys and bool(site.driver.host.listdir(str(protect / key)))


@dataclass(frozen=True)
class Failure:
    """Why rows were not applied: ``reason`` for the end user (a message of
    tenants.hosting.failures), ``detail`` for the provider (the tool's output). ``served``: what
    the server had for these rows before still stands, so only changed rows are marked; False:
    it is no longer served, so rows applied before are marked failed too."""
    reason: str
    detail: str
    served: bool = True

    def columns(self) -> dict:
        return {"state_reason": self.reason, "state_detail": self.detail[:8000]}


def left_out_failure(reason: str, what: str, left: LeftOut) -> Failure:
    kept = "its previous configuration is still in place" if left.served else "it is not served"
    error = left.error
    said = f"{error.tool}: {error.output or error.message}" if error.tool else error.message
    return Failure(reason, f"{what} was left out ({kept}). {said}", left.served)


# --- the four services ----------------------------------------------------------------------------
# Each returns the driver's summary and {(model, id): Failure} for rows it had to leave out.

def web_root(site: Site, domain: Domain) -> str:
    """The domain's document root on disk, symlinks followed as for FTP homes: it must stay inside
    the customer's home, or a link the customer made (e.g. over FTP) would publish other files."""
    try:
        root = resolve_under(site.home(domain.customer_id), domain.docroot, "docroot", site.realpath)
    except RuleViolation:
        raise ApplyError(f"the document root {domain.docroot} of {domain.name} leads outside the customer's home "
                         "(through a symbolic link); the site is not served until it points inside the home "
                         "again") from None
    return safe_path(str(root), "document root")


def apply_web(site: Site, session, server_id: int) -> tuple[str, dict]:
    domains = rows_on(session, server_id, Domain)
    site.realpath.prefetch(site.home(d.customer_id) for d in domains)  # two round trips for all of them
    site.realpath.prefetch(f"{site.realpath(site.home(d.customer_id))}/{d.docroot}" for d in domains)
    roots: dict[int, str] = {}
    refused: dict[tuple[type, int], Failure] = {}
    for domain in domains:
        try:
            roots[domain.id] = web_root(site, domain)
        except ApplyError as exc:  # only this domain is left out, and no longer served
            if not domain.deleting:
                refused[(Domain, domain.id)] = Failure(failures.DOCROOT_OUTSIDE, exc.message, served=False)
    live = [d for d in domains if not d.deleting and d.id in roots]
    stopped = stopped_on(session, server_id)  # their sites answer the reseller's suspended page
    users = php_sites.system_users(site, session, server_id, {d.customer_id for d in live})
    sockets, php_refused, php_detail = php_sites.php_sockets(site, session, server_id, live, users, stopped)
    refused = php_refused | refused
    vhosts = []
    certificates, names = https_state.certificates_of(session, live), {d.name for d in domains}
    secrets = box()  # one for all the sites: it reads the settings' keys
    for domain in live:
        tls = https_state.tls_for(site, secrets, domain, certificates.get(domain.id), names)
        if domain.https and not tls.https:  # served without HTTPS; only this domain is marked failed
            refused[(Domain, domain.id)] = Failure(failures.NO_HTTPS, tls.detail)
        socket, memory = sockets.get(domain.id, (None, None))
        vhosts.append(VirtualHost(domain.name, roots[domain.id], tls.https, tls.cert_file, tls.key_file,
                                  stopped.get(domain.customer_id), certificate=tls.certificate,
                                  redirect=domain.https_redirect, aliases=tls.aliases, php_socket=socket,
                                  php_memory_mb=memory))
    result = site.driver.apply_web(vhosts)
    for domain in live:
        if domain.name in result.left_out:
            refused[(Domain, domain.id)] = left_out_failure(failures.SITE_REFUSED, f"the site {domain.name}",
                                                            result.left_out[domain.name])
    # document roots made where missing, and the customer's (not root's) folders
    site.driver.give_to([(users[d.customer_id], v.docroot) for d, v in zip(live, vhosts)], make_missing=True)
    by_domain = dict(zip((d.id for d in live), vhosts))
    protected: dict[int, list[ProtectedDirectory]] = {}
    for directory in rows_on(session, server_id, ProtectedDirectory):
        protected.setdefault(directory.domain_id, []).append(directory)
    for domain in domains:  # a removed or refused site's protection goes with it
        root = roots.get(domain.id, site.docroot(domain))
        rows = [d for d in protected.get(domain.id, []) if not d.deleting and domain in live]
        if rows or _has_protection(site, root):
            try:
                site.driver.apply_protected_dirs([ProtectedDir(d.path, d.realm, tuple(
                    (u.name, u.password_hash) for u in d.users)) for d in rows], root, by_domain.get(domain.id))
            except ApplyError as exc:  # only this site's protected folders fail
                for directory in protected.get(domain.id, []):
                    refused[(ProtectedDirectory, directory.id)] = Failure(failures.PROTECTED_REFUSED, str(exc))
    count = sum(1 for rows in protected.values() for d in rows if not d.deleting)
    return f"{result.detail}; {count} protected director(ies); {php_detail}", refused


def _autoreply(box: MailAccount) -> Autoreply | None:
    """The mailbox's automatic reply when it is on (sent only while its days cover today, sieve.py)."""
    if not box.autoreply_on:
        return None
    return Autoreply(box.autoreply_subject, box.autoreply_body, box.autoreply_start, box.autoreply_end,
                     box.autoreply_days)


def apply_mail(site: Site, session, server_id: int) -> tuple[str, dict]:
    locked = {a.lower() for a in locked_senders(session, server_id)}  # mass-mail locks (OEM spec 障害レベル1)
    stopped = stopped_on(session, server_id)  # no login, no sending; incoming mail still delivered
    boxes = [Mailbox(b.address, b.password_hash, b.quota_mb, tuple(b.forward_list), b.keep_copy,
                     b.send_locked or b.address.lower() in locked, b.customer_id in stopped, _autoreply(b))
             for b in rows_on(session, server_id, MailAccount, live_only=True)]
    lists = [ListSpec(ml.address, tuple(m.address for m in ml.members))
             for ml in rows_on(session, server_id, MailingList, live_only=True)]
    detail = site.driver.apply_mail(boxes, aliases_on(session, server_id), lists).detail
    signing, refused = dkim_signing(site, session, server_id)
    return f"{detail}; {signing}", refused


def dkim_signing(site: Site, session, server_id: int) -> tuple[str, dict]:
    """OpenDKIM signs each live domain's mail with its active key (issue 17 item 4); if it refuses,
    only the DKIM keys fail (mail itself was applied)."""
    live = {d.id: d.name for d in rows_on(session, server_id, Domain, live_only=True)}
    rows = rows_on(session, server_id, DkimKey)
    keys = [k for k in rows if k.active and not k.deleting and k.domain_id in live]
    trusted = site.extra.get("dkim_trusted_hosts") or ()
    try:
        try:
            secrets = box()
            items = [DkimSigning(live[k.domain_id], k.selector, dkim.open_key(secrets, k)) for k in keys]
        except ValueError as exc:  # a sealed key the configured keys cannot open
            raise ApplyError(f"a DKIM key cannot be opened: {exc}") from None
        return site.driver.apply_dkim(items, tuple(trusted) if isinstance(trusted, (list, tuple)) else ()).detail, {}
    except ApplyError as exc:
        failure = Failure(failures.NOT_APPLIED, f"DKIM signing: {exc.message} {exc.output or ''}".strip())
        return f"dkim failed: {exc.message}", {(DkimKey, k.id): failure for k in rows}


def apply_ftp(site: Site, session, server_id: int) -> tuple[str, dict]:
    users, accounts = [], rows_on(session, server_id, FtpAccount, live_only=True)
    stopped = stopped_on(session, server_id)  # their FTP users cannot log in
    owners = php_sites.system_users(site, session, server_id, {account.customer_id for account in accounts})
    for account in accounts:  # files written over FTP belong to the customer's own user (issue 16)
        owner = owners[account.customer_id]
        users.append(FtpUser(account.name, account.password_hash, account.directory, owner.home, owner.uid,
                             owner.uid, account.customer_id in stopped))
    result = site.driver.apply_ftp(users)
    return result.detail, {(FtpAccount, a.id): left_out_failure(failures.FTP_REFUSED, f"the FTP user {a.name}",
                                                                result.left_out[a.name])
                           for a in accounts if a.name in result.left_out}


def apply_dns(site: Site, session, server_id: int) -> tuple[str, dict]:
    records: dict[int, list[ZoneRecord]] = {}
    rows = rows_on(session, server_id, DnsRecord)
    for row in rows:
        if not row.deleting:
            records.setdefault(row.domain_id, []).append(ZoneRecord(row.name, row.type, row.value, row.ttl))
    domains = rows_on(session, server_id, Domain, live_only=True)
    keys: dict[int, list[DkimKey]] = {}
    for key in rows_on(session, server_id, DkimKey, live_only=True):
        keys.setdefault(key.domain_id, []).append(key)
    for domain in domains:  # mail authentication's records, unless the domain's DNS is elsewhere
        mine = sorted(keys.get(domain.id, []), key=lambda k: (not k.active, -k.id))
        records.setdefault(domain.id, []).extend(dkim.zone_additions(domain.name, mine, records.get(domain.id, [])))
    result = site.driver.apply_dns([Zone(d.name, d.dns_serial, tuple(records.get(d.id, ()))) for d in domains])
    refused: dict[tuple[type, int], Failure] = {}
    for domain in domains:  # every record of a zone left out, removals included: they stay as served
        if domain.name in result.left_out:
            failure = left_out_failure(failures.ZONE_REFUSED, f"the zone {domain.name}", result.left_out[domain.name])
            refused |= {(DnsRecord, row.id): failure for row in rows if row.domain_id == domain.id}
    return result.detail, refused


def apply_cron(site: Site, session, server_id: int) -> tuple[str, dict]:
    """Every customer's cron jobs, run as its own user; a stopped customer's jobs do not run
    (issue 16 item 1) and come back on resume. Output to the contact address, else ~/cron.log."""
    jobs = rows_on(session, server_id, CronJob, live_only=True)
    stopped = stopped_on(session, server_id)
    live = [job for job in jobs if job.customer_id not in stopped]
    owners = php_sites.system_users(site, session, server_id, {job.customer_id for job in live})
    contacts = dict(session.execute(select(Customer.id, Customer.contact_email).where(
        Customer.id.in_({job.customer_id for job in live}))).all())
    result = site.driver.apply_cron([CronEntry(str(job.id), owners[job.customer_id].name, job.schedule, job.command,
                                               contacts.get(job.customer_id) if job.output == CronOutput.MAIL else None)
                                     for job in live], str(site.extra.get("cron_file") or DEFAULT_CRON_FILE))
    return result.detail, {(CronJob, job.id): left_out_failure(failures.CRON_REFUSED, f"the cron job {job.id}",
                                                               result.left_out[str(job.id)])
                           for job in live if str(job.id) in result.left_out}


# Settings of ours in the server's driver config for SFTP/SSH (workers/drivers/host/ssh.py).
SSH_KEYS = {"sshd_config": "sshd_config", "sshd_dropin": "dropin", "ssh_keys_dir": "keys_dir",
            "sftp_group": "sftp_group", "ssh_group": "ssh_group"}


def apply_ssh(site: Site, session, server_id: int) -> tuple[str, dict]:
    """Every customer's SFTP/SSH logins, as its own system user; a stopped customer's logins are
    refused (issue 16 item 1) and work again on resume."""
    accounts = rows_on(session, server_id, SftpAccount, live_only=True)
    stopped = stopped_on(session, server_id)
    owners = php_sites.system_users(site, session, server_id, {a.customer_id for a in accounts}) if accounts else {}
    shell_ok = dict(session.execute(select(Customer.id, Course.shell_allowed).join(Course, Course.id == Customer.course_id)
                                    .where(Customer.id.in_({a.customer_id for a in accounts}))).all())
    # a shell only while the course allows it (issue 16 item 4): a course that stops allowing it chroots them
    logins = [SshLogin(a.name, owners[a.customer_id].uid, owners[a.customer_id].home, a.password_hash, tuple(a.keys),
                       a.shell and bool(shell_ok.get(a.customer_id)), a.customer_id in stopped) for a in accounts]
    settings = SshSettings(site.homes_root, reserved=(str(site.extra.get("system_user_prefix") or DEFAULT_PREFIX),),
                           **{ours: str(site.extra[key]) for key, ours in SSH_KEYS.items() if site.extra.get(key)})
    result = site.driver.apply_ssh(logins, settings)
    return result.detail, {(SftpAccount, a.id): left_out_failure(failures.SSH_REFUSED, f"the SFTP/SSH user {a.name}",
                                                                 result.left_out[a.name])
                           for a in accounts if a.name in result.left_out}


APPLY = {"web": apply_web, "mail": apply_mail, "ftp": apply_ftp, "dns": apply_dns, "cron": apply_cron,
         "ssh": apply_ssh}
