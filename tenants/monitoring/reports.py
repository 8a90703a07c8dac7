"""Roll-ups, retention and monthly uptime of check results, and the status boards the panels show
(issue 5 "State" and "Views"). Days and months are Asia/Tokyo ones (house convention)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import case, delete, func, select

from tenants.calendar import JST
from tenants.models import CheckResult, CheckRollup, MonitoredEndpoint, Server, ServiceState
from tenants.monitoring.models import Health
from tenants.monitoring.state import uptime_percent

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
STATE_ORDER = {"down": 0, "unknown": 1, "up": 2}


def _hour_floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def jst_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JST).astimezone(timezone.utc)


def _counts(rows) -> dict:
    # (endpoint id, period start) -> [checks, ups, maintenance, latency sum, latency n]
    acc: defaultdict[tuple[int, datetime], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0])
    for key, up, maint, latency in rows:
        a = acc[key]
        if maint:
            a[2] += 1
            continue
        a[0] += 1
        a[1] += int(up)
        if latency is not None:
            a[3] += latency
            a[4] += 1
    return acc


def _store(session, period: str, start: datetime, end: datetime, acc: dict, servers: dict) -> int:
    session.execute(delete(CheckRollup).where(CheckRollup.period == period, CheckRollup.period_start >= start,
                                              CheckRollup.period_start < end))
    for (endpoint_id, period_start), (checks, ups, maint, lat_sum, lat_n) in acc.items():
        session.add(CheckRollup(endpoint_id=endpoint_id, server_id=servers[endpoint_id], period=period,
                                period_start=period_start, checks=checks, ups=ups, maintenance_checks=maint,
                                latency_ms_avg=round(lat_sum / lat_n, 3) if lat_n else None))
    session.flush()
    return len(acc)


def roll_up(session, now: datetime, lookback: timedelta = timedelta(days=2)) -> int:
    """(Re)compute hourly roll-ups of the complete hours and daily ones of the complete JST days in
    the look-back window. Recomputing is idempotent: run it as often as you like."""
    end_hour = _hour_floor(now)
    start_hour = _hour_floor(now - lookback)
    rows = session.execute(select(CheckResult.endpoint_id, CheckResult.server_id, CheckResult.cycle,
                                  CheckResult.up, CheckResult.in_maintenance, CheckResult.latency_ms)
                           .where(CheckResult.cycle >= start_hour, CheckResult.cycle < end_hour)).all()
    servers = {r.endpoint_id: r.server_id for r in rows}
    made = _store(session, "hour", start_hour, end_hour, _counts(
        ((r.endpoint_id, _hour_floor(r.cycle)), r.up, r.in_maintenance, r.latency_ms) for r in rows), servers)
    today = now.astimezone(JST).date()
    first_day = start_hour.astimezone(JST).date()
    if jst_midnight(first_day) < start_hour:  # only JST days wholly inside the window
        first_day += DAY
    day_start, day_end = jst_midnight(first_day), jst_midnight(today)
    if day_start < day_end:
        made += _store(session, "day", day_start, day_end, _counts(
            ((r.endpoint_id, jst_midnight(r.cycle.astimezone(JST).date())), r.up, r.in_maintenance, r.latency_ms)
            for r in rows if day_start <= r.cycle < day_end), servers)
    return made


def prune(session, now: datetime, keep_results: timedelta, keep_hourly: timedelta) -> int:
    """Raw results are kept for `keep_results` (they are rolled up long before), hourly roll-ups
    for `keep_hourly`; daily roll-ups are kept."""
    n = session.execute(delete(CheckResult).where(CheckResult.cycle < now - keep_results)).rowcount or 0
    n += session.execute(delete(CheckRollup).where(CheckRollup.period == "hour",
                                                   CheckRollup.period_start < now - keep_hourly)).rowcount or 0
    return n


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return jst_midnight(date(year, month, 1)), jst_midnight(nxt)


def monthly_uptime(session, endpoint_ids: list[int], year: int, month: int) -> dict[int, float | None]:
    """Uptime % per endpoint for a JST month."""
    start, end = month_bounds(year, month)
    return {i: uptime_percent(ups, checks) for i, (checks, ups) in check_counts(session, endpoint_ids, start, end).items()}


def check_counts(session, endpoint_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
    """(checks, ups) per endpoint between two times: the daily roll-ups of the rolled days plus the
    raw results after them. Checks inside maintenance windows are left out."""
    ids = list(endpoint_ids)
    if not ids:
        return {}
    rolled_to = session.execute(select(func.max(CheckRollup.period_start)).where(
        CheckRollup.period == "day", CheckRollup.endpoint_id.in_(ids), CheckRollup.period_start >= start,
        CheckRollup.period_start < end)).scalar()
    boundary = rolled_to + DAY if rolled_to else start
    totals = {i: [0, 0] for i in ids}
    for endpoint_id, checks, ups in session.execute(
            select(CheckRollup.endpoint_id, func.sum(CheckRollup.checks), func.sum(CheckRollup.ups))
            .where(CheckRollup.period == "day", CheckRollup.endpoint_id.in_(ids),
                   CheckRollup.period_start >= start, CheckRollup.period_start < boundary)
            .group_by(CheckRollup.endpoint_id)):
        totals[endpoint_id][0] += int(checks or 0)
        totals[endpoint_id][1] += int(ups or 0)
    for endpoint_id, up in session.execute(
            select(CheckResult.endpoint_id, CheckResult.up).where(
                CheckResult.endpoint_id.in_(ids), CheckResult.cycle >= boundary, CheckResult.cycle < end,
                CheckResult.in_maintenance.is_(False))):
        totals[endpoint_id][0] += 1
        totals[endpoint_id][1] += int(up)
    return {i: (checks, ups) for i, (checks, ups) in totals.items()}


def board_statement(server_ids: list[int] | None = None):
    """(server, endpoint, live state) of every visible server × service, the failing ones first, then
    unknown, up and paused; the longest failing first among equals. One ordered statement, so the
    board can be read a page at a time. The session's scope decides which servers appear."""
    current = case((MonitoredEndpoint.paused.is_(True), "paused"), else_=func.coalesce(ServiceState.state, "unknown"))
    stmt = (select(Server, MonitoredEndpoint, ServiceState)
            .join(MonitoredEndpoint, MonitoredEndpoint.server_id == Server.id)
            .outerjoin(ServiceState, ServiceState.endpoint_id == MonitoredEndpoint.id)
            .order_by(case(STATE_ORDER, value=current, else_=3),
                      func.coalesce(ServiceState.consecutive_failures, 0).desc(), Server.hostname,
                      MonitoredEndpoint.protocol, func.coalesce(MonitoredEndpoint.port, 0), MonitoredEndpoint.id))
    if server_ids is not None:
        stmt = stmt.where(Server.id.in_(server_ids))
    return stmt


def board_rows(found) -> list[dict]:
    return [{"server": server, "endpoint": endpoint, "live": state,
             "state": "paused" if endpoint.paused else (state.state if state else "unknown")}
            for server, endpoint, state in found]


def status_board(session, server_ids: list[int] | None = None) -> list[dict]:
    """Every visible server × service with its live state, the failing ones first (board_statement)."""
    return board_rows(session.execute(board_statement(server_ids)).all())


def failing_count(session) -> int:
    """Visible services DOWN now (paused ones are not failing)."""
    return session.execute(select(func.count()).select_from(MonitoredEndpoint)
                           .join(ServiceState, ServiceState.endpoint_id == MonitoredEndpoint.id)
                           .where(MonitoredEndpoint.paused.is_(False), ServiceState.state == Health.DOWN)).scalar_one()


def board_json(rows: list[dict], uptime: dict[int, float | None]) -> list[dict]:
    """The status board as plain data (the reseller API / JSON view)."""
    out: dict[int, dict] = {}
    for r in rows:
        server, endpoint, live = r["server"], r["endpoint"], r["live"]
        entry = out.setdefault(server.id, {"id": server.id, "hostname": server.hostname, "services": []})
        entry["services"].append({
            "protocol": endpoint.protocol, "port": endpoint.port, "state": r["state"],
            "since": live.since.isoformat() if live and live.since else None,
            "last_checked_at": live.last_checked_at.isoformat() if live and live.last_checked_at else None,
            "reason": live.last_reason if live else None,
            "uptime_percent_month": uptime.get(endpoint.id),
        })
    for entry in out.values():
        states = {s["state"] for s in entry["services"]}
        entry["state"] = "down" if "down" in states else ("up" if states <= {"up", "paused"} else "unknown")
    return list(out.values())
