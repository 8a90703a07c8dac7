"""Page-at-a-time listing for every list screen."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from sqlalchemy import func, select

PER_PAGE = 50
MAX_PAGE = 1_000_000  # the API's limit too; beyond it an offset would overflow the database's integers


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int
    extra_args: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def args(self, number: int) -> dict:
        return {**self.extra_args, "page": number}


def page_number() -> int:
    """The ?page= asked for, from 1 to MAX_PAGE (past the last page the list is simply empty)."""
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", 1))))
    except ValueError:
        return 1


def paginate(session, stmt, per_page: int = PER_PAGE, rows: bool = False, **extra_args) -> Page:
    """One page of `stmt`: its first entity per item, or whole rows (tuples) when `rows`."""
    number = page_number()
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    found = session.execute(stmt.limit(per_page).offset((number - 1) * per_page))
    items = found.all() if rows else found.scalars().all()
    return Page(items, number, per_page, total, {k: v for k, v in extra_args.items() if v})
