"""Suspension of the managed service (提供の停止, managed terms §23) and termination by us (§12)."""
from __future__ import annotations

from datetime import date, datetime

from tenants import audit
from tenants.calendar import to_jst
from tenants.contracts.charges import void_after_termination
from tenants.contracts.grounds import check_suspension, may_terminate_after_suspension, suspension_ground
from tenants.contracts.mail import queue_mail
from tenants.contracts.models import SuspensionStatus
from tenants.errors import N_, RuleViolation
from tenants.models import Contract, Suspension
from tenants.models import ContractStatus as S


def _notice_body(contract: Contract, suspension: Suspension) -> str:
    ground = suspension_ground(suspension.ground)
    starts, ends = to_jst(suspension.starts_at), to_jst(suspension.ends_at)
    after = "（緊急のため停止後のご通知となります）\n" if suspension.emergency else ""
    return (f"{contract.party.name} 様\n\n約款第23条に基づき、本サービスの提供を停止いたします。\n{after}"
            f"理由: {ground.ja}（第23条第1項第{ground.number}号）\n{suspension.reason}\n"
            f"実施期日: {starts:%Y-%m-%d %H:%M} (JST)\n"
            f"実施期間: {starts:%Y-%m-%d %H:%M} ～ {ends:%Y-%m-%d %H:%M} (JST)\n"
            "停止期間中も利用料金は発生いたします（第20条第4項）。\n")


# managed terms §23.1, §23.2 (advance notice of reason, start and period; in an emergency after)
def suspend(session, actor, contract: Contract, *, ground: str, reason: str, starts_at: datetime,
            ends_at: datetime | None, emergency: bool, now: datetime) -> Suspension:
    """Record a suspension and send its notice now: before it starts, or, in an emergency, at once
    after suspending. Fees continue while suspended (§20.4)."""
    if contract.status not in (S.FORMED.value, S.SUSPENDED.value):
        raise RuleViolation.one(N_("This step is not possible while the contract is %(status)s."),
                                None, status=contract.status)
    if emergency and starts_at > now:
        starts_at = now
    check_suspension(ground=ground, starts_at=starts_at, ends_at=ends_at, notified_at=now,
                     emergency=emergency)
    suspension = Suspension(contract_id=contract.id, reseller_id=contract.reseller_id, ground=ground,
                            reason=(reason or "").strip(), emergency=emergency, notified_at=now,
                            starts_at=starts_at, ends_at=ends_at,
                            status=SuspensionStatus.ACTIVE if starts_at <= now else SuspensionStatus.SCHEDULED)
    contract.suspensions.append(suspension)
    if suspension.status == SuspensionStatus.ACTIVE:
        contract.status = S.SUSPENDED.value
    session.flush()
    queue_mail(session, contract, "suspension_notice", "【サービス提供停止のご通知】", _notice_body(contract, suspension))
    audit.record(session, actor, "managed.suspend", contract,
                 f"suspension ({ground}) {'emergency' if emergency else 'with advance notice'}")
    return suspension


def start_if_due(suspension: Suspension, now: datetime) -> bool:
    """A scheduled suspension takes effect at its start (run by the daily job)."""
    if suspension.status == SuspensionStatus.SCHEDULED and suspension.starts_at <= now:
        suspension.status = SuspensionStatus.ACTIVE
        if suspension.contract.status == S.FORMED.value:
            suspension.contract.status = S.SUSPENDED.value
        return True
    return False


# managed terms §23 (the cause is cured: service resumes)
def resume(session, actor, suspension: Suspension, now: datetime) -> None:
    if suspension.status not in (SuspensionStatus.SCHEDULED, SuspensionStatus.ACTIVE):
        raise RuleViolation.one(N_("This suspension is already closed."), None)
    suspension.status, suspension.resolved_at = SuspensionStatus.CURED, now
    contract = suspension.contract
    if contract.status == S.SUSPENDED.value and not any(
            s.status == SuspensionStatus.ACTIVE for s in contract.suspensions if s is not suspension):
        contract.status = S.FORMED.value
    audit.record(session, actor, "managed.resume", contract, "suspension cured, service resumed")


# managed terms §12.1, §12.3 (termination when a suspension is not cured), §20.5
def terminate(session, actor, suspension: Suspension, reason: str, now: datetime, today: date) -> None:
    """End the contract; invoices of months after its end that are still open are voided."""
    if suspension.status != SuspensionStatus.ACTIVE or not may_terminate_after_suspension(suspension.ends_at, now, cured=False):
        raise RuleViolation.one(
            N_("A contract can be terminated only after an uncured suspension period is over."), None)
    contract = suspension.contract
    suspension.status, suspension.resolved_at = "terminated", now
    contract.status, contract.terminated_on = S.TERMINATED.value, today
    contract.termination_reason = (reason or "").strip()
    queue_mail(session, contract, "termination_notice", "【契約解除のご通知】",
               f"{contract.party.name} 様\n\n約款第12条に基づき、{today.isoformat()} をもって本契約を解除いたします。\n"
               f"{contract.termination_reason}\n")
    audit.record(session, actor, "managed.terminate", contract, "terminated (§12)")
    void_after_termination(session, actor, contract, today)
