"""Customer rules (OEM spec "顧客管理"): register, change, suspend, cancel and remove customers, and
issue their end-user login (login ID + password, stored only as a hash)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants import audit
from tenants.accounts.auth import login_id_taken, reset_password_of
from tenants.accounts.password_policy import generate_password, password_problems
from tenants.accounts.principals import create_principal, email_problems, login_id_problems
from tenants.customers import abuse_lock
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.suspension import works_after
from tenants.hosting.wanted import Work
from tenants.models import (
    Course,
    Customer,
    CustomerStatus,
    Database,
    DnsRecord,
    Domain,
    FtpAccount,
    MailAccount,
    MailAlias,
    MailingList,
    ProtectedDirectory,
    Role,
    Server,
    ServerAssignment,
)
from tenants.tenancy import BYPASS, MAX_ID

CUSTOMER_FIELDS = ("contractor_name", "customer_number", "course_id", "server_id", "contract_date",
                   "start_date", "contact_email", "status")
EDITABLE_STATUSES = (CustomerStatus.ACTIVE.value, CustomerStatus.SUSPENDED.value, CustomerStatus.LOCKED.value)
# What a customer has on its server (the provisioning jobs place it by the customer's server).
HOSTING_MODELS = (Domain, MailAccount, MailingList, MailAlias, FtpAccount, Database, DnsRecord, ProtectedDirectory)
MOVE_REFUSED = N_("This customer has sites, mail or databases on its server; to change it, use Move to another "
                  "server on the customer page.")


def customer_problems(session, data: dict, existing: Customer | None) -> list[Problem]:
    problems: list[Problem] = []
    name = (data.get("contractor_name") or "").strip()
    if not name:
        problems.append(Problem(N_("This field is required."), "contractor_name"))
    elif len(name) > 200:
        problems.append(Problem(N_("Use at most %(n)s characters."), "contractor_name", {"n": 200}))
    number = (data.get("customer_number") or "").strip()
    if len(number) > 64:
        problems.append(Problem(N_("Use at most %(n)s characters."), "customer_number", {"n": 64}))
    elif number:  # optional, but unique within the reseller when given (OEM spec 顧客番号)
        clash = session.execute(select(Customer.id).where(Customer.customer_number == number)).scalar()
        if clash is not None and (existing is None or clash != existing.id):
            problems.append(Problem(N_("This customer number is already in use."), "customer_number"))
    course_id = data.get("course_id")
    if not _is_id(course_id) or session.execute(select(Course.id).where(Course.id == course_id)).scalar() is None:
        problems.append(Problem(N_("Choose one of your courses."), "course_id"))
    problems += _server_problems(session, data.get("server_id"), existing)
    problems += email_problems(data.get("contact_email"), "contact_email")
    for field in ("contract_date", "start_date"):
        if data.get(field) is not None and not isinstance(data[field], date):
            problems.append(Problem(N_("Enter a date as YYYY-MM-DD."), field))
    if data.get("status", CustomerStatus.ACTIVE.value) not in EDITABLE_STATUSES:
        problems.append(Problem(N_("Choose a valid status."), "status"))
    contract, start = data.get("contract_date"), data.get("start_date")
    if isinstance(contract, date) and isinstance(start, date) and start < contract:
        problems.append(Problem(N_("The start of use cannot be before the contract date."), "start_date"))
    return problems


def _server_problems(session, server_id, existing: Customer | None) -> list[Problem]:
    """A customer is placed on a server assigned to its reseller; the server it is on stays its own
    even after the provider withdrew it. Its hosting lives there, so a customer with hosting keeps
    its server: the jobs build each server from the customers on it, and a move would silently
    take everything off the old one (OEM spec 顧客管理)."""
    current = existing.server_id if existing is not None else None
    if server_id is not None and server_id == current and _is_id(server_id):
        return []
    if server_id is not None and not assigned(session, server_id, _reseller_of(session) if existing is None
                                              else existing.reseller_id):
        return [Problem(N_("Choose a server assigned to you."), "server_id")]
    if existing is not None and current is not None and has_hosting(session, existing.id):
        return [Problem(MOVE_REFUSED, "server_id")]
    return []


def assigned(session, server_id, reseller_id: int | None) -> bool:
    """May this reseller place customers on this server (the provider assigned it)?"""
    if not _is_id(server_id) or reseller_id is None:
        return False
    stmt = select(ServerAssignment.id).where(ServerAssignment.server_id == server_id,
                                             ServerAssignment.reseller_id == reseller_id).limit(1)
    return session.execute(stmt).first() is not None


def has_hosting(session, customer_id: int) -> bool:
    """Does the customer have anything on its server (applied, pending or being removed)?"""
    return any(session.execute(select(model.id).where(model.customer_id == customer_id).limit(1)).first()
               for model in HOSTING_MODELS)


def server_hostname(session, customer: Customer) -> str | None:
    """The host name of the server the customer is on, also when the provider has withdrawn it from
    the reseller (its own customer's server is no secret to the reseller)."""
    if customer.server_id is None:
        return None
    stmt = select(Server.hostname).where(Server.id == customer.server_id).execution_options(**{BYPASS: True})
    return session.execute(stmt).scalar()


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _apply(customer: Customer, data: dict) -> None:
    for field in CUSTOMER_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, str):
            value = value.strip() or (None if field in ("customer_number", "contact_email") else value.strip())
        setattr(customer, field, value)


def create_customer(session, actor, data: dict, login_id: str, password: str | None) -> tuple[Customer, str]:
    """Register a customer with their end-user login. With no password given one is generated; the
    password is returned once for the operator to hand over and never stored in clear."""
    login_id = (login_id or "").strip().lower()
    generated = not password
    password = password or generate_password()
    problems = customer_problems(session, data, None) + login_id_problems(login_id)
    if not generated:
        problems += password_problems(password, login_id)
    if not login_id_problems(login_id) and login_id_taken(session, Role.ENDUSER, _reseller_of(session), login_id):
        problems.append(Problem(N_("This login ID is already in use."), "login_id"))
    if problems:
        raise RuleViolation(problems)
    customer = Customer(status=CustomerStatus.ACTIVE.value)
    _apply(customer, data)
    session.add(customer)
    session.flush()
    create_principal(session, Role.ENDUSER, login_id, password, reseller_id=customer.reseller_id,
                     customer_id=customer.id, display_name=customer.contractor_name, email=customer.contact_email)
    session.flush()
    audit.record(session, actor, "customer.create", customer, f"registered customer {login_id}",
                 customer_id=customer.id)
    return customer, password


def _reseller_of(session) -> int | None:
    scope = session.scope
    return scope.reseller_id if scope is not None else None


def change_problems(session, customer: Customer, data: dict) -> list[Problem]:
    """What is wrong with changing these fields of a customer (fields not given stay as they are)."""
    if abuse_lock.is_abuse_locked(customer) and data.get("status", customer.status) != customer.status:
        return [Problem(abuse_lock.PROVIDER_ONLY, "status")]
    return customer_problems(session, {**_current(customer), **_changeable(customer, data)}, customer)


def _changeable(customer: Customer, data: dict) -> dict:
    if customer.status == CustomerStatus.CANCELLED.value and "status" in data:
        return {k: v for k, v in data.items() if k != "status"}  # cancellation is undone only by resume
    return data


def update_customer(session, actor, customer: Customer, data: dict) -> list[Work]:
    """Change the customer; returns the provisioning to enqueue after the commit when the status
    change stops or restarts its hosting."""
    problems = change_problems(session, customer, data)
    if problems:
        raise RuleViolation(problems)
    data = _changeable(customer, data)
    before = _current(customer)
    status_before = customer.status
    _apply(customer, data)
    changed = {k: [str(before[k]), str(getattr(customer, k))] for k in before if before[k] != getattr(customer, k)}
    if customer.principal is not None and "contractor_name" in changed:
        customer.principal.display_name = customer.contractor_name
    audit.record(session, actor, "customer.update", customer, "changed customer", customer_id=customer.id,
                 details={"changed": changed})
    return works_after(session, customer, status_before)


def _current(customer: Customer) -> dict:
    return {f: getattr(customer, f) for f in CUSTOMER_FIELDS}


STOPPED_MESSAGES = {
    CustomerStatus.SUSPENDED.value: N_("Your account is suspended, so its settings cannot be changed now. "
                                       "Contact %(who)s."),
    CustomerStatus.LOCKED.value: N_("Your account is locked, so its settings cannot be changed now. "
                                    "Contact %(who)s."),
}


def settings_frozen(customer: Customer, who: str) -> Problem | None:
    """A stopped customer keeps looking at its panel but changes nothing until resumed (OEM spec
    顧客管理: suspended / locked); the message names the reseller's support, never the provider."""
    msgid = STOPPED_MESSAGES.get(customer.status)
    return Problem(msgid, None, {"who": who}) if msgid else None


def suspend_customer(session, actor, customer: Customer) -> list[Work]:
    """Stop the customer's hosting (its reseller, e.g. for non-payment: OEM spec 顧客管理 "停止");
    returns the provisioning that takes it effect on the server, to enqueue after the commit."""
    if customer.status != CustomerStatus.ACTIVE.value:
        raise RuleViolation.one(N_("Only an active customer can be suspended."), "status")
    customer.status = CustomerStatus.SUSPENDED.value
    audit.record(session, actor, "customer.suspend", customer, "suspended", customer_id=customer.id)
    return works_after(session, customer, CustomerStatus.ACTIVE.value)


def resume_customer(session, actor, customer: Customer) -> list[Work]:
    """Back to active: ends a suspension or lock, or withdraws a cancellation not yet carried out;
    returns the provisioning that restores the hosting, to enqueue after the commit."""
    if customer.status == CustomerStatus.ACTIVE.value:
        raise RuleViolation.one(N_("This customer is already active."), "status")
    if abuse_lock.is_abuse_locked(customer):  # only the provider lifts its abuse lock
        raise RuleViolation.one(abuse_lock.PROVIDER_ONLY, "status")
    status_before = customer.status
    customer.status = CustomerStatus.ACTIVE.value
    customer.cancel_on = None
    audit.record(session, actor, "customer.resume", customer, "resumed", customer_id=customer.id)
    return works_after(session, customer, status_before)


def cancel_customer(session, actor, customer: Customer, on: date, today: date) -> None:
    """Cancel with removal on a chosen date; until then nothing the customer owns is touched."""
    if not isinstance(on, date):
        raise RuleViolation.one(N_("Enter a date as YYYY-MM-DD."), "cancel_on")
    if on < today:
        raise RuleViolation.one(N_("Choose today or a later date."), "cancel_on")
    customer.status = CustomerStatus.CANCELLED.value
    customer.cancel_on = on
    audit.record(session, actor, "customer.cancel", customer, f"cancelled, removal on {on.isoformat()}",
                 customer_id=customer.id, details={"cancel_on": on.isoformat()})


def delete_customer(session, actor, customer: Customer, today: date) -> None:
    """Delete now (the operator confirmed it): the customer is cancelled at once (no more logins)
    and the removal job takes what it owns off its server, then the records (OEM spec 顧客管理)."""
    customer.status = CustomerStatus.CANCELLED.value
    customer.cancel_on = today
    audit.record(session, actor, "customer.delete", customer, f"deleted customer {customer.login_id or customer.id}",
                 customer_id=customer.id,
                 details={"customer_id": customer.id, "contractor_name": customer.contractor_name})


def due_for_removal(session, today: date) -> list[int]:
    """Cancelled customers whose removal date has come (run by the workers every day)."""
    return list(session.execute(select(Customer.id).where(Customer.status == CustomerStatus.CANCELLED.value,
                                                          Customer.cancel_on <= today)).scalars())


def remove_if_due(session, customer_id: int, today: date) -> bool:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.status != CustomerStatus.CANCELLED.value or \
            customer.cancel_on is None or customer.cancel_on > today:
        return False
    audit.record(session, None, "customer.remove", None, f"removed cancelled customer {customer.login_id}",
                 reseller_id=customer.reseller_id,
                 details={"customer_id": customer.id, "cancel_on": customer.cancel_on.isoformat()})
    _remove(session, customer)
    return True


def _remove(session, customer: Customer) -> None:
    # The login goes first: the ORM would otherwise keep it with its customer link emptied.
    if customer.principal is not None:
        session.delete(customer.principal)
        session.flush()
    session.delete(customer)


def reset_password(session, actor, customer: Customer, password: str | None) -> str:
    """A new end-user password (typed and checked, or generated); every session of theirs ends."""
    principal = customer.principal
    if principal is None:
        raise RuleViolation.one(N_("This customer has no login."), None)
    password = reset_password_of(session, principal, password)
    audit.record(session, actor, "customer.password_reset", customer, "reset the end-user password",
                 customer_id=customer.id)
    return password

