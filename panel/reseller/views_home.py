"""Business panel: login, logout, own password, dashboard, audit log."""
from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from panel.reseller import bp
from tenants.models import Course, Customer, Role, Server
from web.auth import role_required
from web.db import db
from web.flows import login_flow, logout_flow, password_flow
from web.audit_view import audit_page

operator_only = role_required(Role.OPERATOR, "reseller.login")


@bp.route("/login", methods=["GET", "POST"])
def login():
    return login_flow(Role.OPERATOR, "login.html", url_for("reseller.dashboard"),
                      layout="reseller/layout.html", heading=_("Business panel"),
                      subheading=_("Reseller operator login"))


@bp.post("/logout")
@login_required
def logout():
    return logout_flow(url_for("reseller.login"))


@bp.route("/password", methods=["GET", "POST"])
@operator_only
def password():
    return password_flow("password.html", url_for("reseller.dashboard"), layout="reseller/layout.html")


@bp.get("/")
@operator_only
def dashboard():
    s = db()
    by_status = dict(s.execute(select(Customer.status, func.count()).group_by(Customer.status)).all())
    counts = {"customers": sum(by_status.values()), "by_status": by_status,
              "courses": s.scalar(select(func.count()).select_from(Course))}
    servers = s.execute(select(Server).order_by(Server.hostname)).scalars().all()
    return render_template("reseller/dashboard.html", counts=counts, servers=servers)


@bp.get("/audit")
@operator_only
def audit_log():
    return audit_page("reseller/audit.html")


