"""The reseller's business panel (/panel, 事業者用管理画面). Its pages and navigation are listed in
panel/reseller/urls.py."""
from flask import Blueprint

from panel.reseller.urls import CONTEXT, NAV, RULES
from web.flows import register

bp = Blueprint("reseller", __name__, url_prefix="/panel", template_folder="../templates")
register(bp, RULES, context=CONTEXT)


@bp.app_context_processor
def _reseller_context():
    from flask_login import current_user

    from web.rights import may

    reseller, nav = None, []
    if current_user.is_authenticated and current_user.role == "operator":
        reseller = current_user.reseller
        nav = [(endpoint, label) for endpoint, label, area in NAV if may(area)]
    return {"current_reseller": reseller, "reseller_nav": nav}
