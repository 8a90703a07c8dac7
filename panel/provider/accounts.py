"""Provider admin: login, logout, own password, dashboard."""
from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants.models import AuditLog, Customer, Reseller, Role, Server
from tenants.resellers.models import ResellerStatus
from web.auth import role_required
from web.db import db
from web.flows import account_views

staff_only = role_required(Role.PROVIDER, "provider.login")


ACCOUNT = account_views("provider", Role.PROVIDER, staff_only, "provider/layout.html", _l("Provider admin"),
                        _l("Staff login"))


@staff_only
def dashboard():
    s = db()
    counts = {
        "resellers": s.scalar(select(func.count()).select_from(Reseller)),
        "suspended": s.scalar(select(func.count()).select_from(Reseller).where(Reseller.status == ResellerStatus.SUSPENDED)),
        "servers": s.scalar(select(func.count()).select_from(Server)),
        "customers": s.scalar(select(func.count()).select_from(Customer)),
    }
    recent = s.execute(select(AuditLog).order_by(AuditLog.at.desc()).limit(10)).scalars().all()
    return render_template("provider/dashboard.html", counts=counts, recent=recent)
