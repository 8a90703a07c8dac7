"""One bad item must not stop everyone: when a service's validator refuses the whole wanted state,
find the items it refuses, leave them out and apply the others.

Pure logic over keys (a file per virtual host or zone) and their texts. How a candidate set is
checked — staged somewhere on the server and handed to ``nginx -t`` or ``named-checkzone`` — is
the caller's ``check``, so the same logic serves any way of reaching a server.

What happens to a refused item:
- it had another version in place before (``live``): that version stays, so the site or zone goes
  on working as it did; the item is reported with ``served=True``;
- otherwise (it is new, or its version in place is refused as well, e.g. a certificate that broke
  after it was applied): it is left out, since nginx or named would refuse to start with it;
  reported with ``served=False``.
If the validator refuses the empty set, or every item on its own, the fault is not one item's:
the original error is raised and nothing changes.
"""
from __future__ import annotations

from typing import Callable, Mapping

from workers.drivers.host.spec import ApplyError, LeftOut

Check = Callable[[Mapping[str, str]], "ApplyError | None"]


def refuse_if_nothing_left(wanted, refused: Mapping[str, ApplyError]) -> None:
    """Items refused by the rules are left out, but when every item is refused there is nothing
    to apply: the refusal is the answer and nothing is written."""
    if refused and not wanted:
        raise next(iter(refused.values()))


def start(wanted: Mapping[str, str], live: Mapping[str, str],
          refused: Mapping[str, ApplyError]) -> tuple[dict[str, str], dict[str, LeftOut]]:
    """The set to try first: what is wanted, and for items the rules refused their version in place."""
    chosen, left = dict(wanted), {}
    for key, error in refused.items():
        if key in live:
            chosen[key] = live[key]
        left[key] = LeftOut(error, key in live)
    return chosen, left


def settle(chosen: Mapping[str, str], live: Mapping[str, str], check: Check, first_error: ApplyError,
           left: Mapping[str, LeftOut] | None = None,
           one_by_one: bool = False) -> tuple[dict[str, str], dict[str, LeftOut]]:
    """The largest set ``check`` accepts, and what was left out of ``chosen`` and why.

    ``one_by_one``: the validator checks each item on its own anyway (named-checkzone), so each is
    checked alone; otherwise failing groups are halved until single items remain (nginx -t reads
    the whole set at once, so a bisection needs far fewer runs).
    """
    chosen, left = dict(chosen), dict(left or {})
    error: ApplyError | None = first_error
    if check({}) is not None:
        raise first_error
    while error is not None:
        keys = sorted(chosen)
        blamed = _each(keys, chosen, check) if one_by_one else _halve(keys, chosen, check, error)
        if not blamed or len(blamed) == len(chosen):
            raise first_error
        for key, why in blamed.items():
            if key not in left and live.get(key, chosen[key]) != chosen[key]:
                chosen[key] = live[key]
                left[key] = LeftOut(why, True)
            else:
                del chosen[key]
                left[key] = LeftOut(left[key].error if key in left else why, False)
        error = check(chosen)
    return chosen, left


def _subset(keys, chosen):
    return {key: chosen[key] for key in keys}


def _each(keys, chosen, check) -> dict[str, ApplyError]:
    return {key: error for key in keys if (error := check(_subset([key], chosen))) is not None}


def _halve(keys, chosen, check, error) -> dict[str, ApplyError]:
    """Items refused on their own within ``keys``, known to fail together with ``error``. Empty
    when only a combination fails (no single item to blame)."""
    if len(keys) == 1:
        return {keys[0]: error}
    blamed: dict[str, ApplyError] = {}
    for half in (keys[:len(keys) // 2], keys[len(keys) // 2:]):
        if (half_error := check(_subset(half, chosen))) is not None:
            blamed |= _halve(half, chosen, check, half_error)
    return blamed
