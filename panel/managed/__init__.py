"""The managed-customer panel (/managed): a direct managed-service customer (a contract party that
is not one of our resellers) sees its own contracts, options, invoices and payments, work requests
and annual reports, and files work requests and complaints."""
from flask import Blueprint

bp = Blueprint("managed", __name__, url_prefix="/managed", template_folder="../templates")

from panel.managed import views  # noqa: E402,F401
