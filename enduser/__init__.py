"""The end-user panel (/u/<reseller code>/), always under the reseller's brand, never the provider's."""
from flask import Blueprint, abort, g

from enduser.urls import BEFORE, CONTEXT, FILTERS, NAV, RULES
from tenants.accounts import auth
from web.db import system_session
from web.flows import register

bp = Blueprint("enduser", __name__, url_prefix="/u/<code>", template_folder="templates")


@bp.url_value_preprocessor
def _load_reseller(endpoint, values):
    code = (values or {}).pop("code", None)
    s = system_session()
    try:
        reseller = auth.reseller_for_code(s, code or "")
        if reseller is not None:
            s.expunge(reseller)
    finally:
        s.close()
    if reseller is None:
        abort(404)
    g.reseller = reseller


@bp.url_defaults
def _add_code(endpoint, values):
    if "code" not in values and "reseller" in g:
        values["code"] = g.reseller.code


register(bp, RULES, context=CONTEXT, before=BEFORE, filters=FILTERS)


@bp.app_context_processor
def _brand():
    return {"brand": g.get("reseller"), "enduser_nav": NAV}
