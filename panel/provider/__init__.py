"""The provider's internal admin (/admin): resellers, servers, reserved names, monitoring,
incidents, managed-service contracts, audit log. Its pages are listed in panel/provider/urls.py."""
from flask import Blueprint

from panel.provider.urls import CONTEXT, RULES
from web.flows import register

bp = Blueprint("provider", __name__, url_prefix="/admin", template_folder="../templates")
register(bp, RULES, context=CONTEXT)
