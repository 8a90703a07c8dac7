"""Incident rules as plain functions: when the fault contact is due, when the fault report is due,
and how far automatic remediation may go (OEM spec 障害レベル, managed terms 障害レベル)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tenants.calendar import add_business_days, is_helpdesk_open, next_business_day, to_jst
from tenants.servers.models import ServerKind

NOTIFY_AFTER = timedelta(minutes=10)  # OEM spec 障害連絡: 10分以上利用できない場合
MAX_RESTARTS = 3                      # Monit-like: 3 restarts within 5 cycles, then stop
RESTART_WINDOW_CYCLES = 5


# managed terms 障害対応: faults at night or on a holiday — the emergency contact is called first
def emergency_contact_first(started_at: datetime) -> bool:
    """Whether a fault began outside the help desk's hours (nights, weekends, holidays), when the
    customer's emergency contact is to be called before anything else."""
    return not is_helpdesk_open(started_at)


# OEM spec 障害連絡: サービスの一部または全部が10分以上利用できない場合、速やかに連絡
def outage_notice_due(started_at: datetime, now: datetime, after: timedelta = NOTIFY_AFTER) -> bool:
    """The outage notice is due once the service has been unavailable for ``after`` or more,
    counted from the first failed check of the outage."""
    return now - started_at >= after


# OEM spec 障害報告: 翌営業日まで; managed terms 障害報告: 2営業日以内
def report_due_on(recovered_at: datetime, server_kind: str) -> date:
    """The day the fault report is due: the next business day after recovery for OEM servers,
    the second business day after it for managed servers (the day counted in JST)."""
    day = to_jst(recovered_at).date()
    if server_kind == ServerKind.MANAGED:
        return add_business_days(day, 2)
    return next_business_day(day)


def report_overdue(due_on: date, sent: bool, today: date) -> bool:
    return not sent and today > due_on


@dataclass(frozen=True)
class RestartDecision:
    restart: bool
    escalate: bool
    recent: int  # restarts already done within the window


# OEM spec 障害レベル1 (サービスの再起動), bounded like Monit: "if 3 restarts within 5 cycles"
def restart_decision(restart_cycles: list[datetime], cycle: datetime, interval: timedelta,
                     max_restarts: int = MAX_RESTARTS, window_cycles: int = RESTART_WINDOW_CYCLES) -> RestartDecision:
    """Whether to restart a DOWN service in ``cycle``, given the cycles of the restarts already run
    for it: restart while fewer than ``max_restarts`` fell within the last ``window_cycles``
    cycles (this one included); at the limit stop and escalate."""
    window_start = cycle - interval * (window_cycles - 1)
    recent = sum(1 for c in restart_cycles if window_start <= c <= cycle)
    if cycle in restart_cycles:
        return RestartDecision(False, recent >= max_restarts, recent)  # this cycle was handled
    if recent >= max_restarts:
        return RestartDecision(False, True, recent)
    return RestartDecision(True, False, recent)


# OEM spec 障害レベル2: ログインできない場合 → 基盤再起動
def host_needs_reboot(ping_up: bool, login_ok: bool) -> bool:
    """Level 2: the host is rebooted only when it neither answers ping nor lets us log in."""
    return not ping_up and not login_ok


MAX_POWER_CYCLES = 2                    # per server within POWER_CYCLE_WINDOW; then an engineer (level 3)
POWER_CYCLE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class PowerDecision:
    cycle: bool       # power-cycle the host now
    escalate: bool    # stop here: an engineer must look at it
    why: str          # "" | "waiting" (grace runs) | "not_returned" (grace over) | "budget" (too many)


# OEM spec 障害レベル2 (基盤再起動); managed terms 障害レベル3 (現地に弊社エンジニアを派遣) beyond it
def power_cycle_decision(incident_cycles: list[datetime], server_cycles: list[datetime], now: datetime,
                         grace: timedelta, window: timedelta = POWER_CYCLE_WINDOW,
                         max_cycles: int = MAX_POWER_CYCLES) -> PowerDecision:
    """Whether to power-cycle a host that neither answers ping nor lets us log in, given the power
    cycles already done for this outage and for the server: once per outage, judged again after
    the grace period (still down → escalate); at most ``max_cycles`` per server within ``window``
    (a host that keeps dying needs an engineer, not another power cycle)."""
    if incident_cycles:
        if now - max(incident_cycles) >= grace:
            return PowerDecision(False, True, "not_returned")
        return PowerDecision(False, False, "waiting")
    if any(now - grace < c <= now for c in server_cycles):
        return PowerDecision(False, False, "waiting")  # cycled for another outage of the same host just now
    recent = sum(1 for c in server_cycles if now - window < c <= now)
    if recent >= max_cycles:
        return PowerDecision(False, True, "budget")
    return PowerDecision(True, False, "")
