"""The mass-mail rule (OEM spec 障害レベル1): more than the threshold in any one hour is over."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tenants.errors import RuleViolation
from tenants.mail_abuse.counting import SendCounter

T0 = datetime(2026, 11, 23, 11, 0, tzinfo=timezone.utc)
JST = timezone(timedelta(hours=9))


def fed(events):
    counter = SendCounter()
    for seconds, sender, rcpt in events:
        counter.add(T0 + timedelta(seconds=seconds), sender, rcpt)
    return counter


def burst(sender, n, every=1.0, start=0.0):
    return [(start + i * every, sender, f"r{i}@example.com") for i in range(n)]


@pytest.mark.parametrize("events,threshold,flagged", [
    (burst("a@example.jp", 3), 3, {}),                      # at the threshold: never flagged
    (burst("a@example.jp", 4), 3, {"a@example.jp": 4}),     # one more: flagged
    (burst("a@example.jp", 2), 3, {}),
    ([], 1, {}),
    (burst("a@example.jp", 1), 1, {}),
    (burst("a@example.jp", 2), 1, {"a@example.jp": 2}),
    # every 40 s for 66 minutes: the fullest 60-minute window holds exactly 90
    (burst("a@example.jp", 100, every=40), 90, {}),
    (burst("a@example.jp", 100, every=40), 89, {"a@example.jp": 90}),
    # two accounts: only the one over is flagged
    (burst("spam@example.jp", 50) + burst("ok@example.jp", 10), 20, {"spam@example.jp": 50}),
    # account names are case-insensitive
    (burst("A@Example.JP", 2) + burst("a@example.jp", 2, start=10), 3, {"a@example.jp": 4}),
    # the null sender (bounces) belongs to nobody
    (burst("", 50), 1, {}),
])
def test_threshold_table(events, threshold, flagged):
    found = fed(events).over_threshold(threshold)
    assert {e.sender: e.count for e in found} == flagged
    assert all(e.count > threshold and e.threshold == threshold for e in found)


@pytest.mark.parametrize("offsets,threshold,expected_count", [
    # exactly 60:00 apart: not in one window (window is (end - 1h, end])
    ([0, 1800, 3600], 2, None),
    ([0, 1800, 3599], 2, 3),
    ([0, 1800, 3599.999], 2, 3),
    ([0, 3600, 7200, 7201], 2, None),
    ([0, 3600, 3601, 3602], 2, 3),
    # the worst window is found wherever it is
    ([0, 5000, 5001, 5002, 9000], 2, 3),
])
def test_window_edges(offsets, threshold, expected_count):
    counter = fed([(s, "a@example.jp", f"{i}@x.example") for i, s in enumerate(offsets)])
    found = counter.over_threshold(threshold)
    if expected_count is None:
        assert found == []
    else:
        [e] = found
        assert e.count == expected_count
        assert e.window_end - e.window_start < timedelta(hours=1)


def test_evidence_describes_the_worst_window():
    events = burst("quiet@example.jp", 3, every=600)  # in the earlier hour
    events += [(7200 + i, "spam@example.jp", f"victim{i % 15}@example.com") for i in range(40)]
    events += [(100, "spam@example.jp", "early@example.com")]  # two hours before: not in the window
    [e] = fed(events).over_threshold(30)
    assert e.sender == "spam@example.jp" and e.count == 40
    assert e.window_start == T0 + timedelta(seconds=7200)
    assert e.window_end == T0 + timedelta(seconds=7239)
    assert e.window_start.tzinfo is not None
    assert e.sample_recipients == tuple(f"victim{i}@example.com" for i in range(10))
    assert json.loads(json.dumps(e.to_dict()))["count"] == 40


def test_sample_recipients_are_distinct_and_at_most_ten():
    events = [(i, "a@example.jp", "same@example.com") for i in range(20)]
    [e] = fed(events).over_threshold(5)
    assert e.sample_recipients == ("same@example.com",)
    [e] = fed(burst("a@example.jp", 50)).over_threshold(5)
    assert len(e.sample_recipients) == 10


def test_out_of_order_and_other_zones_are_placed_by_instant():
    counter = SendCounter()
    counter.add(T0 + timedelta(minutes=40), "a@example.jp", "3@x")
    counter.add((T0 + timedelta(minutes=5)).astimezone(JST), "a@example.jp", "1@x")  # same instant, JST
    counter.add(T0 - timedelta(minutes=15), "a@example.jp", "0@x")
    [e] = counter.over_threshold(2)
    assert e.count == 3 and e.window_start == T0 - timedelta(minutes=15)
    assert e.sample_recipients == ("0@x", "1@x", "3@x")


def test_per_account_threshold_overrides():
    counter = fed(burst("big@example.jp", 30) + burst("small@example.jp", 30))
    found = counter.over_threshold(100, per_account={"SMALL@example.jp": 20})
    assert [(e.sender, e.threshold) for e in found] == [("small@example.jp", 20)]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10", None])
def test_threshold_must_be_a_positive_whole_number(bad):
    with pytest.raises(RuleViolation) as exc:
        fed(burst("a@example.jp", 5)).over_threshold(bad)
    assert exc.value.problems[0].field == "mass_mail_threshold"
    with pytest.raises(RuleViolation):
        fed(burst("a@example.jp", 5)).over_threshold(10, per_account={"a@example.jp": bad})


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        SendCounter().add(datetime(2026, 11, 23, 20, 0), "a@example.jp", "b@example.com")


def test_prune_keeps_only_what_can_share_a_window():
    counter = fed([(0, "old@example.jp", "x"), (1800, "a@example.jp", "x"),
                   (3600, "a@example.jp", "y"), (5400, "b@example.jp", "z")])
    assert counter.prune() == 2  # newest is 5400: 0 and 1800 (== 5400 - 3600) go
    assert counter.accounts() == ["a@example.jp", "b@example.jp"] and len(counter) == 2
    assert counter.prune() == 0
    assert counter.prune(now=T0 + timedelta(hours=3)) == 2
    assert len(counter) == 0 and counter.accounts() == []


def test_round_trip_between_runs_keeps_detection_across_the_boundary():
    """Run 1 sees 60 messages, run 2 another 60 within the same hour: only together are they over."""
    first = fed(burst("a@example.jp", 60, every=20))          # 0 .. 1180 s
    assert first.over_threshold(100) == []
    state = json.loads(json.dumps(first.to_dict()))
    second = SendCounter.from_dict(state)
    assert len(second) == 60
    for seconds, sender, rcpt in burst("a@example.jp", 60, every=20, start=1200):
        second.add(T0 + timedelta(seconds=seconds), sender, rcpt)
    [e] = second.over_threshold(100)
    assert e.count == 120 and e.window_start == T0
    assert SendCounter.from_dict(second.to_dict(prune=False)).to_dict() == second.to_dict()


def test_state_is_pruned_when_saved():
    counter = fed(burst("old@example.jp", 5) + burst("new@example.jp", 5, start=4 * 3600))
    state = counter.to_dict()
    assert list(state["events"]) == ["new@example.jp"]
    assert SendCounter.from_dict(state).over_threshold(4)[0].sender == "new@example.jp"


@pytest.mark.parametrize("state", [None, {}])
def test_empty_state(state):
    assert len(SendCounter.from_dict(state)) == 0


def test_unknown_state_version_is_refused():
    with pytest.raises(ValueError):
        SendCounter.from_dict({"version": 99, "events": {}})
