"""The end-user panel (/u/<reseller code>/), always under the reseller's brand, never the provider's."""
from flask import Blueprint, abort, g

from tenants.accounts import auth
from web.db import system_session

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


# Feature screens add (endpoint, label) pairs here to appear in the end user's navigation.
NAV: list[tuple[str, object]] = []


@bp.app_context_processor
def _brand():
    return {"brand": g.get("reseller"), "enduser_nav": NAV}


from flask_babel import lazy_gettext as _l  # noqa: E402

NAV.extend([("enduser.domains", _l("Domains")), ("enduser.mail", _l("Mail")), ("enduser.lists", _l("Mailing lists")),
            ("enduser.ftp", _l("FTP")), ("enduser.databases", _l("Databases")),
            ("enduser.protected", _l("Protected folders"))])

from enduser import support, views, views_accounts, views_incidents, views_mail, views_sites  # noqa: E402,F401
