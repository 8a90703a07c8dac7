"""The customer list: search, sort and pages that stay fast at 100,000 customers per reseller
(OEM spec "顧客管理"). One query for the rows (login ID and course joined in, no N+1), one count.
Search matches the start of the login ID, the customer number or the contractor name (family name
first, as Japanese names are written), so that every search is an index range."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, union

from tenants.models import Course, Customer, Principal, Role
from tenants.models.principal import realm_for

SORTS = {  # key -> (columns in order); each ends with the id so pages never overlap
    "newest": (Customer.created_at.desc(), Customer.id.desc()),
    "oldest": (Customer.created_at.asc(), Customer.id.asc()),
    "name": (Customer.contractor_name.asc(), Customer.id.asc()),
    "number": (Customer.customer_number.asc(), Customer.id.asc()),
    "disk": (Customer.disk_used_bytes.desc(), Customer.id.desc()),
}
STATUSES = ("active", "suspended", "locked", "cancelled")
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


MAX_CHAR = "\U0010ffff"  # sorts after every character (binary / C collation order)


def _prefix(column, text: str):
    """`column` starts with `text`, as an index range (SQLite's LIKE cannot use an index) with LIKE
    kept as the exact test."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (column >= text) & (column < text + MAX_CHAR) & column.like(escaped + "%", escape="\\")


def _matching_ids(session, q: str):
    """Customers whose login ID, customer number or contractor name starts with q: three index
    range reads, united (an OR across a join would scan every customer)."""
    realm = realm_for(Role.ENDUSER, session.scope.reseller_id if session.scope else None)
    return union(
        select(Principal.customer_id).where(Principal.realm == realm, Principal.customer_id.is_not(None),
                                            _prefix(Principal.login_id, q.lower())),
        select(Customer.id).where(_prefix(Customer.customer_number, q)),
        select(Customer.id).where(_prefix(Customer.contractor_name, q)),
    ).subquery()


def _filtered(session, stmt, q: str, status: str | None):
    if q:
        stmt = stmt.where(Customer.id.in_(select(_matching_ids(session, q).c[0])))
    if status in STATUSES:
        stmt = stmt.where(Customer.status == status)
    return stmt


def _joined(stmt):
    return stmt.outerjoin(Principal, (Principal.customer_id == Customer.id) & (Principal.role == Role.ENDUSER.value))


def list_customers(session, q: str = "", sort: str = "newest", page: int = 1, per_page: int = 50,
                   status: str | None = None) -> CustomerPage:
    per_page = max(1, min(per_page, MAX_PAGE_SIZE))
    page = max(1, page)
    order = SORTS.get(sort, SORTS["newest"])
    q = (q or "").strip()
    matches = _filtered(session, select(Customer.id), q, status).limit(COUNT_CAP + 1).subquery()
    total = session.execute(select(func.count()).select_from(matches)).scalar_one()
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    # Page the ids on the narrow table first (an index walk), then fetch the page's rows with joins.
    ids_stmt = _filtered(session, select(Customer.id), q, status).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ids = list(session.execute(ids_stmt).scalars())
    rows = []
    if ids:
        stmt = _joined(select(Customer, Principal.login_id, Course.name).select_from(Customer)
                       .join(Course, Course.id == Customer.course_id)).where(Customer.id.in_(ids)).order_by(*order)
        for customer, login_id, course_name in session.execute(stmt).all():
            rows.append(CustomerRow(customer.id, customer.contractor_name, customer.customer_number, login_id,
                                    course_name, customer.status, customer.contract_date, customer.start_date,
                                    customer.disk_used_bytes, customer.contact_email, customer.cancel_on))
    return CustomerPage(rows, total, page, per_page, capped)
