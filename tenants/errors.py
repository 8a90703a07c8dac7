"""How a business rule says no: a list of problems, each tied to a field, in words a user can read.

Rules never speak a language themselves: each message is an English msgid (marked with ``N_`` so
Babel extracts it) with named parameters; the panel translates it when it renders it.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field


def N_(msgid: str) -> str:
    """Mark a msgid for extraction without translating it here."""
    return msgid


@dataclass(frozen=True)
class Problem:
    msgid: str
    field: str | None = None
    params: dict = dc_field(default_factory=dict)

    def render(self, translate=None) -> str:
        text = translate(self.msgid) if translate else self.msgid
        return text % self.params if self.params else text


class RuleViolation(Exception):
    """One or more problems; nothing was changed."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("; ".join(p.render() for p in self.problems))

    @classmethod
    def one(cls, msgid: str, field: str | None = None, **params) -> "RuleViolation":
        return cls(Problem(msgid, field, params))


class NotFound(Exception):
    """The object does not exist in the caller's scope (answered as 404, never 403)."""
