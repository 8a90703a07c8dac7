"""End users' own server settings as wanted state (OEM spec エンドユーザー機能).

Every function here checks what the user typed with the tenants rules and the course limits,
saves the wanted state (``pending``) and returns the provisioning work to enqueue once the caller
has committed. Nothing reaches a server from here: the workers' hosting jobs do.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from tenants import audit
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.cron_models import CronJob
from tenants.hosting.hostnames import names_above
from tenants.hosting.models import Provisioned
from tenants.hosting.sftp_models import SftpAccount
from tenants.models import (
    Course,
    Customer,
    Database,
    DkimKey,
    DnsRecord,
    Domain,
    FtpAccount,
    MailAccount,
    MailAlias,
    MailingList,
    ProtectedDirectory,
)
from tenants.tenancy import BYPASS

SERVICES = ("web", "mail", "ftp", "dns", "cron", "ssh")
# Whose state each service's apply records (a domain's zone is applied by "dns" too).
SERVICE_MODELS: dict[str, tuple[type[Provisioned], ...]] = {
    "web": (Domain, ProtectedDirectory), "mail": (MailAccount, MailingList, MailAlias, DkimKey),
    "ftp": (FtpAccount,), "dns": (DnsRecord,), "cron": (CronJob,), "ssh": (SftpAccount,)}


@dataclass(frozen=True)
class Work:
    """One piece of provisioning to hand to the workers after the commit: a service of a server
    applied whole (``kind`` "service", args (server id, service)), one database ("database",
    args (database id,)) or one domain's certificate ("certificate", args (domain id,))."""
    kind: str
    args: tuple

    @classmethod
    def service(cls, customer: Customer, service: str) -> "Work":
        # hosting is only created on a server (need_server), and a customer with hosting is never
        # moved off it (customers/rules.py): whoever changes hosting has one
        assert customer.server_id is not None
        return cls.service_on(customer.server_id, service)

    @classmethod
    def service_on(cls, server_id: int, service: str) -> "Work":
        return cls("service", (server_id, service))

    @classmethod
    def certificate(cls, domain: Domain) -> "Work":
        """Get the domain's certificate from the ACME CA (issue 17)."""
        return cls("certificate", (domain.id,))

    @classmethod
    def database(cls, database: Database) -> "Work":
        return cls("database", (database.id,))


# Course limits (OEM spec コース設定): what each counts, its limit and the refusal message.
LIMITS: dict[str, tuple[type[Provisioned], str, str]] = {
    "domains": (Domain, "max_domains", N_("domains: %(used)s of %(limit)s used")),
    "mail_accounts": (MailAccount, "max_mail_accounts", N_("mail accounts: %(used)s of %(limit)s used")),
    "mailing_lists": (MailingList, "max_mailing_lists", N_("mailing lists: %(used)s of %(limit)s used")),
    "mail_aliases": (MailAlias, "max_mail_aliases", N_("mail aliases: %(used)s of %(limit)s used")),
    "ftp_accounts": (FtpAccount, "max_ftp_accounts", N_("FTP accounts: %(used)s of %(limit)s used")),
    "databases": (Database, "max_databases", N_("databases: %(used)s of %(limit)s used")),
    "dns_records": (DnsRecord, "max_dns_records", N_("DNS records: %(used)s of %(limit)s used")),
    "cron_jobs": (CronJob, "max_cron_jobs", N_("cron jobs: %(used)s of %(limit)s used")),
    "sftp_accounts": (SftpAccount, "max_ftp_accounts", N_("FTP and SFTP/SSH accounts: %(used)s of %(limit)s used")),
}
# The OEM spec's "FTP/SSH accounts" is one limit: FTP and SFTP/SSH accounts are counted together.
COUNTED_WITH = {"ftp_accounts": (FtpAccount, SftpAccount), "sftp_accounts": (FtpAccount, SftpAccount)}
SHOWN_LIMITS = tuple(kind for kind in LIMITS if kind != "sftp_accounts")  # usage() lists the shared limit once


def used(session, customer: Customer, kind: str) -> int:
    return sum(session.scalar(select(func.count()).select_from(model).where(
        model.customer_id == customer.id, model.deleting.is_(False))) or 0
        for model in COUNTED_WITH.get(kind, (LIMITS[kind][0],)))


def usage(session, customer: Customer) -> list[tuple[str, int, int]]:
    """(kind, used, limit) for every counted course limit."""
    course = session.get(Course, customer.course_id)
    return [(kind, used(session, customer, kind), getattr(course, LIMITS[kind][1])) for kind in SHOWN_LIMITS]


def check_limit(session, customer: Customer, kind: str, field: str = "name", adding: int = 1) -> None:
    """Refuse a create that would go over the course limit, e.g. "mail accounts: 10 of 10 used"."""
    _model, attr, msgid = LIMITS[kind]
    limit = getattr(session.get(Course, customer.course_id), attr)
    count = used(session, customer, kind)
    if count + adding > limit:
        raise RuleViolation(Problem(msgid, field, {"used": count, "limit": limit}))


def need_server(customer: Customer, field: str | None = None) -> None:
    if customer.server_id is None:
        raise RuleViolation.one(N_("Your account has no server yet. Contact support."), field)


def taken_anywhere(session, model, *conditions) -> bool:
    """Is a name in use by any customer? Names like domains and FTP users are one per server
    farm, so this trusted look-up sees every tenant's rows (only whether one exists)."""
    stmt = select(model.id).where(*conditions).limit(1).execution_options(**{BYPASS: True})
    return session.execute(stmt).first() is not None


def overlapping(column, ascii_name: str):
    """``column`` holds ``ascii_name``, a name above it (looked up in its index) or a name below
    it (a suffix match: LIKE '%.name', which reads the whole column)."""
    return or_(column.in_([ascii_name, *names_above(ascii_name)]),
               column.endswith("." + ascii_name, autoescape=True))


def live_domain(session, customer: Customer, domain_id, field: str = "domain_id") -> Domain:
    """One of the customer's own domains that is not being removed."""
    try:
        domain_id = int(domain_id)
    except (TypeError, ValueError):
        domain_id = None
    domain = session.execute(select(Domain).where(
        Domain.id == domain_id, Domain.customer_id == customer.id, Domain.deleting.is_(False))).scalar()
    if domain is None:
        raise RuleViolation.one(N_("Choose one of your domains."), field)
    return domain


def checked_all(*checks) -> list:
    """Run every check; collect all their problems so each field shows its own message at once."""
    results, problems = [], []
    for check in checks:
        try:
            results.append(check())
        except RuleViolation as exc:
            problems.extend(exc.problems)
            results.append(None)
    if problems:
        raise RuleViolation(problems)
    return results


def service_of(obj) -> str | None:
    """Which service's job applies this object (None: a database, which has its own job)."""
    return next((service for service, models in SERVICE_MODELS.items() if isinstance(obj, models)), None)


def retry(session, actor, customer: Customer, obj) -> list[Work]:
    """Try a failed (or stuck) change again: pending again, and its job enqueued once more."""
    need_server(customer)
    obj.want_changed()
    audit.record(session, actor, "provision.retry", obj, f"retry {type(obj).__name__} {obj.id}",
                 customer_id=customer.id)
    service = service_of(obj)
    return [Work.service(customer, service)] if service else [Work.database(obj)]


def state_counts(session, customer: Customer) -> dict[str, int]:
    """How many of the customer's objects wait to be applied, and how many failed."""
    counts = {"pending": 0, "failed": 0}
    for model in (Domain, MailAccount, MailingList, MailAlias, FtpAccount, Database, DnsRecord, ProtectedDirectory,
                  DkimKey):
        for state, n in session.execute(select(model.state, func.count()).where(
                model.customer_id == customer.id).group_by(model.state)):
            if state in counts:
                counts[state] += n
    return counts
