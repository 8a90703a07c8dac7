"""Business days (Mon–Fri, no JP holidays, no 30 Dec – 3 Jan) and help-desk hours."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tenants.calendar import (
    HELPDESK_HOURS,
    HELPDESK_HOURS_TEXT,
    HELPDESK_HOURS_TEXT_JA,
    JST,
    add_business_days,
    add_months,
    is_business_day,
    is_helpdesk_open,
    is_month_end,
    month_end,
    months_apart,
    next_business_day,
)

D = date.fromisoformat


@pytest.mark.parametrize("day, expected, why", [
    ("2026-01-05", True, "first Monday after New Year"),
    ("2026-11-24", True, "Tuesday after a Monday holiday"),
    ("2026-12-29", True, "last business day of 2026"),
    ("2027-01-04", True, "first business day of 2027"),
    ("2024-02-29", True, "leap day, a Thursday"),
    ("2026-11-21", False, "Saturday"),
    ("2026-11-22", False, "Sunday"),
    ("2026-11-23", False, "Labour Thanksgiving Day, Monday"),
    ("2026-02-23", False, "Emperor's Birthday, Monday"),
    ("2026-03-20", False, "Vernal Equinox Day, Friday"),
    ("2026-05-06", False, "substitute holiday, Wednesday"),
    ("2026-09-22", False, "national holiday between two holidays, Tuesday"),
    ("2026-01-01", False, "New Year's Day, Thursday"),
    ("2026-01-02", False, "year-end closure, Friday, not a public holiday"),
    ("2025-12-30", False, "year-end closure, Tuesday"),
    ("2025-12-31", False, "year-end closure, Wednesday"),
    ("2026-12-30", False, "year-end closure, Wednesday"),
    ("2027-01-03", False, "year-end closure and Sunday"),
])
def test_is_business_day(day, expected, why):
    assert is_business_day(D(day)) is expected, why


@pytest.mark.parametrize("start, n, expected", [
    ("2026-12-29", 3, "2027-01-06"),   # across the year-end closure
    ("2026-12-25", 1, "2026-12-28"),   # Friday → Monday
    ("2026-11-20", 1, "2026-11-24"),   # over a weekend and the Monday holiday
    ("2026-11-21", 1, "2026-11-24"),   # from a Saturday
    ("2026-05-01", 1, "2026-05-07"),   # Golden Week 2–6 May
    ("2026-01-09", 5, "2026-01-19"),   # Coming of Age Day 12 Jan skipped
    ("2026-01-05", 4, "2026-01-09"),
    ("2026-01-05", 5, "2026-01-13"),   # Mon 12 Jan is a holiday
    ("2026-01-05", 0, "2026-01-05"),
    ("2026-01-03", 0, "2026-01-03"),   # n = 0 never moves, even off a business day
    ("2027-01-04", -1, "2026-12-29"),  # backwards across the closure
    ("2026-11-24", -1, "2026-11-20"),
])
def test_add_business_days(start, n, expected):
    assert add_business_days(D(start), n) == D(expected)


@pytest.mark.parametrize("start, expected", [
    ("2026-12-29", "2027-01-04"),
    ("2026-11-20", "2026-11-24"),
    ("2026-02-27", "2026-03-02"),
    ("2026-01-05", "2026-01-06"),
])
def test_next_business_day(start, expected):
    assert next_business_day(D(start)) == D(expected)


def test_a_datetime_is_not_taken_for_a_calendar_day():
    with pytest.raises(TypeError):
        is_business_day(datetime(2026, 11, 24, 1, 0))


@pytest.mark.parametrize("day, expected", [
    ("2026-02-10", "2026-02-28"),
    ("2024-02-10", "2024-02-29"),
    ("2100-02-10", "2100-02-28"),  # not a leap year
    ("2026-04-30", "2026-04-30"),
    ("2026-12-01", "2026-12-31"),
])
def test_month_end(day, expected):
    assert month_end(D(day)) == D(expected)
    assert is_month_end(D(expected))


@pytest.mark.parametrize("day, n, expected", [
    ("2026-01-31", 1, "2026-02-28"),
    ("2024-01-31", 1, "2024-02-29"),
    ("2026-11-15", 2, "2027-01-15"),
    ("2026-03-31", -1, "2026-02-28"),
    ("2026-01-15", -1, "2025-12-15"),
    ("2026-01-15", 12, "2027-01-15"),
])
def test_add_months(day, n, expected):
    assert add_months(D(day), n) == D(expected)


@pytest.mark.parametrize("a, b, expected", [
    ("2026-05-31", "2027-01-14", 8),
    ("2026-05-01", "2026-05-31", 0),
    ("2026-05-31", "2026-04-01", -1),
])
def test_months_apart(a, b, expected):
    assert months_apart(D(a), D(b)) == expected


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("moment_utc, expected, jst", [
    ("2026-11-24T00:59", False, "Tue 09:59"),
    ("2026-11-24T01:00", True, "Tue 10:00"),
    ("2026-11-24T02:59", True, "Tue 11:59"),
    ("2026-11-24T03:00", False, "Tue 12:00 lunch"),
    ("2026-11-24T03:59", False, "Tue 12:59 lunch"),
    ("2026-11-24T04:00", True, "Tue 13:00"),
    ("2026-11-24T07:59", True, "Tue 16:59"),
    ("2026-11-24T08:00", False, "Tue 17:00"),
    ("2026-11-23T01:30", False, "Mon 10:30, Labour Thanksgiving Day"),
    ("2026-11-21T01:30", False, "Sat 10:30"),
    ("2026-12-29T05:00", True, "Tue 14:00, last business day"),
    ("2026-12-30T05:00", False, "Wed 14:00, year-end closure"),
    ("2026-11-23T16:00", False, "Tue 01:00 (already the next day in JST)"),
])
def test_is_helpdesk_open(moment_utc, expected, jst):
    assert is_helpdesk_open(utc(moment_utc)) is expected, jst


def test_helpdesk_takes_naive_times_as_utc_and_converts_other_zones():
    assert is_helpdesk_open(datetime(2026, 11, 24, 1, 0)) is True    # 10:00 JST
    assert is_helpdesk_open(datetime(2026, 11, 24, 10, 0)) is False  # 19:00 JST
    assert is_helpdesk_open(datetime(2026, 11, 24, 10, 0, tzinfo=JST)) is True
    assert is_helpdesk_open(datetime(2026, 11, 24, 9, 0, tzinfo=JST) + timedelta(hours=3)) is False


def test_helpdesk_text_matches_the_windows():
    for opens, closes in HELPDESK_HOURS:
        for t in (opens, closes):
            assert t.strftime("%H:%M") in HELPDESK_HOURS_TEXT
            assert t.strftime("%H:%M") in HELPDESK_HOURS_TEXT_JA
