"""Course rules (OEM spec "コース設定"): a reseller's named resource plans and their limits."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tenants import audit
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.cron_models import CronJob
from tenants.hosting.models import Provisioned
from tenants.hosting.sftp_models import SftpAccount
from tenants.models import Course, Customer, Database, DnsRecord, Domain, FtpAccount, MailAccount, MailAlias, MailingList

# The limits a course sets (OEM spec: disk, traffic, domains, mail, lists, FTP, DB, DNS, SSL, mass mail).
LIMIT_FIELDS = ("disk_quota_mb", "traffic_quota_gb", "max_domains", "max_mail_accounts", "mailbox_quota_mb",
                "max_mailing_lists", "max_mail_aliases", "max_ftp_accounts", "max_databases", "max_dns_records",
                "mass_mail_per_hour", "php_memory_limit_mb", "max_cron_jobs")
FLAG_FIELDS = ("https_allowed", "overuse_notify", "overuse_suspend", "php_allowed", "shell_allowed")
COURSE_FIELDS = ("name", "description") + LIMIT_FIELDS + FLAG_FIELDS
# Limits a form or API call may leave out: the course keeps what it has (or the default)
KEPT_WHEN_MISSING = ("php_memory_limit_mb", "max_cron_jobs")
MAX_LIMIT = 10_000_000
# Limits counted from the customer's hosting objects (the end-user panel's domains, mail, ...).
COUNTED: dict[str, type[Provisioned]] = {
    "max_domains": Domain, "max_mail_accounts": MailAccount, "max_mailing_lists": MailingList, "max_mail_aliases": MailAlias,
    "max_ftp_accounts": FtpAccount, "max_databases": Database, "max_dns_records": DnsRecord,
    "max_cron_jobs": CronJob}
# The OEM spec's "FTP/SSH accounts" limit counts both kinds (tenants/hosting/wanted.COUNTED_WITH).
COUNTED_TOGETHER: dict[str, tuple[type[Provisioned], ...]] = {"max_ftp_accounts": (FtpAccount, SftpAccount)}
OVERUSE_WARN_PERCENT = 80   # OEM spec overuse policy: notify at 80 % ...
OVERUSE_FULL_PERCENT = 100  # ... and at 100 % (optionally suspend the site until it drops)


@dataclass(frozen=True)
class OverLimit:
    """A customer who already uses more than a lowered limit allows."""
    customer_id: int
    contractor_name: str
    field: str
    used: int
    limit: int


def course_defaults() -> dict:
    """The limits a new course starts from (the model's defaults)."""
    return {c.name: c.default.arg for c in Course.__table__.columns
            if c.name in LIMIT_FIELDS + FLAG_FIELDS and c.default is not None}


def course_problems(session, data: dict, existing: Course | None) -> list[Problem]:
    problems: list[Problem] = []
    name = (data.get("name") or "").strip()
    if not name:
        problems.append(Problem(N_("This field is required."), "name"))
    elif len(name) > 100:
        problems.append(Problem(N_("Use at most %(n)s characters."), "name", {"n": 100}))
    else:
        clash = session.execute(select(Course.id).where(Course.name == name)).scalar()
        if clash is not None and (existing is None or clash != existing.id):
            problems.append(Problem(N_("A course with this name already exists."), "name"))
    for field in LIMIT_FIELDS:
        value = data.get(field)
        if value is None and field in KEPT_WHEN_MISSING:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(Problem(N_("Enter a whole number."), field))
        elif not 0 <= value <= MAX_LIMIT:
            problems.append(Problem(N_("Enter a number from %(lo)s to %(hi)s."), field, {"lo": 0, "hi": MAX_LIMIT}))
    return problems


def _apply(course: Course, data: dict) -> None:
    for field in COURSE_FIELDS:
        if field in data and not (data[field] is None and field in KEPT_WHEN_MISSING):
            value = data[field]
            if field == "name":
                value = value.strip()
            elif field == "description":
                value = (value or "").strip() or None
            elif field in FLAG_FIELDS:
                value = bool(value)
            setattr(course, field, value)


def create_course(session, actor, data: dict) -> Course:
    problems = course_problems(session, data, None)
    if problems:
        raise RuleViolation(problems)
    course = Course()
    _apply(course, data)
    session.add(course)
    session.flush()
    audit.record(session, actor, "course.create", course, f"created course {course.name}")
    return course


def customers_over(session, course: Course, data: dict) -> list[OverLimit]:
    """Customers on this course whose live usage exceeds a limit the change would lower below it."""
    over: list[OverLimit] = []
    new_disk = data.get("disk_quota_mb")
    if isinstance(new_disk, int) and new_disk < course.disk_quota_mb:  # disk: the collector's live figure
        rows = session.execute(select(Customer.id, Customer.contractor_name, Customer.disk_used_bytes)
                               .where(Customer.course_id == course.id,
                                      Customer.disk_used_bytes > new_disk * 1024 * 1024)
                               .order_by(Customer.id)).all()
        over += [OverLimit(r.id, r.contractor_name, "disk_quota_mb", -(-r.disk_used_bytes // (1024 * 1024)),
                           new_disk) for r in rows]
    for field, model in COUNTED.items():  # one grouped count per lowered limit
        new = data.get(field)
        if not isinstance(new, int) or new >= getattr(course, field):
            continue
        if field in COUNTED_TOGETHER:
            over += _over_together(session, course, field, new)
            continue
        n = func.count(model.id)
        rows = session.execute(select(Customer.id, Customer.contractor_name, n)
                               .join(model, model.customer_id == Customer.id)
                               .where(Customer.course_id == course.id, model.deleting.is_(False))
                               .group_by(Customer.id, Customer.contractor_name).having(n > new)
                               .order_by(Customer.id)).all()
        over += [OverLimit(r[0], r[1], field, r[2], new) for r in rows]
    return over


def _over_together(session, course: Course, field: str, new: int) -> list[OverLimit]:
    """Customers over a limit that counts several kinds of rows (FTP and SFTP/SSH accounts)."""
    counts: dict[int, list] = {}
    for model in COUNTED_TOGETHER[field]:
        rows = session.execute(select(Customer.id, Customer.contractor_name, func.count(model.id))
                               .join(model, model.customer_id == Customer.id)
                               .where(Customer.course_id == course.id, model.deleting.is_(False))
                               .group_by(Customer.id, Customer.contractor_name))
        for customer_id, name, n in rows:
            counts.setdefault(customer_id, [name, 0])[1] += n
    return [OverLimit(cid, name, field, n, new) for cid, (name, n) in sorted(counts.items()) if n > new]


def update_course(session, actor, course: Course, data: dict, *, confirmed: bool = False) -> list[OverLimit]:
    """Change a course. Lowering a limit below what customers use needs confirmation: without it the
    affected customers are returned and nothing changes (OEM spec: limits protect running sites)."""
    problems = course_problems(session, data, course)
    if problems:
        raise RuleViolation(problems)
    over = customers_over(session, course, data)
    if over and not confirmed:
        return over
    before = {f: getattr(course, f) for f in COURSE_FIELDS}
    _apply(course, data)
    changed = {f: [before[f], getattr(course, f)] for f in COURSE_FIELDS if before[f] != getattr(course, f)}
    audit.record(session, actor, "course.update", course, f"changed course {course.name}",
                 details={"changed": changed, "over_limit_customers": [o.customer_id for o in over]})
    return []


def customers_on(session, course: Course, limit: int = 100) -> list[Customer]:
    return session.execute(select(Customer).where(Customer.course_id == course.id)
                           .order_by(Customer.id).limit(limit)).scalars().all()


def delete_course(session, actor, course: Course) -> None:
    """A course in use is never deleted: the refusal names the customers on it."""
    users = customers_on(session, course, limit=20)
    if users:
        total = session.scalar(select(func.count()).select_from(Customer).where(Customer.course_id == course.id))
        names = ", ".join(c.contractor_name for c in users) + (" …" if total > len(users) else "")
        raise RuleViolation.one(N_("This course is in use by %(n)s customers and cannot be deleted: %(names)s"),
                                None, n=total, names=names)
    audit.record(session, actor, "course.delete", course, f"deleted course {course.name}")
    session.delete(course)


def course_counts(session) -> dict[int, int]:
    """Customers per course, in one query."""
    return dict(session.execute(select(Customer.course_id, func.count()).group_by(Customer.course_id)).all())


def quota_level(used: int, quota: int) -> int | None:
    """The overuse step reached (80 or 100 per cent of a quota), or None (OEM spec overuse policy)."""
    if quota <= 0:
        return None
    percent = 100 * used / quota
    if percent >= OVERUSE_FULL_PERCENT:
        return OVERUSE_FULL_PERCENT
    if percent >= OVERUSE_WARN_PERCENT:
        return OVERUSE_WARN_PERCENT
    return None
