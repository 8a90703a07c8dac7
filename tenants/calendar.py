"""The business-day calendar and the help-desk hours, as plain functions.

Business day (弊社営業日): Monday to Friday, except Japanese public holidays and the year-end
closure 30 December – 3 January (managed terms, basic service spec, note under the contact table:
"平日月曜から金曜までのことをいい、土曜・日曜・祝祭日・年末年始(12/30～1/3)は含みません").

Dates are ``datetime.date`` in Asia/Tokyo; a ``datetime`` is refused where a date is meant, so a UTC
timestamp is never silently read as a Japanese calendar day. Japan has no daylight saving time, so
JST is a fixed UTC+9 offset and needs no tz database.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import holidays

from tenants.errors import N_

JST = timezone(timedelta(hours=9), "JST")

# (month, day) pairs of the year-end closure (年末年始 12/30～1/3).
YEAR_END_CLOSURE = ((12, 30), (12, 31), (1, 1), (1, 2), (1, 3))

# Help-desk windows on business days, JST, start inclusive, end exclusive.
HELPDESK_HOURS = ((time(10, 0), time(12, 0)), (time(13, 0), time(17, 0)))
# English msgid (translated by the panel) and the source wording of the OEM spec.
HELPDESK_HOURS_TEXT = N_("Business days 10:00–12:00 and 13:00–17:00 (JST)")
HELPDESK_HOURS_TEXT_JA = "平日営業日 10:00～12:00 / 13:00～17:00"


def require_date(value: object, field: str = "date") -> date:
    """``value`` if it is a plain date; TypeError for a datetime or anything else."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{field} must be a datetime.date, not {type(value).__name__}")
    return value


def month_end(d: date) -> date:
    """The last day of the month of ``d``."""
    require_date(d)
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def month_start(d: date) -> date:
    """The first day of the month of ``d``."""
    require_date(d)
    return d.replace(day=1)


def is_month_end(d: date) -> bool:
    return month_end(d) == d


def add_months(d: date, n: int) -> date:
    """The same day ``n`` months later (earlier if negative), clamped to the month's last day."""
    require_date(d)
    y, m0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m0 + 1, min(d.day, calendar.monthrange(y, m0 + 1)[1]))


def months_apart(earlier: date, later: date) -> int:
    """How many calendar months the month of ``later`` lies after the month of ``earlier``."""
    require_date(earlier)
    require_date(later)
    return (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month)


@lru_cache(maxsize=None)
def _jp_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


# managed terms, basic service spec (祝祭日)
def is_jp_holiday(d: date) -> bool:
    """A Japanese public holiday (祝日, 振替休日, 国民の休日), per the ``holidays`` package."""
    require_date(d)
    return d in _jp_holidays(d.year)


# managed terms, basic service spec: 年末年始 (12/30～1/3)
def is_year_end_closure(d: date) -> bool:
    require_date(d)
    return (d.month, d.day) in YEAR_END_CLOSURE


# managed terms, basic service spec (弊社営業日)
def is_business_day(d: date) -> bool:
    """Monday–Friday, not a Japanese public holiday, not 30 Dec – 3 Jan."""
    require_date(d)
    return d.weekday() < 5 and not is_jp_holiday(d) and not is_year_end_closure(d)


# managed terms, basic service spec (弊社営業日)
def add_business_days(d: date, n: int) -> date:
    """The ``n``-th business day after ``d`` (before it if ``n`` is negative); ``d`` itself is not
    counted, and need not be a business day. ``n == 0`` returns ``d`` unchanged."""
    require_date(d)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an int")
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = d
    while remaining:
        current += step
        if is_business_day(current):
            remaining -= 1
    return current


# managed terms, basic service spec (弊社営業日)
def next_business_day(d: date) -> date:
    """The first business day strictly after ``d``."""
    return add_business_days(d, 1)


def to_jst(dt_utc: datetime) -> datetime:
    """A UTC timestamp shown in JST. A naive datetime is taken as UTC (how the DB stores times)."""
    if not isinstance(dt_utc, datetime):
        raise TypeError("dt_utc must be a datetime")
    if dt_utc.tzinfo is None:
        dt_utc = dt_utc.replace(tzinfo=timezone.utc)
    return dt_utc.astimezone(JST)


# OEM spec ■基本サポート: 平日営業日 10:00～12:00 / 13:00～17:00
def is_helpdesk_open(dt_utc: datetime) -> bool:
    """Whether the help desk answers at this moment (naive datetimes are taken as UTC)."""
    local = to_jst(dt_utc)
    if not is_business_day(local.date()):
        return False
    t = local.time()
    return any(opens <= t < closes for opens, closes in HELPDESK_HOURS)


def today_jst() -> date:
    """Today's date on the Japanese calendar (dates are JST days, DESIGN.md conventions)."""
    return datetime.now(JST).date()
