"""The provider's internal admin (/admin): resellers, servers, reserved names, audit log."""
from flask import Blueprint

bp = Blueprint("provider", __name__, url_prefix="/admin", template_folder="../templates")

from panel.provider import views_auth, views_monitoring, views_resellers, views_servers  # noqa: E402,F401
from panel.provider import views_contract_login, views_incidents  # noqa: E402,F401
from panel.provider import views_reserved_names  # noqa: E402,F401
from panel.provider import (views_contract_billing, views_contract_work,  # noqa: E402,F401
                            views_contracts)
