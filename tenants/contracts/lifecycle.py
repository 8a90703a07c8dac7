"""The managed-service contract's lifecycle: the contract party and its changes (§9, §10),
application → accept / refuse (§5.2) → start-of-service notice → confirmation → formed (§5.3–5.4),
cancellation (§11, §6.4) and termination (§12)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants import audit
from tenants.contracts.grounds import refusal_ground
from tenants.contracts.invoicing import issue_closing_invoice
from tenants.contracts.mail import queue_mail, settings_text
from tenants.contracts.models import PARTY_FIELDS
from tenants.contracts.money import early_cancellation_charge
from tenants.contracts.terms import (
    check_cancellation_date,
    is_succession_notice_late,
    minimum_term_end,
    succession_notice_deadline,
)
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Contract, ManagedCustomer, PartyChange, Server, Succession
from tenants.models import ContractStatus as S

SETTINGS_FIELDS = ("applications", "contacts", "emergency_contact", "notes")


def _clean(data: dict, fields) -> dict:
    return {k: (data.get(k) or "").strip() for k in fields}


def _require_status(contract: Contract, *allowed: S) -> None:
    if contract.status not in {s.value for s in allowed}:
        raise RuleViolation.one(N_("This step is not possible while the contract is %(status)s."),
                                None, status=contract.status)


def _require_yen(value, field: str, problems: list[Problem]) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(Problem(N_("Enter an amount of yen of 0 or more."), field))


# managed terms §10.1 (contract data)
def register_party(session, actor, data: dict) -> ManagedCustomer:
    values = _clean(data, PARTY_FIELDS)
    if not values["name"]:
        raise RuleViolation.one(N_("Enter the name."), "name")
    party = ManagedCustomer(reseller_id=data.get("reseller_id") or None, **values)
    session.add(party)
    session.flush()
    audit.record(session, actor, "managed.party.register", party, f"registered {party.name}")
    return party


# managed terms §10.1, §10.2: changes are notified; each changed field is kept in the history
def update_party(session, actor, party: ManagedCustomer, data: dict, notified_on: date) -> list[PartyChange]:
    values = _clean(data, PARTY_FIELDS)
    if not values["name"]:
        raise RuleViolation.one(N_("Enter the name."), "name")
    changes = []
    for field, new in values.items():
        old = getattr(party, field) or ""
        if old != new:
            changes.append(PartyChange(party_id=party.id, reseller_id=party.reseller_id, field=field,
                                       old_value=old, new_value=new, notified_on=notified_on,
                                       changed_by=audit.actor_label(actor)))
            setattr(party, field, new)
    session.add_all(changes)
    if changes:
        audit.record(session, actor, "managed.party.change", party,
                     "changed " + ", ".join(c.field for c in changes))
    return changes


# managed terms §9.1: the successor notifies within 30 days of the succession
def record_succession(session, actor, party: ManagedCustomer, successor_name: str,
                      succeeded_on: date, notified_on: date, notes: str = "") -> Succession:
    successor_name = (successor_name or "").strip()
    if not successor_name:
        raise RuleViolation.one(N_("Enter the successor's name."), "successor_name")
    if notified_on < succeeded_on:
        raise RuleViolation.one(N_("The notice cannot come before the succession."), "notified_on")
    succession = Succession(
        party_id=party.id, reseller_id=party.reseller_id, successor_name=successor_name,
        succeeded_on=succeeded_on, notified_on=notified_on,
        deadline=succession_notice_deadline(succeeded_on),
        late=is_succession_notice_late(succeeded_on, notified_on), notes=notes)
    session.add(succession)
    data = {f: getattr(party, f) for f in PARTY_FIELDS}
    update_party(session, actor, party, {**data, "name": successor_name}, notified_on)
    audit.record(session, actor, "managed.party.succession", party, f"succeeded by {successor_name}")
    return succession


# managed terms §5.1 (application with the initial-settings form)
def apply(session, actor, party: ManagedCustomer, *, server_id: int | None, monthly_fee: int,
          initial_fee: int, applied_on: date, settings: dict) -> Contract:
    problems: list[Problem] = []
    _require_yen(monthly_fee, "monthly_fee", problems)
    _require_yen(initial_fee, "initial_fee", problems)
    if server_id is not None and session.get(Server, server_id) is None:
        problems.append(Problem(N_("Choose one of the listed values."), "server_id"))
    values = _clean(settings, SETTINGS_FIELDS)
    if not values["emergency_contact"]:
        problems.append(Problem(N_("Enter the emergency contact."), "emergency_contact"))
    if problems:
        raise RuleViolation(problems)
    contract = Contract(party_id=party.id, reseller_id=party.reseller_id, server_id=server_id,
                        status=S.APPLIED.value, initial_settings=values, monthly_fee=monthly_fee,
                        initial_fee=initial_fee, applied_on=applied_on)
    contract.party = party
    session.add(contract)
    session.flush()
    audit.record(session, actor, "managed.contract.apply", contract, f"application of {party.name}")
    return contract


# managed terms §5.3 (承諾)
def accept(session, actor, contract: Contract, on: date) -> None:
    _require_status(contract, S.APPLIED)
    contract.status, contract.decided_on = S.ACCEPTED.value, on
    audit.record(session, actor, "managed.contract.accept", contract, "accepted")


# managed terms §5.2 (refusal, with one of its grounds)
def refuse(session, actor, contract: Contract, ground: str, note: str, on: date) -> None:
    _require_status(contract, S.APPLIED)
    chosen = refusal_ground(ground)
    contract.status, contract.decided_on = S.REFUSED.value, on
    contract.refusal_ground, contract.refusal_note = chosen.code, (note or "").strip()
    audit.record(session, actor, "managed.contract.refuse", contract, f"refused: §5.2 ({chosen.number})")


# managed terms §5.3 (start-of-service notice with the settings)
def send_start_notice(session, actor, contract: Contract, on: date) -> None:
    _require_status(contract, S.ACCEPTED)
    if not contract.party.contact_email:
        raise RuleViolation.one(N_("The customer has no contact email address."), None)
    contract.status, contract.notice_sent_on = S.NOTIFIED.value, on
    server = contract.server.hostname if contract.server else "-"
    queue_mail(session, contract, "start_notice", f"【サービス開始のお知らせ】契約番号 {contract.id}",
               f"{contract.party.name} 様\n\nシステムマネジメントサービスの提供を開始いたします。\n"
               f"サーバ: {server}\n{settings_text(contract.initial_settings or {})}\n\n"
               "利用開始確認書に課金開始日をご記入の上、ご返送ください。\n")
    audit.record(session, actor, "managed.contract.notice", contract, "start-of-service notice sent")


# managed terms §5.4 (the contract forms on the billing-start date of the confirmation)
def confirm(session, actor, contract: Contract, billing_starts_on: date, today: date) -> None:
    _require_status(contract, S.NOTIFIED)
    if contract.notice_sent_on and billing_starts_on < contract.notice_sent_on:
        raise RuleViolation.one(N_("Billing cannot start before the start-of-service notice."),
                                "billing_starts_on")
    contract.billing_starts_on = contract.formed_on = billing_starts_on
    contract.minimum_term_ends_on = minimum_term_end(billing_starts_on)  # §6.1
    contract.status = S.CONFIRMED.value
    form_if_due(contract, today)
    audit.record(session, actor, "managed.contract.confirm", contract,
                 f"billing starts {billing_starts_on.isoformat()}")


# managed terms §5.4
def form_if_due(contract: Contract, today: date) -> bool:
    if contract.status != S.CONFIRMED.value:
        return False
    assert contract.formed_on is not None  # confirm() sets it with the status
    if contract.formed_on <= today:
        contract.status = S.FORMED.value
        return True
    return False


# managed terms §11.1, §11.2, §6.4, §21.2
def notify_cancellation(session, actor, contract: Contract, notified_on: date, cancelled_on: date) -> int:
    """Record the customer's written cancellation notice; returns the early-cancellation charge of
    the contract and its options (the rest of each minimum term), due by the cancellation month's
    end. Options end with the contract."""
    _require_status(contract, S.FORMED, S.SUSPENDED)
    # both set by confirm(), which every formed (or later suspended) contract went through
    assert contract.formed_on is not None and contract.minimum_term_ends_on is not None
    check_cancellation_date(notified_on, cancelled_on)
    if cancelled_on < contract.formed_on:
        raise RuleViolation.one(N_("The cancellation date cannot be before the billing-start date."),
                                "cancellation_date")
    contract.cancellation_notified_on, contract.cancelled_on = notified_on, cancelled_on
    contract.early_cancellation_charge = early_cancellation_charge(
        contract.monthly_fee, contract.minimum_term_ends_on, cancelled_on)
    total = contract.early_cancellation_charge
    for option in contract.options:
        if option.cancelled_on is None or option.cancelled_on > cancelled_on:
            option.cancelled_on = cancelled_on
            option.early_cancellation_charge = early_cancellation_charge(
                option.monthly_fee, option.minimum_term_ends_on, cancelled_on) \
                if option.starts_on <= cancelled_on else 0
        total += option.early_cancellation_charge
    session.flush()
    issue_closing_invoice(session, contract, notified_on)
    audit.record(session, actor, "managed.contract.cancel", contract,
                 f"cancellation on {cancelled_on.isoformat()}, charge {total}")
    return total


# managed terms §11.2 (the contract ends on the cancellation date)
def end_if_cancelled(contract: Contract, today: date) -> bool:
    if contract.cancelled_on and contract.cancelled_on < today and contract.is_running:
        contract.status = S.CANCELLED.value
        return True
    return False


def running_contracts(session):
    return session.execute(select(Contract).where(
        Contract.status.in_([S.CONFIRMED.value, S.FORMED.value, S.SUSPENDED.value]))).scalars().all()


# Words the screens show for stored codes (badge(value) translates them): marked for extraction.
LABELS = (
    N_("applied"), N_("refused"), N_("accepted"), N_("notified"), N_("confirmed"), N_("formed"),
    N_("suspended"), N_("cancelled"), N_("terminated"), N_("scheduled"), N_("active"), N_("cured"),
    N_("requested"), N_("in_progress"), N_("completed"), N_("objected"), N_("done"), N_("received"),
    N_("investigating"), N_("answered"), N_("closed"), N_("overdue"),
    N_("applications"), N_("contacts"), N_("emergency_contact"), N_("notes"), N_("name"),
    N_("address"), N_("representative"), N_("phone"), N_("fax"), N_("contact_person"),
    N_("contact_email"), N_("billing_address"), N_("billing_email"), N_("payer_name"),
    N_("monthly"), N_("closing"), N_("option_early"), N_("extra"), N_("late_damages"), N_("oem"), N_("credit"),
    N_("void"), N_("issued"), N_("review"), N_("applied"), N_("ignored"), N_("manual"), N_("bank"),
    N_("name_amount"), N_("name_only"), N_("amount_only"), N_("none"),
)
