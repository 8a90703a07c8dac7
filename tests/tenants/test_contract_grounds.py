"""Refusal grounds (§5.2), suspension grounds and notice (§23), termination after suspension (§12.1)."""
from datetime import datetime, timedelta

import pytest

from tenants.contracts.grounds import (
    REFUSAL_GROUNDS,
    SUSPENSION_GROUNDS,
    SUSPENSION_NOTICE_ITEMS,
    check_suspension,
    may_terminate_after_suspension,
    refusal_ground,
    suspension_ground,
    suspension_problems,
)
from tenants.errors import RuleViolation


@pytest.mark.parametrize("grounds, count", [(REFUSAL_GROUNDS, 6), (SUSPENSION_GROUNDS, 13)])
def test_ground_lists_follow_the_articles(grounds, count):
    assert [g.number for g in grounds] == list(range(1, count + 1))
    assert len({g.code for g in grounds}) == count
    assert all(g.ja and g.en and g.en.isascii() and not g.ja.isascii() for g in grounds)


@pytest.mark.parametrize("lookup, code, number", [
    (refusal_ground, "payment_delay", 2),
    (refusal_ground, "antisocial_forces", 4),
    (refusal_ground, "other_hindrance", 6),
    (suspension_ground, "non_payment", 1),
    (suspension_ground, "bankruptcy", 6),
    (suspension_ground, "other_violation", 13),
])
def test_ground_lookup(lookup, code, number):
    assert lookup(code).number == number


@pytest.mark.parametrize("lookup, field", [
    (refusal_ground, "refusal_ground"),
    (suspension_ground, "suspension_ground"),
])
def test_unknown_ground_is_refused(lookup, field):
    with pytest.raises(RuleViolation) as info:
        lookup("no_such_ground")
    assert info.value.problems[0].field == field


def test_notice_states_reason_start_and_period():
    assert [ja for _, ja, _ in SUSPENSION_NOTICE_ITEMS] == ["理由", "実施期日", "実施期間"]


START = datetime(2026, 6, 10, 1, 0)
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


@pytest.mark.parametrize("ground, ends, notified, emergency, fields", [
    ("non_payment", START + WEEK, START - 3 * WEEK, False, []),
    ("non_payment", START + WEEK, START - HOUR, False, []),
    ("non_payment", START + WEEK, None, False, ["notified_at"]),
    ("non_payment", START + WEEK, START, False, ["notified_at"]),
    ("non_payment", START + WEEK, START + HOUR, False, ["notified_at"]),
    ("obstruction", START + WEEK, None, True, []),            # emergency: notice follows
    ("obstruction", START + WEEK, START + HOUR, True, []),
    ("non_payment", None, START - WEEK, False, ["ends_at"]),  # a period must be stated
    ("non_payment", START, START - WEEK, False, ["ends_at"]),
    ("late_fees", START + WEEK, START - WEEK, False, ["ground"]),
    ("late_fees", None, None, False, ["ground", "ends_at", "notified_at"]),
])
def test_suspension_problems(ground, ends, notified, emergency, fields):
    problems = suspension_problems(ground=ground, starts_at=START, ends_at=ends,
                                   notified_at=notified, emergency=emergency)
    assert [p.field for p in problems] == fields


def test_check_suspension_raises_every_problem():
    with pytest.raises(RuleViolation) as info:
        check_suspension(ground="non_payment", starts_at=START, ends_at=None,
                         notified_at=None, emergency=False)
    assert [p.field for p in info.value.problems] == ["ends_at", "notified_at"]
    assert check_suspension(ground="non_payment", starts_at=START, ends_at=START + WEEK,
                            notified_at=START - WEEK, emergency=False) is None


@pytest.mark.parametrize("now, cured, expected", [
    (START + WEEK - HOUR, False, False),  # still within the suspension period
    (START + WEEK, False, True),
    (START + 2 * WEEK, False, True),
    (START + 2 * WEEK, True, False),
])
def test_may_terminate_after_suspension(now, cured, expected):
    assert may_terminate_after_suspension(START + WEEK, now, cured) is expected
