"""A server's backup plan: set by the provider, switched on by the managed options, due once a day.

Rules (issue 18; managed terms 日次フルバックアップ 7世代保存 / 2nd disk / backup server):
- one run per server per day, at the time the provider sets for that server; a new plan gets a
  time spread over the night from the server id, so servers do not all start together;
- 7 daily generations are kept (pruned after each run);
- the target is a path on the server (a second disk) or a backup server over SSH; never inside
  what is backed up;
- a failed scheduled run is tried again once the same day, RETRY_AFTER later (a second failure
  keeps the incident open); a day whose time passed MISSED_MARGIN ago with no run at all is a
  missed run (issue 18: "a failed or missed run opens an incident").
"""
from __future__ import annotations

import json
import secrets as token
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tenants import audit
from tenants.backups.models import FAILED, KEEP_DAILY, OK, RUNNING, TARGET_KINDS, BackupPlan, BackupRun
from tenants.crypto import SecretBox
from tenants.errors import N_, Problem, RuleViolation

TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT_START, NIGHT_MINUTES = 60, 300  # spread between 01:00 and 06:00 JST
RETRY_AFTER = timedelta(minutes=30)
MISSED_MARGIN = timedelta(hours=2)
OPTION_TARGETS = {"daily_backup": "path", "second_disk_backup": "path", "backup_server": "ssh"}


def spread_minute(server_id: int) -> int:
    """A default start time for the server, spread over the night (golden-ratio steps by id)."""
    return NIGHT_START + int((server_id * 0.6180339887 % 1) * NIGHT_MINUTES)


def seal_secrets(box: SecretBox, plan: BackupPlan, values: dict) -> None:
    plan.secrets = box.seal(json.dumps(values), owner=f"backup_plan:{plan.id}", field="secrets")


def open_secrets(box: SecretBox, plan: BackupPlan) -> dict:
    if not plan.secrets:
        return {}
    return json.loads(box.open(plan.secrets, owner=f"backup_plan:{plan.id}", field="secrets"))


def plan_for(session, server_id: int) -> BackupPlan | None:
    return session.execute(select(BackupPlan).where(BackupPlan.server_id == server_id)).scalar()


def _problems(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    if data.get("target_kind") not in TARGET_KINDS:
        problems.append(Problem(N_("Choose one of the listed values."), "target_kind"))
    path = (data.get("target_path") or "").strip()
    if not path.startswith("/") or ".." in path.split("/") or path == "/" or any(c in path for c in " \t\n'\"$`\\"):
        problems.append(Problem(N_("Enter an absolute folder path such as /backup/borg."), "target_path"))
    minute = data.get("run_at_minute")
    if not isinstance(minute, int) or not 0 <= minute < 24 * 60:
        problems.append(Problem(N_("Enter a time of day such as 03:30."), "run_at_minute"))
    if data.get("target_kind") == "ssh":
        if not (data.get("target_host") or "").strip():
            problems.append(Problem(N_("Enter the backup server's host name or address."), "target_host"))
        if not (data.get("target_user") or "").strip():
            problems.append(Problem(N_("Enter the user on the backup server."), "target_user"))
    return problems


def save_plan(session, actor, box: SecretBox, server, data: dict, *, switched_on_by: str = "provider") -> BackupPlan:
    """Create or change the server's plan; a new plan gets its own random passphrase (sealed)."""
    plan = plan_for(session, server.id)
    merged: dict = {"target_kind": "path", "target_path": "", "run_at_minute": spread_minute(server.id)}
    if plan is not None:
        merged |= {k: getattr(plan, k) for k in ("target_kind", "target_path", "run_at_minute", "target_host",
                                                  "target_user", "target_port")}
    merged |= data
    problems = _problems(merged)
    if problems:
        raise RuleViolation(problems)
    if plan is None:
        plan = BackupPlan(server_id=server.id, keep_daily=KEEP_DAILY)
        session.add(plan)
        session.flush()
        seal_secrets(box, plan, {"passphrase": token.token_urlsafe(32)})
    for key in ("enabled", "target_kind", "target_path", "run_at_minute", "target_host", "target_user", "target_port"):
        if key in merged:
            setattr(plan, key, merged[key].strip() if isinstance(merged[key], str) else merged[key])
    plan.switched_on_by = switched_on_by
    secrets = {k: v for k, v in (data.get("secrets") or {}).items() if v}
    if secrets:
        seal_secrets(box, plan, open_secrets(box, plan) | secrets)
    audit.record(session, actor, "backup.plan", plan,
                 f"backup plan of {server.hostname}: {'on' if plan.enabled else 'off'} at "
                 f"{plan.run_at_minute // 60:02d}:{plan.run_at_minute % 60:02d}, {plan.target_kind} {plan.target_path}")
    return plan


def switch_on_for_option(session, box: SecretBox, contract, kind: str, default_path: str = "/backup/borg"):
    """A managed option that sells backups switches the schedule of the contract's server on."""
    if kind not in OPTION_TARGETS or contract.server_id is None:
        return None
    from tenants.models import Server

    server = session.get(Server, contract.server_id)
    plan = plan_for(session, server.id)
    if plan is not None and plan.enabled:
        return plan
    data: dict = {"enabled": True}
    if plan is None:
        data |= {"target_kind": "path", "target_path": default_path}
    return save_plan(session, None, box, server, data, switched_on_by=f"option:{kind}")


def local_day(at: datetime) -> date:
    return at.astimezone(TOKYO).date()


def due_at(plan: BackupPlan, day: date) -> datetime:
    start = datetime.combine(day, time(0, 0), TOKYO) + timedelta(minutes=plan.run_at_minute)
    return start.astimezone(ZoneInfo("UTC"))


def is_due(session, plan: BackupPlan, now: datetime) -> bool:
    """The plan is on, its time today has come and today has no scheduled run (nor a good one) yet."""
    if not plan.enabled:
        return False
    day = local_day(now)
    if now < due_at(plan, day):
        return False
    # one scheduled run a day: a failed one is not retried every tick (its incident is open; it is
    # tried again once, see retry_due, and the provider can "Run a backup now"); a generation taken
    # by hand earlier that day does not count, nor a "missed" mark (the late run still comes)
    done = session.execute(select(BackupRun.id).where(
        BackupRun.server_id == plan.server_id, BackupRun.day == day.isoformat(),
        (BackupRun.trigger == "schedule") | (BackupRun.state == OK))).first()
    return done is None


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))


def retry_due(session, plan: BackupPlan, now: datetime) -> bool:
    """Today's scheduled run failed RETRY_AFTER ago or more, and today has no retry, no run going
    on and no good generation yet: the one retry of the day is due."""
    if not plan.enabled:
        return False
    rows = session.execute(select(BackupRun).where(BackupRun.server_id == plan.server_id,
                                                   BackupRun.day == local_day(now).isoformat())).scalars().all()
    if any(r.state in (OK, RUNNING) or r.trigger == "retry" for r in rows):
        return False
    failed = [aware(r.finished_at or r.started_at) for r in rows if r.trigger == "schedule" and r.state == FAILED]
    return bool(failed) and now >= max(failed) + RETRY_AFTER


def missed_days(session, plan: BackupPlan, now: datetime) -> list[date]:
    """Yesterday and today, where the plan's time passed (today: MISSED_MARGIN ago) while the plan
    was on, and no run at all (scheduled, retried or by hand) is recorded for that day."""
    today = local_day(now)
    out = []
    for day, late in ((today - timedelta(days=1), timedelta(0)), (today, MISSED_MARGIN)):
        if aware(plan.created_at) >= due_at(plan, day) or now < due_at(plan, day) + late:
            continue
        if session.execute(select(BackupRun.id).where(BackupRun.server_id == plan.server_id,
                                                      BackupRun.day == day.isoformat())).first() is None:
            out.append(day)
    return out
