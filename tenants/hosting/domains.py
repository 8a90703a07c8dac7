"""Domains (virtual hosts with a document root) and the DNS records of their zones."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting import account_names, dns_records, hostnames, reserved_names, zone_template
from tenants.hosting.wanted import Work, check_limit, checked_all, need_server, overlapping, taken_anywhere
from tenants.models import (
    Course,
    Customer,
    DkimKey,
    DnsRecord,
    Domain,
    MailAccount,
    MailAlias,
    MailingList,
    ProtectedDirectory,
    Server,
)


def default_docroot(ascii_name: str) -> str:
    return f"public_html/{ascii_name}"


def _https_allowed(session, customer: Customer, https: bool) -> None:
    # OEM spec コース設定: HTTPS only where the course allows it
    if https and not session.get(Course, customer.course_id).https_allowed:
        raise RuleViolation.one(N_("Your course does not include HTTPS."), "https")


def check_name_free(session, customer: Customer, ascii_name: str) -> None:
    """A domain's zone and site answer for every name under it on the shared servers, so a
    customer may not take a name equal to, under or above another customer's domain (in any
    reseller; one being removed holds its names until it is gone) or a name the provider keeps
    (tenants/reserved_names.py). Names under the customer's own domains are fine. The refusal
    never says whose the name is."""
    shown = hostnames.to_unicode(ascii_name)
    if taken_anywhere(session, Domain, Domain.name == ascii_name):
        raise RuleViolation.one(N_("The domain %(name)s is already registered."), "name", name=shown)
    if (taken_anywhere(session, Domain, overlapping(Domain.name, ascii_name), Domain.customer_id != customer.id)
            or reserved_names.is_reserved(session, ascii_name)):
        raise RuleViolation.one(N_("The domain %(name)s, or a domain above or below it, is already registered."),
                                "name", name=shown)


def create_domain(session, actor, customer: Customer, name: str, docroot: str = "",
                  https: bool = False) -> tuple[Domain, list[Work]]:
    need_server(customer, "name")
    ascii_name, root = checked_all(lambda: hostnames.hostable_domain(name, "name"),
                                   lambda: account_names.relative_path(docroot or "", "docroot"))
    check_name_free(session, customer, ascii_name)
    check_limit(session, customer, "domains")
    _https_allowed(session, customer, https)
    domain = Domain(customer_id=customer.id, reseller_id=customer.reseller_id, name=ascii_name,
                    docroot=root or default_docroot(ascii_name), https=bool(https), dns_serial=new_serial(0))
    session.add(domain)
    session.flush()
    # issue 16 item 6: the zone works on day one (the server's template; the user changes it later)
    for record in zone_template.initial_records(session.get(Server, customer.server_id), ascii_name):
        session.add(DnsRecord(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id,
                              name=record.name, type=record.type, value=record.value, ttl=record.ttl))
    audit.record(session, actor, "domain.create", domain, f"added domain {ascii_name}", customer_id=customer.id)
    return domain, [Work.service(customer, "web"), Work.service(customer, "dns")] + \
        ([Work.certificate(domain)] if domain.https else [])


def set_https(session, actor, customer: Customer, domain: Domain, https: bool) -> list[Work]:
    _https_allowed(session, customer, https)
    if domain.https != bool(https):
        domain.https = bool(https)
        domain.want_changed()
        audit.record(session, actor, "domain.https", domain, f"{domain.name}: HTTPS {'on' if https else 'off'}",
                     customer_id=customer.id)
    return [Work.service(customer, "web")] + ([Work.certificate(domain)] if domain.https else [])


def set_https_redirect(session, actor, customer: Customer, domain: Domain, redirect: bool) -> list[Work]:
    """Issue 17: whether plain HTTP answers with a redirect to HTTPS (the default) or the site."""
    if domain.https_redirect != bool(redirect):
        domain.https_redirect = bool(redirect)
        domain.want_changed()
        audit.record(session, actor, "domain.https_redirect", domain,
                     f"{domain.name}: HTTP to HTTPS redirect {'on' if redirect else 'off'}", customer_id=customer.id)
    return [Work.service(customer, "web")]


def delete_domain(session, actor, customer: Customer, domain: Domain) -> list[Work]:
    """Remove the site and its zone; mail and protected directories must go first."""
    for model, msgid in ((MailAccount, N_("Delete the mail accounts of %(name)s first.")),
                         (MailingList, N_("Delete the mailing lists of %(name)s first.")),
                         (MailAlias, N_("Delete the mail aliases of %(name)s first.")),
                         (ProtectedDirectory, N_("Delete the protected directories of %(name)s first."))):
        if session.execute(select(model.id).where(model.domain_id == domain.id,
                                                  model.deleting.is_(False)).limit(1)).first():
            raise RuleViolation.one(msgid, None, name=domain.name)
    domain.want_gone()
    for record in session.execute(select(DnsRecord).where(DnsRecord.domain_id == domain.id)).scalars():
        record.want_gone()
    works = [Work.service(customer, "web"), Work.service(customer, "dns")]
    for key in session.execute(select(DkimKey).where(DkimKey.domain_id == domain.id)).scalars():
        key.want_gone()  # its signing goes with the domain
        works.append(Work.service(customer, "mail"))
    audit.record(session, actor, "domain.delete", domain, f"removed domain {domain.name}", customer_id=customer.id)
    return list(dict.fromkeys(works))


# --- DNS ------------------------------------------------------------------------------------------

def new_serial(current: int, now: datetime | None = None) -> int:
    """SOA serial as YYYYMMDDnn (RFC 1912 §2.2), always greater than the current one."""
    now = now or datetime.now(timezone.utc)
    return max(int(now.strftime("%Y%m%d")) * 100, (current or 0) + 1)


def zone_records(session, domain: Domain, *, exclude_id: int | None = None) -> list[dns_records.Record]:
    rows = session.execute(select(DnsRecord).where(DnsRecord.domain_id == domain.id,
                                                   DnsRecord.deleting.is_(False))).scalars()
    return [dns_records.Record(r.name, r.type, r.value, r.ttl) for r in rows if r.id != exclude_id]


def add_record(session, actor, customer: Customer, domain: Domain, name: str, rtype: str, value: str,
               ttl=None, priority=None) -> tuple[DnsRecord, list[Work]]:
    """One record, checked per type and against the rest of the zone (CNAME alone, no twins)."""
    record = dns_records.validate_record(domain.name, name, rtype, value, ttl=ttl or None, priority=priority)
    dns_records.check_record_set(domain.name, zone_records(session, domain) + [record])
    check_limit(session, customer, "dns_records", "value")
    row = DnsRecord(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id,
                    name=record.name, type=record.type, value=record.value, ttl=record.ttl)
    session.add(row)
    domain.dns_serial = new_serial(domain.dns_serial)
    session.flush()
    audit.record(session, actor, "dns.add", row, f"{domain.name}: {record.type} {record.name}",
                 customer_id=customer.id)
    return row, [Work.service(customer, "dns")]


def delete_record(session, actor, customer: Customer, record: DnsRecord) -> list[Work]:
    record.want_gone()
    record.domain.dns_serial = new_serial(record.domain.dns_serial)
    audit.record(session, actor, "dns.delete", record, f"{record.domain.name}: {record.type} {record.name}",
                 customer_id=customer.id)
    return [Work.service(customer, "dns")]
