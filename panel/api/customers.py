"""API: customers CRUD, suspend/resume/cancel, and the end-user credential reset."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from panel.api.common import body, integer, iso_date, query_int, session_and_actor, text_field
from panel.api.errors import ApiError
from tenants.calendar import today_jst
from tenants.customers import rules
from tenants.customers.listing import SORTS, STATUSES, list_customers
from tenants.models import Customer
from tenants.tenancy import get_owned_or_404
from web.paging import MAX_PAGE
from workers import api


def customer_json(c) -> dict:
    return {"id": c.id, "login_id": c.login_id, "contractor_name": c.contractor_name,
            "customer_number": c.customer_number, "course_id": getattr(c, "course_id", None),
            "server_id": getattr(c, "server_id", None), "contact_email": c.contact_email, "status": c.status,
            "contract_date": c.contract_date.isoformat() if c.contract_date else None,
            "start_date": c.start_date.isoformat() if c.start_date else None,
            "cancel_on": c.cancel_on.isoformat() if c.cancel_on else None, "disk_used_bytes": c.disk_used_bytes,
            **({"domains": c.domains} if hasattr(c, "domains") else {})}


def _customer_data(data: dict, current: dict) -> dict:
    out = dict(current)
    for name, size in (("contractor_name", 200), ("customer_number", 64), ("contact_email", 254)):
        if name in data:
            out[name] = text_field(data, name, size, nullable=name != "contractor_name")
    for name in ("course_id", "server_id"):
        if name in data:
            out[name] = integer(data, name, nullable=name == "server_id")
    for name in ("contract_date", "start_date"):
        if name in data:
            out[name] = iso_date(data, name)
    if "status" in data:
        out["status"] = text_field(data, "status", 16, nullable=False)
    return out


def api_customers():
    s, _actor = session_and_actor()
    sort = request.args.get("sort", "newest")
    status = request.args.get("status") or None
    if sort not in SORTS:
        raise ApiError(400, "invalid", _("Choose one of: %(v)s", v=", ".join(SORTS)), "sort")
    if status is not None and status not in STATUSES:
        raise ApiError(400, "invalid", _("Choose one of: %(v)s", v=", ".join(STATUSES)), "status")
    page = list_customers(s, q=(request.args.get("q") or "")[:100], sort=sort, status=status,
                          page=query_int("page", 1, 1, MAX_PAGE), per_page=query_int("per_page", 50, 1, 200))
    items = [{**customer_json(r), "course_name": r.course_name} for r in page.rows]
    return jsonify({"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
                    "total_is_lower_bound": page.capped, "pages": page.pages})


def api_customer_create():
    s, actor = session_and_actor()
    payload = body()
    data = _customer_data(payload, {"contractor_name": "", "course_id": None, "server_id": None, "status": "active"})
    login_id = text_field(payload, "login_id", 64, nullable=False)
    password = text_field(payload, "password", 256)
    customer, issued = rules.create_customer(s, actor, data, login_id, password or None)
    s.commit()
    out = customer_json(customer)
    if not password:
        out["password"] = issued  # generated: returned this once, never again
    return jsonify(out), 201


def api_customer(customer_id):
    s, _actor = session_and_actor()
    return jsonify(customer_json(get_owned_or_404(s, Customer, customer_id)))


def api_customer_update(customer_id):
    s, actor = session_and_actor()
    customer = get_owned_or_404(s, Customer, customer_id)
    payload = body()
    data = _customer_data(payload, {})
    works = rules.update_customer(s, actor, customer, data)
    s.commit()
    api.provision(works)
    return jsonify(customer_json(customer))


def api_customer_delete(customer_id):
    s, actor = session_and_actor()
    customer = get_owned_or_404(s, Customer, customer_id)
    rules.delete_customer(s, actor, customer, today_jst())
    s.commit()
    api.remove_customer(customer.id)
    return "", 202  # accepted: the removal job takes it off the server, then the records go


def api_customer_suspend(customer_id):
    return _act(customer_id, rules.suspend_customer)


def api_customer_resume(customer_id):
    return _act(customer_id, rules.resume_customer)


def _act(customer_id, action):
    s, actor = session_and_actor()
    customer = get_owned_or_404(s, Customer, customer_id)
    works = action(s, actor, customer)
    s.commit()
    api.provision(works)  # the suspension or resumption takes effect on the server
    return jsonify(customer_json(customer))


def api_customer_password(customer_id):
    """Reset the end user's password: typed (checked against the policy) or generated (returned once)."""
    s, actor = session_and_actor()
    customer = get_owned_or_404(s, Customer, customer_id)
    payload = request.get_json(silent=True) or {}
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_json", _("Send a JSON object with Content-Type: application/json."))
    password = text_field(payload, "password", 256)
    issued = rules.reset_password(s, actor, customer, password or None)
    s.commit()
    return jsonify({"login_id": customer.login_id, **({} if password else {"password": issued})})
