"""Managed-customer panel: login, logout, own password, and the contract views shared with the
business panel (panel/customer_contracts.py), scoped to the customer's own contract party."""
from flask import redirect, url_for
from flask_babel import lazy_gettext as _l

from panel.customer_contracts import add_contract_views
from panel.managed import bp
from tenants.models import Role
from web.auth import role_required
from web.flows import add_account_views

LAYOUT = "managed/layout.html"
customer_only = role_required(Role.MANAGED, "managed.login")


add_account_views(bp, Role.MANAGED, customer_only, LAYOUT, _l("Managed service"), _l("Customer login"))


@bp.get("/")
@customer_only
def dashboard():
    return redirect(url_for("managed.my_contracts"))


add_contract_views(bp, customer_only, LAYOUT)
