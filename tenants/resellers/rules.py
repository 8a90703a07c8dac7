"""Provider-side rules for resellers: registering them, editing, suspending, and their operators."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tenants import audit
from tenants.accounts.principals import email_problems
from tenants.db import taken_by_other
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Customer, Principal, Reseller, ResellerContact, Role
from tenants.resellers.models import ResellerStatus

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
RESELLER_FIELDS = ("code", "name", "brand_name", "support_email", "support_phone", "support_hours",
                   "panel_host")


def _reseller_problems(session, data: dict, existing: Reseller | None) -> list[Problem]:
    problems: list[Problem] = []
    code = data.get("code", "")
    if not CODE.match(code):
        problems.append(Problem(N_("Use 2 to 32 lower-case letters, digits or '-'."), "code"))
    elif taken_by_other(session, Reseller.code, code, existing):
        problems.append(Problem(N_("This code is already in use."), "code"))
    for name in ("name", "brand_name"):
        if not (data.get(name) or "").strip():
            problems.append(Problem(N_("This field is required."), name))
    problems += email_problems(data.get("support_email"), "support_email")
    host = (data.get("panel_host") or "").strip().lower()
    if host and taken_by_other(session, Reseller.panel_host, host, existing):
        problems.append(Problem(N_("This host name is already used by another reseller."), "panel_host"))
    return problems


def _apply(reseller: Reseller, data: dict) -> None:
    for name in RESELLER_FIELDS:
        if name in data:
            value = data[name]
            value = value.strip() if isinstance(value, str) else value
            if name == "panel_host":
                value = (value or "").lower() or None
            required = name in ("code", "name", "brand_name")
            setattr(reseller, name, value if required else (value or None))


def create_reseller(session, actor, data: dict) -> Reseller:
    problems = _reseller_problems(session, data, None)
    if problems:
        raise RuleViolation(problems)
    reseller = Reseller(status=ResellerStatus.ACTIVE)
    _apply(reseller, data)
    session.add(reseller)
    session.flush()
    audit.record(session, actor, "reseller.create", reseller, f"registered reseller {reseller.code}",
                 reseller_id=reseller.id)
    return reseller


def update_reseller(session, actor, reseller: Reseller, data: dict) -> Reseller:
    merged = {name: getattr(reseller, name) for name in RESELLER_FIELDS} | data
    problems = _reseller_problems(session, merged, reseller)
    if problems:
        raise RuleViolation(problems)
    before = {name: getattr(reseller, name) for name in RESELLER_FIELDS}
    _apply(reseller, data)
    changed = {k: [before[k], getattr(reseller, k)] for k in RESELLER_FIELDS if before[k] != getattr(reseller, k)}
    audit.record(session, actor, "reseller.update", reseller, "edited reseller", details=changed or None,
                 reseller_id=reseller.id)
    return reseller


def set_reseller_status(session, actor, reseller: Reseller, status: str) -> None:
    """Suspending a reseller stops its operators' and end users' logins (sites keep running)."""
    if status not in tuple(ResellerStatus):
        raise RuleViolation.one(N_("Unknown status."), "status")
    if reseller.status != status:
        reseller.status = status
        audit.record(session, actor, f"reseller.{'suspend' if status == ResellerStatus.SUSPENDED else 'resume'}",
                     reseller, f"reseller {status}", reseller_id=reseller.id)


def replace_contacts(session, actor, reseller: Reseller, contacts: list[dict], box=None) -> None:
    """The fault-notification contacts (OEM spec: contact promptly on a 10-minute outage), each
    optionally with a signed JSON webhook (issue 20; its secret sealed to the contact, kept when
    the same URL is saved again without one)."""
    from tenants.incidents import webhooks

    problems: list[Problem] = []
    kept = {c.webhook_url: c for c in reseller.contacts if c.webhook_url and c.webhook_secret}
    for i, c in enumerate(contacts):
        if not (c.get("name") or "").strip():
            problems.append(Problem(N_("Contact %(n)s: name is required."), None, {"n": i + 1}))
        problems += [Problem(N_("Contact %(n)s: enter a valid email address."), None, {"n": i + 1})
                     for _ in email_problems(c.get("email"), required=True)]
        url, secret = (c.get("webhook_url") or "").strip(), c.get("webhook_secret") or ""
        if url:
            try:
                webhooks.check_url(url)
            except RuleViolation:
                problems.append(Problem(N_("Contact %(n)s: enter the webhook's address (https://…)."), None, {"n": i + 1}))
            if (secret and len(secret) < 16) or (not secret and url not in kept) or box is None:
                problems.append(Problem(N_("Contact %(n)s: the webhook secret needs at least %(min)s characters."),
                                        None, {"n": i + 1, "min": 16}))
    if problems:
        raise RuleViolation(problems)
    secrets = {}
    for i, c in enumerate(contacts):
        url = (c.get("webhook_url") or "").strip()
        if url:
            old = kept.get(url)
            if c.get("webhook_secret"):
                secrets[i] = str(c["webhook_secret"])
            elif old is not None and old.webhook_secret:
                secrets[i] = box.open(old.webhook_secret, owner=webhooks.secret_owner(old.id), field="webhook_secret")
    reseller.contacts.clear()
    session.flush()
    for i, c in enumerate(contacts):
        contact = ResellerContact(
            name=c["name"].strip(), email=c["email"].strip(), phone=(c.get("phone") or "").strip() or None,
            is_emergency=bool(c.get("is_emergency")), sort_order=i)
        reseller.contacts.append(contact)
        if i in secrets:
            session.flush()  # the contact's id: its secret is sealed to it
            webhooks.set_webhook(box, contact, c["webhook_url"], secrets[i])
    audit.record(session, actor, "reseller.contacts", reseller, f"{len(contacts)} fault contact(s)",
                 reseller_id=reseller.id)


def reseller_counts(session) -> dict[int, dict[str, int]]:
    """Customers and operators per reseller, in two grouped queries (no N+1)."""
    out: dict[int, dict[str, int]] = {}
    for rid, n in session.execute(select(Customer.reseller_id, func.count()).group_by(Customer.reseller_id)):
        out.setdefault(rid, {})["customers"] = n
    ops = select(Principal.reseller_id, func.count()).where(Principal.role == Role.OPERATOR.value)
    for rid, n in session.execute(ops.group_by(Principal.reseller_id)):
        out.setdefault(rid, {})["operators"] = n
    return out
