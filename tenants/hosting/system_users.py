"""Which uid a customer's system user has on a server (issue 16 item 2): allocated by the panel
from the server's range, recorded, and never given to anyone else (no recycling: files with the
number may remain on the server after the customer is gone)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from tenants.models import SystemAccount

DEFAULT_FIRST_UID = 20000
DEFAULT_LAST_UID = 59999
DEFAULT_PREFIX = "pc"
_PREFIX = re.compile(r"^[a-z_][a-z0-9_-]{0,15}$")


class RangeExhausted(Exception):
    pass


def prefix_ok(prefix: str) -> bool:
    """A prefix that makes valid user names (Debian's adduser: lower case, starting with a letter or _)."""
    return bool(_PREFIX.match(prefix or ""))


def user_name(prefix: str, uid: int) -> str:
    """The system user's name: the server's prefix and its uid (unique on the server)."""
    if not prefix_ok(prefix):
        raise ValueError(f"{prefix!r} is not a system user name prefix (a-z, 0-9, _ -)")
    return f"{prefix}{uid}"


def uids(session, server_id: int, customer_ids, first: int = DEFAULT_FIRST_UID,
         last: int = DEFAULT_LAST_UID) -> dict[int, int]:
    """{customer id: uid} on the server, allocating the next unused numbers for customers without
    one (flushed; the caller commits before using them on the server)."""
    rows = session.execute(select(SystemAccount.customer_id, SystemAccount.uid)
                           .where(SystemAccount.server_id == server_id)).all()
    out = {cid: uid for cid, uid in rows if cid is not None}
    top = session.scalar(select(func.max(SystemAccount.uid)).where(SystemAccount.server_id == server_id))
    following = max(first, (top or 0) + 1)
    for customer_id in sorted(set(customer_ids) - set(out)):
        if following > last:
            raise RangeExhausted(f"no uid left in {first}-{last} on server {server_id}")
        session.add(SystemAccount(server_id=server_id, customer_id=customer_id, uid=following))
        out[customer_id] = following
        following += 1
    session.flush()
    return out
