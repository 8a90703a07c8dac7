"""Managed-customer panel: login, logout, own password, and the contract views shared with the
business panel (panel/contract_party), scoped to the customer's own contract party."""
from flask import redirect, url_for
from flask_babel import lazy_gettext as _l

from tenants.models import Role
from web.auth import role_required
from web.flows import account_views

LAYOUT = "managed/layout.html"
customer_only = role_required(Role.MANAGED, "managed.login")
ACCOUNT = account_views("managed", Role.MANAGED, customer_only, LAYOUT, _l("Managed service"), _l("Customer login"))


@customer_only
def dashboard():
    return redirect(url_for("managed.my_contracts"))
