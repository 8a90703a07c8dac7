"""Locking accounts that send mass mail (OEM spec 障害レベル1: メール大量送信の場合はアカウント
ロック等の一時的な利用の停止), and lifting the lock (the reseller or the provider, audited).

The lock itself is enforced at the MTA by provisioning: ``locked_senders(session, server_id)`` is
the set of addresses whose mail the server's postfix sender access map must REJECT.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from tenants import audit
from tenants.calendar import HELPDESK_HOURS_TEXT_JA, to_jst
from tenants.customers.models import CustomerStatus
from tenants.errors import N_, RuleViolation
from tenants.mail_abuse.counting import Evidence, normalise_account
from tenants.models import Customer, Domain, MailAccount, MassMailLock, Reseller, ResellerContact, Server
from tenants.outbox import rules as outbox
from tenants.servers.models import ServerStatus


# HOOK (enduser-panel branch): once tenants.models.hosting is merged, resolve the address through
# MailAccount (local_part@Domain.name → customer_id) and set MailAccount.send_locked with the lock.
def account_owner(session, server_id: int, address: str, submitter_customer_id: int | None = None) -> Customer | None:
    """The customer on ``server_id`` who owns the sending account ``address``: until mail accounts
    are on this branch, the customer whose contact address (or, failing that, its mail domain)
    matches — None when nobody on the server owns it (such senders are never locked)."""
    address = normalise_account(address)
    if "@" not in address:
        return None
    local_part, domain = address.rsplit("@", 1)
    mailbox_owner = session.execute(
        select(Customer).join(MailAccount, MailAccount.customer_id == Customer.id)
        .join(Domain, Domain.id == MailAccount.domain_id)
        .where(Customer.server_id == server_id, func.lower(MailAccount.local_part) == local_part,
               func.lower(Domain.name) == domain).limit(1)).scalar()
    if mailbox_owner is not None:  # the hosted mail account that sent it
        return mailbox_owner
    # issue 20: mail a web script submitted locally (postfix pickup, uid=): the customer whose system
    # user sent it, else the customer whose domain is the sender
    if submitter_customer_id is not None:
        submitter = session.get(Customer, submitter_customer_id)
        if submitter is not None and submitter.server_id == server_id:
            return submitter
    domain_owner = session.execute(
        select(Customer).join(Domain, Domain.customer_id == Customer.id)
        .where(Customer.server_id == server_id, func.lower(Domain.name) == domain,
               Customer.status != CustomerStatus.CANCELLED.value).limit(1)).scalar()
    if domain_owner is not None:
        return domain_owner
    customers = session.execute(select(Customer).where(
        Customer.server_id == server_id, Customer.status != CustomerStatus.CANCELLED.value,
        Customer.contact_email.is_not(None)).order_by(Customer.id)).scalars().all()
    exact = [c for c in customers if normalise_account(c.contact_email) == address]
    if exact:
        return exact[0]
    by_domain = [c for c in customers if normalise_account(c.contact_email).endswith("@" + domain)]
    return by_domain[0] if len(by_domain) == 1 else None


def active_lock(session, server_id: int, address: str) -> MassMailLock | None:
    return session.execute(select(MassMailLock).where(
        MassMailLock.server_id == server_id, func.lower(MassMailLock.address) == normalise_account(address),
        MassMailLock.unlocked_at.is_(None)).limit(1)).scalar()


# OEM spec 障害レベル1: lock the account, keep the evidence
def lock_account(session, server_id: int, customer: Customer, evidence: Evidence, now: datetime) -> MassMailLock | None:
    """Lock ``evidence.sender`` (None when it is locked already)."""
    if active_lock(session, server_id, evidence.sender) is not None:
        return None
    lock = MassMailLock(reseller_id=customer.reseller_id, customer_id=customer.id, server_id=server_id,
                        address=normalise_account(evidence.sender), evidence=evidence.to_dict(), locked_at=now)
    session.add(lock)
    session.flush()
    audit.record(session, None, "mass_mail.lock", lock, f"locked {lock.address}: {evidence.count} messages "
                 f"in one hour (threshold {evidence.threshold})", reseller_id=customer.reseller_id,
                 customer_id=customer.id, details=lock.evidence)
    return lock


def _window_jst(ev: dict) -> str:
    start, end = (datetime.fromisoformat(ev[k]) for k in ("window_start", "window_end"))
    return f"{to_jst(start):%Y-%m-%d %H:%M} – {to_jst(end):%H:%M} (JST)"


# issue 20 / OEM spec: the end user hears from the reseller's brand, with the reseller's support
# contact and hours, never the provider's; the reseller's fault contacts get the provider's wording
def queue_lock_notices(session, lock: MassMailLock, customer: Customer) -> None:
    """Tell the reseller (its fault contacts) and the end user (their contact address), once each;
    times in JST."""
    ev = lock.evidence
    subject = f"[送信停止/Sending locked] {lock.address}"
    facts_ja = (f"{lock.address} から1時間に {ev['count']} 通のメールが送信されたため (上限 {ev['threshold']} 通)、"
                "このアカウントからの送信を一時停止しました。")
    facts_en = (f"{lock.address} sent {ev['count']} messages within one hour (limit {ev['threshold']}); "
                "sending from this account is stopped until it is unlocked.")
    window = _window_jst(ev)
    to_reseller = "\n".join([facts_ja, facts_en, window, "",
                             f"{customer.contractor_name}: ロック解除は業務パネルの「送信停止」から (理由を記入) / "
                             "unlock it in the business panel (mail locks), with a reason.",
                             "", f"ヘルプデスク / Help desk: {HELPDESK_HOURS_TEXT_JA}"])
    for contact in session.execute(select(ResellerContact).where(
            ResellerContact.reseller_id == customer.reseller_id).order_by(ResellerContact.id)).scalars():
        outbox.queue(session, "lock", contact.email, subject, to_reseller, key=f"lock:{lock.id}", label=contact.name,
                     server_id=lock.server_id)
    if not customer.contact_email:
        return
    reseller = session.get(Reseller, customer.reseller_id)
    support = [line for line in (
        f"{reseller.brand_name} サポート / Support",
        f"E-mail: {reseller.support_email}" if reseller.support_email else "",
        f"Tel: {reseller.support_phone}" if reseller.support_phone else "",
        f"受付時間 / Hours: {reseller.support_hours}" if reseller.support_hours else "") if line]
    to_user = "\n".join([facts_ja, "送信を再開するには、下記のサポート窓口までご連絡ください。", "", facts_en,
                         "To send again, please contact the support below.", window, "", *support])
    outbox.queue_to_end_user(session, reseller, "lock", [customer.contact_email], subject, to_user,
                             key=f"lock:{lock.id}", label=customer.contractor_name, server_id=lock.server_id,
                             customer_id=customer.id)


UNLOCK_REASON_MAX = 1000


# issue 20: an unlock says why (kept on the lock and in the audit log)
def unlock(session, actor, lock: MassMailLock, now: datetime, reason: str | None = None) -> MassMailLock:
    """Lift a lock (reseller or provider), saying why; the end user cannot (the model refuses the
    write)."""
    if not lock.active:
        raise RuleViolation.one(N_("This account is not locked any more."), None)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation.one(N_("Say why the account is unlocked (e.g. the customer removed the script)."),
                                "reason")
    if len(reason) > UNLOCK_REASON_MAX:
        raise RuleViolation.one(N_("Keep this under %(max)s characters."), "reason", max=UNLOCK_REASON_MAX)
    lock.unlocked_at, lock.unlocked_by = now, audit.actor_label(actor)
    lock.unlocked_by_id = actor.id if actor is not None else None
    lock.unlock_reason = reason
    audit.record(session, actor, "mass_mail.unlock", lock, f"unlocked {lock.address}: {reason}",
                 reseller_id=lock.reseller_id, customer_id=lock.customer_id, details={"reason": reason})
    return lock


def locked_senders(session, server_id: int) -> set[str]:
    """Addresses on ``server_id`` whose sending the MTA must refuse (provisioning writes each as a
    sender_access REJECT entry; an unlocked address drops out)."""
    return set(session.execute(select(MassMailLock.address).where(
        MassMailLock.server_id == server_id, MassMailLock.unlocked_at.is_(None))).scalars())


def active_locks(session) -> list[MassMailLock]:
    """Every active lock the session's scope may see (provider: all; reseller: its customers';
    end user: their own)."""
    return list(session.execute(select(MassMailLock).where(MassMailLock.unlocked_at.is_(None))
                                .order_by(MassMailLock.locked_at.desc())).scalars())


def mail_servers(session) -> list[int]:
    """Servers whose outgoing mail log is read (mail and all-in-one roles)."""
    return list(session.execute(select(Server.id).where(
        Server.role.in_(("mail", "all-in-one")), Server.status != ServerStatus.RETIRED).order_by(Server.id)).scalars())
