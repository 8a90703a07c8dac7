"""Dates and deadlines of the managed terms: minimum term, cancellation, succession, work requests."""
from datetime import date

import pytest

from tenants.contracts.terms import (
    cancellation_date_problems,
    check_cancellation_date,
    earliest_cancellation_date,
    early_cancellation_charge_due_on,
    inspection_objection_deadline,
    is_succession_notice_late,
    is_work_accepted,
    minimum_term_end,
    option_minimum_term_end,
    succession_notice_deadline,
    term_end,
    work_accepted_on,
    work_target_completion,
)
from tenants.errors import RuleViolation

D = date.fromisoformat


@pytest.mark.parametrize("formed, expected", [
    ("2026-01-15", "2027-01-14"),
    ("2026-01-01", "2026-12-31"),
    ("2026-03-31", "2027-03-30"),
    ("2026-12-31", "2027-12-30"),
    ("2024-02-29", "2025-02-28"),  # no 29 Feb 2025: that month's last day
    ("2023-03-01", "2024-02-29"),  # ends on a leap day
    ("2026-02-28", "2027-02-27"),
])
def test_minimum_term_end(formed, expected):
    assert minimum_term_end(D(formed)) == D(expected)


def test_option_term_runs_from_the_option_start_not_the_contract():
    assert minimum_term_end(D("2026-01-15")) == D("2027-01-14")
    assert option_minimum_term_end(D("2026-06-10")) == D("2027-06-09")


@pytest.mark.parametrize("start, months, expected", [
    ("2026-01-31", 1, "2026-02-28"),
    ("2026-01-30", 1, "2026-02-28"),
    ("2026-01-28", 1, "2026-02-27"),
    ("2026-01-15", 3, "2026-04-14"),
])
def test_term_end(start, months, expected):
    assert term_end(D(start), months) == D(expected)


@pytest.mark.parametrize("months", [0, -12])
def test_term_end_refuses_empty_terms(months):
    with pytest.raises(RuleViolation):
        term_end(D("2026-01-15"), months)


@pytest.mark.parametrize("notified, expected", [
    ("2026-03-10", "2026-05-31"),
    ("2026-03-31", "2026-05-31"),
    ("2026-03-01", "2026-05-31"),
    ("2026-04-01", "2026-06-30"),
    ("2026-06-30", "2026-08-31"),
    ("2026-11-15", "2027-01-31"),  # across the year
    ("2026-12-01", "2027-02-28"),
    ("2027-12-31", "2028-02-29"),  # leap February
])
def test_earliest_cancellation_date(notified, expected):
    assert earliest_cancellation_date(D(notified)) == D(expected)


@pytest.mark.parametrize("notified, cancelled", [
    ("2026-03-10", "2026-05-31"),
    ("2026-03-31", "2026-05-31"),
    ("2026-03-10", "2026-12-31"),
])
def test_check_cancellation_date_accepts(notified, cancelled):
    assert check_cancellation_date(D(notified), D(cancelled)) == D(cancelled)


@pytest.mark.parametrize("notified, cancelled, n_problems", [
    ("2026-04-01", "2026-05-31", 1),  # too late for May
    ("2026-03-10", "2026-06-15", 1),  # not a month's last day
    ("2026-03-10", "2026-05-30", 2),  # both
    ("2026-03-10", "2026-04-30", 1),
])
def test_check_cancellation_date_refuses(notified, cancelled, n_problems):
    assert len(cancellation_date_problems(D(notified), D(cancelled))) == n_problems
    with pytest.raises(RuleViolation) as info:
        check_cancellation_date(D(notified), D(cancelled), field="cancel_on")
    assert len(info.value.problems) == n_problems
    assert {p.field for p in info.value.problems} == {"cancel_on"}


def test_cancellation_problem_names_the_earliest_date():
    [problem] = cancellation_date_problems(D("2026-04-01"), D("2026-05-31"))
    assert problem.params == {"notified": "2026-04-01", "earliest": "2026-06-30"}
    assert "2026-06-30" in problem.render()


@pytest.mark.parametrize("cancelled, expected", [
    ("2026-05-31", "2026-05-31"),
    ("2026-02-10", "2026-02-28"),
])
def test_early_cancellation_charge_due_on(cancelled, expected):
    assert early_cancellation_charge_due_on(D(cancelled)) == D(expected)


@pytest.mark.parametrize("succeeded, deadline", [
    ("2026-01-15", "2026-02-14"),
    ("2026-12-15", "2027-01-14"),
    ("2026-02-10", "2026-03-12"),
    ("2024-02-10", "2024-03-11"),  # leap February
])
def test_succession_notice_deadline(succeeded, deadline):
    assert succession_notice_deadline(D(succeeded)) == D(deadline)


@pytest.mark.parametrize("notified, late", [
    ("2026-02-14", False),
    ("2026-01-15", False),
    ("2026-02-15", True),
])
def test_is_succession_notice_late(notified, late):
    assert is_succession_notice_late(D("2026-01-15"), D(notified)) is late


@pytest.mark.parametrize("accepted, target", [
    ("2026-12-29", "2027-01-06"),  # Tue; 30 Dec – 3 Jan closed
    ("2026-11-19", "2026-11-25"),  # Thu; weekend and Mon 23 Nov holiday
    ("2026-01-05", "2026-01-08"),
    ("2026-11-21", "2026-11-26"),  # accepted on a Saturday
])
def test_work_target_completion(accepted, target):
    assert work_target_completion(D(accepted)) == D(target)


@pytest.mark.parametrize("notified, accepted", [
    ("2026-12-25", "2027-01-01"),  # 7 calendar days, holidays and closure count
    ("2024-02-25", "2024-03-03"),  # leap February
    ("2026-02-25", "2026-03-04"),
])
def test_work_accepted_on(notified, accepted):
    assert work_accepted_on(D(notified)) == D(accepted)
    assert inspection_objection_deadline(D(notified)) == D(accepted)


@pytest.mark.parametrize("today, objected, expected", [
    ("2027-01-01", None, False),          # the last day to object is not over yet
    ("2027-01-02", None, True),
    ("2027-01-10", "2026-12-28", False),
    ("2027-01-10", "2027-01-01", False),  # objection on the last day is in time
    ("2027-01-10", "2027-01-02", True),   # too late to object
    ("2026-12-30", None, False),
])
def test_is_work_accepted(today, objected, expected):
    objected_on = D(objected) if objected else None
    assert is_work_accepted(D("2026-12-25"), D(today), objected_on) is expected


def test_objection_before_the_completion_notice_is_refused():
    with pytest.raises(RuleViolation):
        is_work_accepted(D("2026-12-25"), D("2027-01-10"), D("2026-12-24"))
