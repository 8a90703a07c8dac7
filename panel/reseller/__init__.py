"""The reseller's business panel (/panel, 事業者用管理画面)."""
from flask import Blueprint

bp = Blueprint("reseller", __name__, url_prefix="/panel", template_folder="../templates")

# Feature screens add (endpoint, label) pairs here to appear in the panel's navigation.
NAV: list[tuple[str, object]] = []


@bp.app_context_processor
def _reseller_context():
    from flask_login import current_user

    reseller = None
    if current_user.is_authenticated and current_user.role == "operator":
        reseller = current_user.reseller
    return {"current_reseller": reseller, "reseller_nav": NAV}


from panel.reseller import views_home, views_monitoring  # noqa: E402,F401
from panel.reseller import views_incidents  # noqa: E402,F401
from panel.reseller import views_contracts  # noqa: E402,F401
from panel.reseller import views_courses, views_customers, views_csv, views_branding  # noqa: E402,F401
from panel.reseller import views_usage, views_tokens  # noqa: E402,F401
