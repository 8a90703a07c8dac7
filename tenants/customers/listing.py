"""The customer list: search, sort and pages that stay fast at 100,000 customers per reseller
(OEM spec "顧客管理"). One query for the rows (login ID and course joined in, no N+1), one count.
Search matches the start of the login ID, the customer number, the contractor name (family name
first, as Japanese names are written) or a domain name, so that every search is an index range."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, union

from tenants.accounts.models import realm_for
from tenants.customers.models import CustomerStatus
from tenants.models import Course, Customer, Domain, Principal, Role

SORTS = {  # key -> (column, descending); the id follows in the same direction so pages never overlap
    "newest": ("created_at", True),
    "oldest": ("created_at", False),
    "name": ("contractor_name", False),
    "number": ("customer_number", False),
    "disk": ("disk_used_bytes", True),
}
STATUSES = tuple(CustomerStatus)
MAX_PAGE_SIZE = 200
COUNT_CAP = 10_000  # the list counts up to here, then says "10000+" (an exact count of 100k rows costs)


@dataclass
class CustomerRow:
    id: int
    contractor_name: str
    customer_number: str | None
    login_id: str | None
    course_name: str
    status: str
    contract_date: object
    start_date: object
    disk_used_bytes: int
    contact_email: str | None
    cancel_on: object
    course_id: int | None = None
    server_id: int | None = None
    domains: int = 0


@dataclass
class CustomerPage:
    rows: list[CustomerRow]
    total: int
    page: int
    per_page: int
    capped: bool = False  # total is a lower bound (a broad search)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and len(self.rows) == self.per_page)


MAX_CHAR = "\U0010ffff"  # sorts after every character


def _prefix(column, text: str):
    """`column` starts with `text`, as an index range (SQLite's LIKE cannot use an index). Exact
    under binary ordering (SQLite's default, PostgreSQL's C / C.UTF-8 collations)."""
    return (column >= text) & (column < text + MAX_CHAR)


def _order(columns, sort: str) -> list:
    name, descending = SORTS.get(sort, SORTS["newest"])
    keys = [getattr(columns, name), columns.id]
    return [k.desc() if descending else k.asc() for k in keys]


def _matches(session, q: str, sort: str | None, status: str | None):
    """Customers whose login ID, customer number, contractor name or a domain starts with q, with
    their sort key: four index range reads, united (an OR across joins would scan every customer)."""
    realm = realm_for(Role.ENDUSER, session.scope.reseller_id if session.scope else None)
    if sort is None and status not in STATUSES:  # ids only (the count): no join back to customers
        branches = [
            select(Principal.customer_id.label("id")).where(Principal.realm == realm, Principal.customer_id.is_not(None),
                                                           _prefix(Principal.login_id, q.lower())),
            select(Customer.id).where(_prefix(Customer.customer_number, q)),
            select(Customer.id).where(_prefix(Customer.contractor_name, q)),
            select(Domain.customer_id.label("id")).where(_prefix(Domain.name, q.lower())),
        ]
        return union(*branches).subquery()
    columns = (Customer.id,) + ((getattr(Customer, SORTS.get(sort, SORTS["newest"])[0]),) if sort else ())
    branches = [
        select(*columns).select_from(Principal).join(Customer, Customer.id == Principal.customer_id)
        .where(Principal.realm == realm, _prefix(Principal.login_id, q.lower())),
        select(*columns).where(_prefix(Customer.customer_number, q)),
        select(*columns).where(_prefix(Customer.contractor_name, q)),
        select(*columns).select_from(Domain).join(Customer, Customer.id == Domain.customer_id)
        .where(_prefix(Domain.name, q.lower())),
    ]
    if status in STATUSES:
        branches = [b.where(Customer.status == status) for b in branches]
    return union(*branches).subquery()


def _page_ids(session, q: str, sort: str, status: str | None, per_page: int, offset: int):
    """(ids of the page, how many match: all of them for a search, else up to COUNT_CAP + 1)."""
    if q:
        # The page and the number of matches in one pass: the sort reads every match anyway.
        found = _matches(session, q, sort, status)
        page = session.execute(select(found.c.id, func.count().over()).order_by(*_order(found.c, sort))
                               .limit(per_page).offset(offset)).all()
        if page or offset == 0:
            return [row[0] for row in page], (page[0][1] if page else 0)
        # past the last page: no row carries the count, so count alone
        counted = select(_matches(session, q, None, status).c.id).limit(COUNT_CAP + 1).subquery()
        return [], session.execute(select(func.count()).select_from(counted)).scalar_one()
    narrow = select(Customer.id)
    if status in STATUSES:
        narrow = narrow.where(Customer.status == status)
    counted = narrow.limit(COUNT_CAP + 1).subquery()
    ids_stmt = narrow.order_by(*_order(Customer, sort))
    total = session.execute(select(func.count()).select_from(counted)).scalar_one()
    return list(session.execute(ids_stmt.limit(per_page).offset(offset)).scalars()), total


def _joined(stmt):
    return stmt.outerjoin(Principal, (Principal.customer_id == Customer.id) & (Principal.role == Role.ENDUSER.value))


def list_customers(session, q: str = "", sort: str = "newest", page: int = 1, per_page: int = 50,
                   status: str | None = None) -> CustomerPage:
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    page = max(1, page)
    q = (q or "").strip()
    # Page the ids on narrow index reads first, then fetch the page's rows with their joins.
    ids, total = _page_ids(session, q, sort, status, per_page, (page - 1) * per_page)
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    rows = []
    if ids:
        stmt = _joined(select(Customer, Principal.login_id, Course.name).select_from(Customer)
                       .join(Course, Course.id == Customer.course_id)).where(Customer.id.in_(ids))
        stmt = stmt.order_by(*_order(Customer, sort))
        for customer, login_id, course_name in session.execute(stmt).all():
            rows.append(CustomerRow(customer.id, customer.contractor_name, customer.customer_number, login_id,
                                    course_name, customer.status, customer.contract_date, customer.start_date,
                                    customer.disk_used_bytes, customer.contact_email, customer.cancel_on,
                                    customer.course_id, customer.server_id))
    if rows:  # domain counts of the page, in one grouped query
        counts = dict(session.execute(select(Domain.customer_id, func.count(Domain.id))
                                      .where(Domain.customer_id.in_(ids), Domain.deleting.is_(False))
                                      .group_by(Domain.customer_id)).all())
        for row in rows:
            row.domains = counts.get(row.id, 0)
    return CustomerPage(rows, total, page, per_page, capped)
