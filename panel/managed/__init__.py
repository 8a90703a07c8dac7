"""The managed-customer panel (/managed): a direct managed-service customer (a contract party that
is not one of our resellers) sees its own contracts, options, invoices and payments, work requests
and annual reports, and files work requests and complaints. Its pages: panel/managed/urls.py."""
from flask import Blueprint

from panel.managed.urls import RULES
from web.flows import register

bp = Blueprint("managed", __name__, url_prefix="/managed", template_folder="../templates")
register(bp, RULES)
