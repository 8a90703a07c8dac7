"""Managed-customer panel: login, logout, own password, and the contract views shared with the
business panel (panel/customer_contracts.py), scoped to the customer's own contract party."""
from flask import redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from panel.customer_contracts import add_contract_views
from panel.managed import bp
from tenants.models import Role
from web.auth import role_required
from web.flows import login_flow, logout_flow, password_flow

LAYOUT = "managed/layout.html"
customer_only = role_required(Role.MANAGED, "managed.login")


@bp.route("/login", methods=["GET", "POST"])
def login():
    return login_flow(Role.MANAGED, "login.html", url_for("managed.dashboard"), layout=LAYOUT,
                      heading=_("Managed service"), subheading=_("Customer login"))


@bp.post("/logout")
@login_required
def logout():
    return logout_flow(url_for("managed.login"))


@bp.route("/password", methods=["GET", "POST"])
@customer_only
def password():
    return password_flow("password.html", url_for("managed.dashboard"), layout=LAYOUT)


@bp.get("/")
@customer_only
def dashboard():
    return redirect(url_for("managed.my_contracts"))


add_contract_views(bp, customer_only, LAYOUT)
