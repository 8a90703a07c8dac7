"""API: courses CRUD (the same rules as the screens)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from panel.api.common import body, boolean, integer, session_and_actor, text_field
from panel.api.errors import ApiError
from tenants.customers import courses as rules
from tenants.errors import RuleViolation
from tenants.models import Course
from tenants.tenancy import get_owned_or_404


def course_json(c: Course, customers: int | None = None) -> dict:
    out = {"id": c.id, "name": c.name, "description": c.description}
    out.update({f: getattr(c, f) for f in rules.LIMIT_FIELDS + rules.FLAG_FIELDS})
    if customers is not None:
        out["customers"] = customers
    return out


def _course_data(data: dict, current: dict) -> dict:
    out = dict(current)
    if "name" in data:
        out["name"] = text_field(data, "name", 100, nullable=False)
    if "description" in data:
        out["description"] = text_field(data, "description", 2000)
    for f in rules.LIMIT_FIELDS:
        if f in data:
            out[f] = integer(data, f)
    for f in rules.FLAG_FIELDS:
        if f in data:
            out[f] = bool(boolean(data, f))
    return out


def api_courses():
    s, _actor = session_and_actor()
    counts = rules.course_counts(s)
    items = s.execute(select(Course).order_by(Course.name)).scalars().all()
    return jsonify({"items": [course_json(c, counts.get(c.id, 0)) for c in items], "total": len(items)})


def api_course_create():
    s, actor = session_and_actor()
    data = _course_data(body(), {"name": "", **rules.course_defaults()})
    course = rules.create_course(s, actor, data)
    s.commit()
    return jsonify(course_json(course, 0)), 201


def api_course(course_id):
    s, _actor = session_and_actor()
    course = get_owned_or_404(s, Course, course_id)
    return jsonify(course_json(course, rules.course_counts(s).get(course.id, 0)))


def api_course_update(course_id):
    s, actor = session_and_actor()
    course = get_owned_or_404(s, Course, course_id)
    payload = body()
    data = _course_data(payload, {f: getattr(course, f) for f in rules.COURSE_FIELDS})
    over = rules.update_course(s, actor, course, data, confirmed=payload.get("confirm") is True)
    if over:
        s.rollback()
        raise ApiError(409, "over_limit", _("Customers already use more than the new limit. "
                                            "Send \"confirm\": true to lower it anyway."), over[0].field,
                       {"customers": [{"id": o.customer_id, "field": o.field, "used": o.used, "limit": o.limit}
                                      for o in over]})
    s.commit()
    return jsonify(course_json(course))


def api_course_delete(course_id):
    s, actor = session_and_actor()
    course = get_owned_or_404(s, Course, course_id)
    try:
        rules.delete_course(s, actor, course)
    except RuleViolation as exc:
        s.rollback()
        raise ApiError(409, "in_use", exc.problems[0].render(_)) from None
    s.commit()
    return "", 204
