"""The customer list: search, sort and pages that stay fast at 100,000 customers per reseller
(OEM spec "顧客管理"). One query for the rows (login ID and course joined in, no N+1), one count."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from tenants.models import Course, Customer, Principal, Role

SORTS = {  # key -> (columns in order); each ends with the id so pages never overlap
    "newest": (Customer.created_at.desc(), Customer.id.desc()),
    "oldest": (Customer.created_at.asc(), Customer.id.asc()),
    "name": (Customer.contractor_name.asc(), Customer.id.asc()),
    "number": (Customer.customer_number.asc(), Customer.id.asc()),
    "disk": (Customer.disk_used_bytes.desc(), Customer.id.desc()),
}
STATUSES = ("active", "suspended", "locked", "cancelled")
MAX_PAGE_SIZE = 200


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(stmt, q: str, status: str | None):
    q = (q or "").strip()
    if q:
        # Login ID and customer number by prefix (index-friendly); contractor name anywhere in it.
        prefix = q.lower().replace("%", r"\%").replace("_", r"\_") + "%"
        stmt = stmt.where(or_(Principal.login_id.like(prefix, escape="\\"),
                              Customer.customer_number.like(q.replace("%", r"\%").replace("_", r"\_") + "%",
                                                            escape="\\"),
                              Customer.contractor_name.contains(q, autoescape=True)))
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
    count_stmt = select(func.count(Customer.id)).select_from(Customer)
    if q:
        count_stmt = _joined(count_stmt)
    total = session.execute(_filtered(count_stmt, q, status)).scalar_one()
    # Page the ids on the narrow table first, then fetch the page's rows with their joins.
    ids_stmt = select(Customer.id).select_from(Customer)
    if q:
        ids_stmt = _joined(ids_stmt)
    ids_stmt = _filtered(ids_stmt, q, status).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ids = list(session.execute(ids_stmt).scalars())
    rows = []
    if ids:
        stmt = _joined(select(Customer, Principal.login_id, Course.name).select_from(Customer)
                       .join(Course, Course.id == Customer.course_id)).where(Customer.id.in_(ids)).order_by(*order)
        for customer, login_id, course_name in session.execute(stmt).all():
            rows.append(CustomerRow(customer.id, customer.contractor_name, customer.customer_number, login_id,
                                    course_name, customer.status, customer.contract_date, customer.start_date,
                                    customer.disk_used_bytes, customer.contact_email, customer.cancel_on))
    return CustomerPage(rows, total, page, per_page)
