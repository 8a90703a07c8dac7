"""Work requests (作業依頼, managed terms §18 and the option spec) and complaints (§31)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tenants import audit
from tenants.contracts.mail import queue_mail
from tenants.contracts.service_models import ComplaintStatus, WorkStatus
from tenants.contracts.terms import (
    inspection_objection_deadline,
    is_work_accepted,
    work_accepted_on,
    work_target_completion,
)
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Complaint, Contract, WorkRequest, WorkRequestEvent


def _event(wr: WorkRequest, on: date, status: str, actor, note: str = "") -> None:
    wr.events.append(WorkRequestEvent(reseller_id=wr.reseller_id, on=on, status=status,
                                      note=(note or "").strip(), by=audit.actor_label(actor)))


def _require(wr: WorkRequest, *statuses: str) -> None:
    if wr.status not in statuses:
        raise RuleViolation.one(N_("This step is not possible while the request is %(status)s."),
                                None, status=wr.status)


# managed terms §18.1
def file_work_request(session, actor, contract: Contract, title: str, details: str, on: date) -> WorkRequest:
    if not (title or "").strip():
        raise RuleViolation.one(N_("Enter a title."), "title")
    if not contract.is_running:
        raise RuleViolation.one(N_("This step is not possible while the contract is %(status)s."),
                                None, status=contract.status)
    wr = WorkRequest(contract_id=contract.id, reseller_id=contract.reseller_id, title=title.strip(),
                     details=(details or "").strip(), requested_on=on)
    _event(wr, on, WorkStatus.REQUESTED, actor)
    session.add(wr)
    session.flush()
    audit.record(session, actor, "managed.work.request", wr, wr.title)
    return wr


# option spec 運用サポート (target: 3 business days from acceptance)
def accept_work(session, actor, wr: WorkRequest, on: date) -> None:
    _require(wr, WorkStatus.REQUESTED)
    wr.status, wr.accepted_on, wr.target_on = "accepted", on, work_target_completion(on)
    _event(wr, on, "accepted", actor)


def start_work(session, actor, wr: WorkRequest, on: date) -> None:
    _require(wr, "accepted")
    wr.status = WorkStatus.IN_PROGRESS
    _event(wr, on, WorkStatus.IN_PROGRESS, actor)


# managed terms §18.3 (completion notified by email; the customer inspects)
def complete_work(session, actor, wr: WorkRequest, on: date) -> None:
    _require(wr, WorkStatus.ACCEPTED, WorkStatus.IN_PROGRESS)
    assert wr.accepted_on is not None  # set with the status "accepted", which "in_progress" follows
    if on < wr.accepted_on:
        raise RuleViolation.one(N_("Work cannot be completed before it was accepted."), "on")
    wr.status, wr.completed_on, wr.overdue = WorkStatus.COMPLETED, on, False
    wr.first_completed_on = wr.first_completed_on or on
    _event(wr, on, WorkStatus.COMPLETED, actor)
    deadline = inspection_objection_deadline(on)
    queue_mail(session, wr.contract, "work_completed", f"【作業完了のお知らせ】{wr.title}",
               f"{wr.contract.party.name} 様\n\nご依頼の作業「{wr.title}」が {on.isoformat()} に完了しました。\n"
               f"ご検収ください。{deadline.isoformat()} までに異議のお申し出がない場合、検収済みとなります（約款第18条）。\n")


# managed terms §18.4 (an objection within one week reopens the work)
def object_to_work(session, actor, wr: WorkRequest, on: date, note: str) -> None:
    _require(wr, WorkStatus.COMPLETED)
    assert wr.completed_on is not None  # set with the status "completed"
    if on < wr.completed_on:
        raise RuleViolation.one(N_("An objection cannot come before the completion notice."), "note")
    if not (note or "").strip():
        raise RuleViolation.one(N_("Say what is wrong with the work."), "note")
    if on > inspection_objection_deadline(wr.completed_on):
        raise RuleViolation.one(N_("The week for objections ended on %(deadline)s."), "note",
                                deadline=inspection_objection_deadline(wr.completed_on).isoformat())
    wr.status, wr.completed_on = WorkStatus.IN_PROGRESS, None
    _event(wr, on, WorkStatus.OBJECTED, actor, note)


# managed terms §18.3 (the customer accepts the work)
def accept_completed_work(session, actor, wr: WorkRequest, on: date) -> None:
    _require(wr, WorkStatus.COMPLETED)
    wr.status, wr.inspected_on = "done", on
    _event(wr, on, "done", actor)


# managed terms §18.4; option spec (3 business days): the daily job
def daily_work_requests(session, today: date) -> dict:
    """Deem completed work accepted once its week for objections is over, and flag open work
    past its target date as overdue."""
    deemed = overdue = 0
    for wr in session.execute(select(WorkRequest).where(
            WorkRequest.status.in_([WorkStatus.ACCEPTED, WorkStatus.IN_PROGRESS, WorkStatus.COMPLETED]))).scalars():
        if wr.status == WorkStatus.COMPLETED and is_work_accepted(wr.completed_on, today):
            wr.status, wr.inspected_on = "done", work_accepted_on(wr.completed_on)
            _event(wr, wr.inspected_on, "done", None, "no objection within 7 days (§18.4)")
            deemed += 1
        elif wr.status != WorkStatus.COMPLETED and wr.target_on and today > wr.target_on and not wr.overdue:
            wr.overdue = True
            overdue += 1
    return {"deemed_accepted": deemed, "flagged_overdue": overdue}


# managed terms §31 (complaints window)
def file_complaint(session, actor, contract: Contract, subject: str, details: str, on: date) -> Complaint:
    if not (subject or "").strip():
        raise RuleViolation.one(N_("Enter a subject."), "subject")
    complaint = Complaint(contract_id=contract.id, reseller_id=contract.reseller_id, received_on=on,
                          subject=subject.strip(), details=(details or "").strip())
    session.add(complaint)
    session.flush()
    audit.record(session, actor, "managed.complaint", complaint, complaint.subject)
    return complaint


def respond_to_complaint(session, actor, complaint: Complaint, status: str, response: str, on: date) -> None:
    problems = []
    if status not in tuple(ComplaintStatus):
        problems.append(Problem(N_("Choose one of the listed values."), "status"))
    if status in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED) and not (response or complaint.response).strip():
        problems.append(Problem(N_("Enter the response given."), "response"))
    if problems:
        raise RuleViolation(problems)
    complaint.status = status
    if (response or "").strip():
        complaint.response, complaint.responded_on = response.strip(), on
    audit.record(session, actor, "managed.complaint.respond", complaint, status)
