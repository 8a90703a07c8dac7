"""Business panel: login, logout, own password, dashboard, audit log."""
from flask import render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants.models import Course, Customer, Role, Server
from web.audit_view import audit_page
from web.auth import role_required
from web.db import db
from web.flows import account_views

operator_only = role_required(Role.OPERATOR, "reseller.login")


ACCOUNT = account_views("reseller", Role.OPERATOR, operator_only, "reseller/layout.html", _l("Business panel"),
                        _l("Reseller operator login"))


@operator_only
def dashboard():
    s = db()
    by_status = dict(s.execute(select(Customer.status, func.count()).group_by(Customer.status)).all())
    counts = {"customers": sum(by_status.values()), "by_status": by_status,
              "courses": s.scalar(select(func.count()).select_from(Course))}
    servers = s.execute(select(Server).order_by(Server.hostname)).scalars().all()
    return render_template("reseller/dashboard.html", counts=counts, servers=servers)


@operator_only
def audit_log():
    return audit_page("reseller/audit.html")


