"""Grounds of the managed-service contract: why an application may be refused (§5.2), why service
may be suspended (§23.1), and the notice a suspension needs (§23.2).

Each ground has a stable ``code`` (store this), its item number in the article, the Japanese label
(condensed from the article) and an English msgid marked with ``N_`` for the panel to translate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenants.errors import N_, Problem, RuleViolation


@dataclass(frozen=True)
class Ground:
    code: str
    number: int
    ja: str
    en: str


# managed terms §5.2 ①–⑥
REFUSAL_GROUNDS: tuple[Ground, ...] = (
    Ground("expected_violation", 1, "本約款に違背して本サービスを利用する事が予想される",
           N_("The service is expected to be used in breach of the terms")),
    Ground("payment_delay", 2, "債務の履行に遅滞が生じている、又は過去に遅滞があるなどその恐れがある",
           N_("Payment to us is overdue, or has been overdue in the past")),
    Ground("false_statement", 3, "申込みの際に虚偽の事実を申告した",
           N_("False facts were given in the application")),
    Ground("antisocial_forces", 4, "反社会的な団体又はその構成員である",
           N_("The applicant is or belongs to an antisocial group")),
    Ground("technical_difficulty", 5, "業務遂行上又は技術上著しい困難がある",
           N_("Providing the service is extremely difficult operationally or technically")),
    Ground("other_hindrance", 6, "その他、業務を行う上で支障がある又はその恐れがある",
           N_("Other hindrance, or risk of hindrance, to our business")),
)

# managed terms §23.1 ①–⑬
SUSPENSION_GROUNDS: tuple[Ground, ...] = (
    Ground("non_payment", 1, "利用料金又は遅延損害金を支払期日を過ぎても支払わない",
           N_("Fees or late damages unpaid after the due date")),
    Ground("false_application", 2, "申込みに際し虚偽の事項を記載した事が判明した",
           N_("The application was found to contain false statements")),
    Ground("payer_stopped_payment", 3, "利用者と異なる料金支払い者より支払い停止の通告があった",
           N_("A separate payer gave notice that it stops paying")),
    Ground("insolvency", 4, "支払停止・支払不能、手形・小切手の不渡り、取引停止処分",
           N_("Suspension of payments, insolvency, dishonoured bills or a bank transaction ban")),
    Ground("seizure", 5, "差押、仮差押、仮処分、強制執行もしくは競売の申立て、又は滞納処分",
           N_("Seizure, provisional seizure or disposition, compulsory execution, auction or tax "
              "delinquency disposition")),
    Ground("bankruptcy", 6, "破産、会社更生、民事再生手続開始の申立て、又は清算手続",
           N_("Petition for bankruptcy, corporate reorganisation or civil rehabilitation, or "
              "liquidation")),
    Ground("licence_revoked", 7, "関係官庁から営業の許可取消処分又は停止処分を受けた",
           N_("Business licence revoked or suspended by the authorities")),
    Ground("antisocial_forces", 8, "暴力団等の反社会的勢力である、又はであった",
           N_("The customer is or was an antisocial force (organised crime etc.)")),
    Ground("obstruction", 9, "自ら又は第三者を利用して当社の業務を妨害した、又はその恐れ",
           N_("Obstruction of our business, directly or through others")),
    Ground("violence", 10, "当社に対して暴力的行為、詐術、脅迫的言辞を用いた",
           N_("Violence, fraud or threats against us")),
    Ground("defamation", 11, "当社の名誉、信用等を毀損した、又はその恐れ",
           N_("Damage to our reputation or credit")),
    Ground("organised_crime_display", 12, "自身や関係者が暴力団等である旨を認知させる言動をした",
           N_("Conduct suggesting ties to organised crime")),
    Ground("other_violation", 13, "その他、約款に違反し当社の業務の遂行に支障を及ぼす行為",
           N_("Other breach of the terms that hinders our business")),
)

# managed terms §23.2: a suspension notice states 理由、実施期日及び実施期間
SUSPENSION_NOTICE_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("reason", "理由", N_("Reason")),
    ("starts_at", "実施期日", N_("Start date")),
    ("period", "実施期間", N_("Period")),
)


def _find(grounds: tuple[Ground, ...], code: str, field: str) -> Ground:
    for ground in grounds:
        if ground.code == code:
            return ground
    raise RuleViolation.one(N_("Choose one of the listed grounds."), field)


# managed terms §5.2
def refusal_ground(code: str) -> Ground:
    """The §5.2 ground with this code; RuleViolation if there is none."""
    return _find(REFUSAL_GROUNDS, code, "refusal_ground")


# managed terms §23.1
def suspension_ground(code: str) -> Ground:
    """The §23.1 ground with this code; RuleViolation if there is none."""
    return _find(SUSPENSION_GROUNDS, code, "suspension_ground")


# managed terms §23.1, §23.2
def suspension_problems(*, ground: str, starts_at: datetime, ends_at: datetime | None,
                        notified_at: datetime | None, emergency: bool) -> list[Problem]:
    """Why a planned suspension is refused; an empty list means it may go ahead.

    Outside an emergency the notice (reason, start, period) must have been sent before the
    suspension starts; in an emergency it may follow. Either way the notice states a period, so
    ``ends_at`` is required and must be after ``starts_at``. Times are compared as given (all UTC)."""
    problems: list[Problem] = []
    if not any(g.code == ground for g in SUSPENSION_GROUNDS):
        problems.append(Problem(N_("Choose one of the listed grounds."), "ground"))
    if ends_at is None:
        problems.append(Problem(N_("State the period of the suspension."), "ends_at"))
    elif ends_at <= starts_at:
        problems.append(Problem(N_("The suspension must end after it starts."), "ends_at"))
    if not emergency:
        if notified_at is None:
            problems.append(Problem(
                N_("Notify the customer of the reason, start and period before suspending, or "
                   "mark the suspension as an emergency."), "notified_at"))
        elif notified_at >= starts_at:
            problems.append(Problem(
                N_("Outside an emergency the notice must be sent before the suspension starts."),
                "notified_at"))
    return problems


# managed terms §23.1, §23.2
def check_suspension(*, ground: str, starts_at: datetime, ends_at: datetime | None,
                     notified_at: datetime | None, emergency: bool) -> None:
    """RuleViolation listing every problem of ``suspension_problems``; None when it may go ahead."""
    problems = suspension_problems(ground=ground, starts_at=starts_at, ends_at=ends_at,
                                   notified_at=notified_at, emergency=emergency)
    if problems:
        raise RuleViolation(problems)


# managed terms §12.1 (the contract may be terminated when a suspension is not cured in time)
def may_terminate_after_suspension(ends_at: datetime, now: datetime, cured: bool) -> bool:
    """Whether the provider may terminate: the suspension period is over and its cause remains.
    (§12.3: the customer is notified before the termination.)"""
    return not cured and now >= ends_at
