"""The provider's internal admin (/admin): resellers, servers, reserved names, monitoring,
incidents, managed-service contracts, audit log. Its pages are listed in panel/provider/urls.py."""
from flask import Blueprint

from web.flows import register

bp = Blueprint("provider", __name__, url_prefix="/admin", template_folder="../templates")

from panel.provider.urls import RULES  # noqa: E402  (the views import bp for their context processors)

register(bp, RULES)
