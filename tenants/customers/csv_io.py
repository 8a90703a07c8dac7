"""Customers as CSV (OEM spec "顧客管理", bulk): export, and an all-or-nothing import whose dry run
reports every bad row by line, field and reason."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from tenants.accounts.password_policy import password_problems
from tenants.accounts.principals import login_id_problems
from tenants.csv_cells import SafeWriter, import_cell
from tenants.customers import rules
from tenants.errors import N_, Problem
from tenants.models import Course, Customer, Principal, Role, Server

COLUMNS = ("login_id", "contractor_name", "customer_number", "course", "server", "contract_date", "start_date",
           "contact_email", "status")
EXPORT_COLUMNS = COLUMNS + ("disk_used_mb", "cancel_on")
OPTIONAL = ("customer_number", "server", "contract_date", "start_date", "contact_email", "status")
MAX_ROWS = 20_000
COLUMN_OF_FIELD: dict[str | None, str | None] = {"course_id": "course", "server_id": "server"}  # where a problem is shown


@dataclass
class RowProblem:
    line: int
    field: str | None
    problem: Problem


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    issued: list[tuple[str, str]] = field(default_factory=list)  # (login ID, generated password), shown once
    works: list = field(default_factory=list)  # provisioning of status changes, to enqueue after the commit

    @property
    def ok(self) -> bool:
        return not self.problems


def export_customers(session) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    stmt = (select(Customer, Principal.login_id, Course.name, Server.hostname).select_from(Customer)
            .join(Course, Course.id == Customer.course_id)
            .outerjoin(Principal, (Principal.customer_id == Customer.id) & (Principal.role == Role.ENDUSER.value))
            .outerjoin(Server, Server.id == Customer.server_id).order_by(Customer.id))
    for c, login_id, course, server in session.execute(stmt).yield_per(1000):
        writer.writerow([login_id or "", c.contractor_name, c.customer_number or "", course, server or "",
                         c.contract_date or "", c.start_date or "", c.contact_email or "", c.status,
                         round(c.disk_used_bytes / 1048576, 1), c.cancel_on or ""])
    return out.getvalue()


def _date(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value  # the rule reports it as not a date


def _rows(text: str, report: ImportReport):
    """(line, row) of each readable row, every value stripped and without the apostrophe our export
    puts before formula-like text; a row with a NUL character or an unreadable line is a problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        report.problems.append(RowProblem(1, None, _unreadable(exc)))
        return
    missing = [c for c in ("login_id", "contractor_name", "course") if c not in fieldnames]
    if missing:
        report.problems.append(RowProblem(1, None, Problem(N_("The header lacks the columns: %(cols)s"), None,
                                                           {"cols": ", ".join(missing)})))
        return
    number = 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:  # the rest of the file cannot be read reliably after this
            report.problems.append(RowProblem(number + 1, None, _unreadable(exc)))
            return
        if row is None:
            return
        number += 1
        if number - 1 > MAX_ROWS:
            report.problems.append(RowProblem(number, None, Problem(N_("At most %(n)s rows per import."), None,
                                                                    {"n": MAX_ROWS})))
            return
        values = {k: import_cell((v or "").strip()) for k, v in row.items() if k}
        with_nul = [k for k, v in values.items() if "\x00" in v]
        for name in with_nul:  # PostgreSQL cannot store it, and no field has a use for it
            report.problems.append(RowProblem(number, name, Problem(
                N_("This field contains a NUL character (a zero byte). Remove it."), name)))
        if not with_nul:
            yield number, values


def _unreadable(exc: csv.Error) -> Problem:
    if "field limit" in str(exc):
        return Problem(N_("A field on this line is longer than %(kb)s KB. Nothing after it was read."), None,
                       {"kb": csv.field_size_limit() // 1024})
    return Problem(N_("This line is not valid CSV. Nothing after it was read."), None)


def _row_data(row: dict, courses: dict, servers: dict, *, new: bool) -> dict:
    """A row as customer data. Blank optional cells (or missing columns) mean none / the default
    for a new customer, and "leave as it is" for an existing one: a partial sheet never wipes
    what the panel holds."""
    data = {"contractor_name": row.get("contractor_name", ""), "course_id": courses.get(row.get("course", ""))}
    given = {name: row.get(name, "") for name in OPTIONAL if row.get(name, "")}
    if new:
        data |= {"customer_number": "", "server_id": None, "contract_date": None, "start_date": None,
                 "contact_email": None, "status": "active"}
    for name, value in given.items():
        if name == "server":
            data["server_id"] = servers.get(value, -1)
        elif name in ("contract_date", "start_date"):
            data[name] = _date(value)
        else:
            data[name] = value
    return data


def import_customers(session, actor, text: str, *, dry_run: bool) -> ImportReport:
    """Check every row; when all are good and this is no dry run, create new customers (by login ID)
    and update existing ones. Any bad row: nothing changes (the caller rolls back)."""
    report = ImportReport()
    courses = {name: cid for cid, name in session.execute(select(Course.id, Course.name))}
    servers = {host: sid for sid, host in session.execute(select(Server.id, Server.hostname))}
    existing = {p.login_id: p.customer_id for p in session.execute(
        select(Principal).where(Principal.role == Role.ENDUSER.value)).scalars()}
    seen_logins: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    planned = []
    for line, row in _rows(text, report):
        login_id = row.get("login_id", "").lower()
        target = session.get(Customer, existing[login_id]) if login_id in existing else None
        data = _row_data(row, courses, servers, new=target is None)
        problems = rules.change_problems(session, target, data) if target is not None else \
            rules.customer_problems(session, data, None)
        problems += login_id_problems(login_id)
        password = row.get("password", "")
        if target is None and password:
            problems += password_problems(password, login_id)
        if login_id in seen_logins:
            problems.append(Problem(N_("This login ID is also on line %(line)s."), "login_id",
                                    {"line": seen_logins[login_id]}))
        number = data.get("customer_number")
        if number and number in seen_numbers:
            problems.append(Problem(N_("This customer number is also on line %(line)s."), "customer_number",
                                    {"line": seen_numbers[number]}))
        seen_logins.setdefault(login_id, line)
        if number:
            seen_numbers.setdefault(number, line)
        for p in problems:
            field_name = COLUMN_OF_FIELD.get(p.field, p.field)
            report.problems.append(RowProblem(line, field_name, p))
        planned.append((login_id, data, target, password))
    if report.problems or dry_run:
        report.created = sum(1 for p in planned if p[2] is None)
        report.updated = len(planned) - report.created
        return report
    for login_id, data, target, password in planned:
        if target is None:
            _customer, issued = rules.create_customer(session, actor, data, login_id, password or None)
            if not password:
                report.issued.append((login_id, issued))
            report.created += 1
        else:
            report.works += rules.update_customer(session, actor, target, data)
            report.updated += 1
    return report
