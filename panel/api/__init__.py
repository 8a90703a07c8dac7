"""The reseller API (/api): JSON over HTTPS with bearer tokens, scoped to the token's reseller.

Only bearer-token requests get in (cookies are never looked at), which is why the blueprint is
exempt from CSRF. Every error is {"error": {"code", "message", "field"}}. The same tenants/ rules
serve the screens and this API."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from panel.api.errors import ApiError
from panel.api.urls import RULES
from tenants.errors import NotFound, RuleViolation
from tenants.resellers.api_tokens import ApiActor, authenticate
from tenants.tenancy import Scope
from web.auth import client_address
from web.db import system_session
from web.flows import register
from web.request_guard import UnacceptableCharacter

bp = Blueprint("api", __name__, url_prefix="/api")
OPEN_ENDPOINTS = {"api.openapi"}


def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    body = {"error": {"code": code, "message": message, "field": field, **extra}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.before_request
def _bearer_only():
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "unauthorized", _("A bearer token is required."))
    from tenants.calendar import today_jst

    s = system_session()
    try:
        row = authenticate(s, token.strip(), client_address(), today_jst())
        if row is None:
            s.rollback()
            return error_response(401, "unauthorized", _("The token is not valid, has expired, or is not "
                                                         "allowed from this address."))
        s.commit()
        s.expunge(row)
    finally:
        s.close()
    g.api_token = row
    g.api_actor = ApiActor(row)
    # The request's session, bound to the token's reseller: web.db.db() returns it.
    g.db = current_app.extensions["panel.sessions"]().bind_scope(
        Scope("reseller", reseller_id=row.reseller_id, principal_id=None))
    return None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.field, **exc.extra)


@bp.errorhandler(RuleViolation)
def _rule_violation(exc: RuleViolation):
    first = exc.problems[0]
    details = [{"field": p.field, "message": p.render(_)} for p in exc.problems]
    return error_response(422, "invalid", first.render(_), first.field, problems=details)


@bp.errorhandler(NotFound)
def _not_found(_exc):
    return error_response(404, "not_found", _("There is nothing here, or it is not yours to see."))


@bp.errorhandler(UnacceptableCharacter)
def _unacceptable_character(exc: UnacceptableCharacter):
    return error_response(400, "invalid_character", str(exc.description), exc.field)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")


register(bp, RULES)
