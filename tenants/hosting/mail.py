"""Mail accounts (password, quota, forwards, keep-a-copy) and mailing lists with their members."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting import account_names
from tenants.hosting.aliases import refuse_if_aliased
from tenants.hosting.wanted import Work, check_limit, checked_all, live_domain, need_server
from tenants.models import Course, Customer, MailAccount, MailAlias, MailingList, MailingListMember

MAX_FORWARDS = 20
MAX_MEMBERS = 500


def _address_free(session, domain_id: int, local: str, field: str = "local_part") -> None:
    for model in (MailAccount, MailingList, MailAlias):
        if session.execute(select(model.id).where(model.domain_id == domain_id, model.local_part == local)).first():
            raise RuleViolation.one(N_("This address is already in use."), field)


def _addresses(text: str, field: str, limit: int) -> list[str]:
    lines = [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
    if len(lines) > limit:
        raise RuleViolation.one(N_("Enter at most %(n)s addresses."), field, n=limit)
    out: list[str] = []
    for line in lines:
        address = account_names.email_address(line, field)
        if address not in out:
            out.append(address)
    return out


def _no_loop(session, customer: Customer, address: str, forwards: list[str]) -> None:
    """Forwards that come back to the mailbox through aliases, lists or a catch-all would make
    postfix defer the mail for ever (issue 16: loops refused beside the field)."""
    from tenants.hosting.aliases import Graph

    others = [f.lower() for f in forwards if f.lower() != address.lower()]
    graph = Graph(session, customer)
    graph.set(address.lower(), others)
    if others and graph.loops_back(address.lower()):
        raise RuleViolation.one(N_("This would send mail in a loop back to %(address)s."), "forwards",
                                address=address)


def _quota(session, customer: Customer, quota_mb) -> int:
    # OEM spec コース設定: a mailbox holds at most the course's mailbox quota
    limit = session.get(Course, customer.course_id).mailbox_quota_mb
    try:
        quota = int(quota_mb) if quota_mb not in (None, "") else limit
    except (TypeError, ValueError):
        raise RuleViolation.one(N_("Enter whole megabytes."), "quota_mb") from None
    if not 1 <= quota <= limit:
        raise RuleViolation.one(N_("Enter from 1 to %(n)s MB."), "quota_mb", n=limit)
    return quota


def create_mailbox(session, actor, customer: Customer, domain_id, local_part: str, password: str,
                   quota_mb=None, forwards: str = "", keep_copy: bool = True) -> tuple[MailAccount, list[Work]]:
    need_server(customer, "local_part")
    domain, local, hashed, quota, targets = checked_all(
        lambda: live_domain(session, customer, domain_id),
        lambda: account_names.mailbox_local_part(local_part),
        lambda: account_names.mail_password_hash(password),
        lambda: _quota(session, customer, quota_mb),
        lambda: _addresses(forwards, "forwards", MAX_FORWARDS))
    _address_free(session, domain.id, local)
    _no_loop(session, customer, f"{local}@{domain.name}", targets)
    check_limit(session, customer, "mail_accounts", "local_part")
    box = MailAccount(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id,
                      local_part=local, password_hash=hashed, quota_mb=quota, forwards="\n".join(targets),
                      keep_copy=bool(keep_copy))
    session.add(box)
    session.flush()
    audit.record(session, actor, "mail.create", box, f"added mailbox {local}@{domain.name}", customer_id=customer.id)
    return box, [Work.service(customer, "mail")]


def update_mailbox(session, actor, customer: Customer, box: MailAccount, password: str = "", quota_mb=None,
                   forwards: str = "", keep_copy: bool = True) -> list[Work]:
    hashed, quota, targets = checked_all(
        lambda: account_names.mail_password_hash(password) if password else None,
        lambda: _quota(session, customer, quota_mb),
        lambda: _addresses(forwards, "forwards", MAX_FORWARDS))
    _no_loop(session, customer, box.address, targets)
    if hashed:
        box.password_hash = hashed
    box.quota_mb, box.forwards, box.keep_copy = quota, "\n".join(targets), bool(keep_copy)
    box.want_changed()
    audit.record(session, actor, "mail.update", box, f"changed mailbox {box.address}", customer_id=customer.id)
    return [Work.service(customer, "mail")]


def delete_mailbox(session, actor, customer: Customer, box: MailAccount) -> list[Work]:
    refuse_if_aliased(session, customer, box.address)  # an alias's target must exist (aliases.py)
    box.want_gone()
    audit.record(session, actor, "mail.delete", box, f"removed mailbox {box.address}", customer_id=customer.id)
    return [Work.service(customer, "mail")]


def create_list(session, actor, customer: Customer, domain_id, local_part: str,
                members: str = "") -> tuple[MailingList, list[Work]]:
    need_server(customer, "local_part")
    domain, local, addresses = checked_all(
        lambda: live_domain(session, customer, domain_id),
        lambda: account_names.mailbox_local_part(local_part),
        lambda: _addresses(members, "members", MAX_MEMBERS))
    _address_free(session, domain.id, local)
    check_limit(session, customer, "mailing_lists", "local_part")
    ml = MailingList(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id, local_part=local)
    ml.members = [MailingListMember(customer_id=customer.id, reseller_id=customer.reseller_id, address=a)
                  for a in addresses]
    session.add(ml)
    session.flush()
    audit.record(session, actor, "list.create", ml, f"added mailing list {local}@{domain.name}",
                 customer_id=customer.id)
    return ml, [Work.service(customer, "mail")]


def set_members(session, actor, customer: Customer, ml: MailingList, members: str) -> list[Work]:
    """The list's whole membership, as typed (one address per line)."""
    wanted = _addresses(members, "members", MAX_MEMBERS)
    current = {m.address: m for m in ml.members}
    for address, member in current.items():
        if address not in wanted:
            ml.members.remove(member)
    for address in wanted:
        if address not in current:
            ml.members.append(MailingListMember(customer_id=customer.id, reseller_id=customer.reseller_id,
                                                address=address))
    ml.want_changed()
    audit.record(session, actor, "list.members", ml, f"{ml.address}: {len(wanted)} member(s)",
                 customer_id=customer.id)
    return [Work.service(customer, "mail")]


def delete_list(session, actor, customer: Customer, ml: MailingList) -> list[Work]:
    refuse_if_aliased(session, customer, ml.address)
    ml.want_gone()
    audit.record(session, actor, "list.delete", ml, f"removed mailing list {ml.address}", customer_id=customer.id)
    return [Work.service(customer, "mail")]
