"""Provider admin: login, logout, own password, dashboard."""
from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from panel.provider import bp
from tenants.models import AuditLog, Customer, Reseller, Role, Server
from web.auth import role_required
from web.db import db
from web.flows import login_flow, logout_flow, password_flow

staff_only = role_required(Role.PROVIDER, "provider.login")


@bp.route("/login", methods=["GET", "POST"])
def login():
    return login_flow(Role.PROVIDER, "login.html", url_for("provider.dashboard"),
                      layout="provider/layout.html", heading=_("Provider admin"),
                      subheading=_("Staff login"))


@bp.post("/logout")
@login_required
def logout():
    return logout_flow(url_for("provider.login"))


@bp.route("/password", methods=["GET", "POST"])
@staff_only
def password():
    return password_flow("password.html", url_for("provider.dashboard"), layout="provider/layout.html")


@bp.get("/")
@staff_only
def dashboard():
    s = db()
    counts = {
        "resellers": s.scalar(select(func.count()).select_from(Reseller)),
        "suspended": s.scalar(select(func.count()).select_from(Reseller).where(Reseller.status == "suspended")),
        "servers": s.scalar(select(func.count()).select_from(Server)),
        "customers": s.scalar(select(func.count()).select_from(Customer)),
    }
    recent = s.execute(select(AuditLog).order_by(AuditLog.at.desc()).limit(10)).scalars().all()
    return render_template("provider/dashboard.html", counts=counts, recent=recent)
