"""Mass-mail detection: how many messages an account sent in any one hour.

OEM spec 障害レベル1: "メール大量送信の場合はアカウントロック等の一時的な利用の停止を実施" — an
account that sends mass mail is locked. The course sets the threshold (messages per hour); this
module only says WHO is over it and WHY (the evidence the lock and the incident record keep).

The rule, decided here:
- A message counts once per recipient it was delivered to (a message to 500 Bcc recipients is 500):
  that is what "mass" means to the receiving side and to the line.
- An account is over when MORE than ``threshold`` messages fall in one window: ``count >
  threshold``. The threshold is the allowance itself ("up to 100 per hour" lets the 100th through);
  an account at or under it is never flagged.
- The window is the 60 minutes ENDING at one of the account's own events: events with
  ``end - 1h < t <= end``. Two events exactly one hour apart are therefore not in the same window.
  Checking only windows that end at an event is enough: any window's count is reached by one of them.
- Accounts (sender addresses / SASL user names) are compared case-insensitively, trimmed.
- State is kept between job runs with :meth:`SendCounter.to_dict` / :meth:`SendCounter.from_dict`;
  events older than one hour before the newest event seen are pruned, so it stays one hour big.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tenants.errors import N_, RuleViolation

WINDOW = timedelta(hours=1)
SAMPLE_RECIPIENTS = 10
STATE_VERSION = 1


@dataclass(frozen=True)
class Evidence:
    sender: str
    count: int                          # messages in the worst window
    window_start: datetime              # first event of that window (UTC)
    window_end: datetime                # last event of that window (UTC)
    sample_recipients: tuple[str, ...]  # up to 10 distinct recipients of that window
    threshold: int = 0

    def to_dict(self) -> dict:
        return {
            "sender": self.sender, "count": self.count, "threshold": self.threshold,
            "window_start": self.window_start.isoformat(), "window_end": self.window_end.isoformat(),
            "sample_recipients": list(self.sample_recipients),
        }


def normalise_account(value: str) -> str:
    return value.strip().lower()


def _utc(ts: datetime) -> datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("send events need an aware timestamp (naive times are ambiguous)")
    return ts.astimezone(timezone.utc)


def check_threshold(threshold_per_hour: int, field: str = "mass_mail_threshold") -> int:
    """A threshold is a whole number of messages per hour, at least 1."""
    if isinstance(threshold_per_hour, bool) or not isinstance(threshold_per_hour, int) or threshold_per_hour < 1:
        raise RuleViolation.one(N_("The mass-mail threshold must be a whole number of at least %(min)s "
                                   "messages per hour."), field, min=1)
    return threshold_per_hour


class SendCounter:
    """Per-account send events of the last hour, fed from the mail log."""

    def __init__(self) -> None:
        # account -> parallel lists, kept sorted by time: epoch seconds and recipient
        self._times: dict[str, list[float]] = {}
        self._rcpts: dict[str, list[str]] = {}
        self._newest: float | None = None

    # --- feeding -------------------------------------------------------------------------------
    def add(self, timestamp: datetime, sender: str, recipient: str) -> None:
        account = normalise_account(sender)
        if not account:
            return  # the null sender (bounces) is nobody's account
        t = _utc(timestamp).timestamp()
        times = self._times.setdefault(account, [])
        rcpts = self._rcpts.setdefault(account, [])
        i = bisect.bisect_right(times, t)  # logs are nearly ordered: this is an append
        times.insert(i, t)
        rcpts.insert(i, recipient.strip())
        if self._newest is None or t > self._newest:
            self._newest = t

    def add_many(self, events: Iterable[tuple[datetime, str, str]]) -> None:
        for timestamp, sender, recipient in events:
            self.add(timestamp, sender, recipient)

    # --- the rule ------------------------------------------------------------------------------
    def over_threshold(self, threshold_per_hour: int, *,
                       per_account: Mapping[str, int] | None = None) -> list[Evidence]:
        """Accounts with MORE than their threshold of messages in some 60-minute window, each with
        the evidence of its worst window; sorted by account. ``per_account`` overrides the threshold
        for named accounts (their course's figure)."""
        check_threshold(threshold_per_hour)
        overrides = {normalise_account(k): check_threshold(v) for k, v in (per_account or {}).items()}
        found = []
        for account in sorted(self._times):
            limit = overrides.get(account, threshold_per_hour)
            worst = self._worst_window(account)
            if worst is None:
                continue
            count, first, last = worst
            if count > limit:
                found.append(self._evidence(account, count, first, last, limit))
        return found

    def _worst_window(self, account: str) -> tuple[int, int, int] | None:
        """(count, index of first event, index of last event) of the fullest window; earliest wins."""
        times = self._times.get(account) or []
        best = None
        start = 0
        span = WINDOW.total_seconds()
        for end, t in enumerate(times):
            while times[start] <= t - span:
                start += 1
            count = end - start + 1
            if best is None or count > best[0]:
                best = (count, start, end)
        return best

    def _evidence(self, account: str, count: int, first: int, last: int, limit: int) -> Evidence:
        sample: list[str] = []
        for rcpt in self._rcpts[account][first:last + 1]:
            if rcpt and rcpt not in sample:
                sample.append(rcpt)
                if len(sample) == SAMPLE_RECIPIENTS:
                    break
        times = self._times[account]
        return Evidence(
            sender=account, count=count,
            window_start=datetime.fromtimestamp(times[first], timezone.utc),
            window_end=datetime.fromtimestamp(times[last], timezone.utc),
            sample_recipients=tuple(sample), threshold=limit,
        )

    # --- keeping it small ----------------------------------------------------------------------
    def prune(self, now: datetime | None = None) -> int:
        """Drop events that can no longer share a window with a future event: those at or before
        ``now - 1h`` (``now`` defaults to the newest event seen). Returns how many were dropped."""
        if now is not None:
            reference = _utc(now).timestamp()
        elif self._newest is not None:
            reference = self._newest
        else:
            return 0
        cutoff = reference - WINDOW.total_seconds()
        dropped = 0
        for account in list(self._times):
            times = self._times[account]
            keep_from = bisect.bisect_right(times, cutoff)
            if keep_from:
                dropped += keep_from
                del times[:keep_from]
                del self._rcpts[account][:keep_from]
            if not times:
                del self._times[account]
                del self._rcpts[account]
        return dropped

    def __len__(self) -> int:
        return sum(len(v) for v in self._times.values())

    def accounts(self) -> list[str]:
        return sorted(self._times)

    # --- state between runs --------------------------------------------------------------------
    def to_dict(self, *, prune: bool = True) -> dict:
        """JSON-ready state; pruned to the last hour first unless ``prune=False``."""
        if prune:
            self.prune()
        return {
            "version": STATE_VERSION,
            "newest": self._newest,
            "events": {a: [[t, r] for t, r in zip(self._times[a], self._rcpts[a])] for a in sorted(self._times)},
        }

    @classmethod
    def from_dict(cls, data: Mapping | None) -> "SendCounter":
        counter = cls()
        if not data:
            return counter
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unknown mass-mail counter state version: {data.get('version')!r}")
        for account, pairs in (data.get("events") or {}).items():
            ordered = sorted(((float(t), str(r)) for t, r in pairs), key=lambda pair: pair[0])
            if ordered:
                counter._times[normalise_account(account)] = [t for t, _ in ordered]
                counter._rcpts[normalise_account(account)] = [r for _, r in ordered]
        newest = data.get("newest")
        counter._newest = float(newest) if newest is not None else None
        return counter
