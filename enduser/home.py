"""End-user panel: login, logout, own password, dashboard."""
from functools import wraps

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from tenants.accounts import auth
from tenants.customers import rules as customer_rules
from tenants.hosting import wanted as hosting
from tenants.models import Course, Customer, Role, Server
from tenants.monitoring.reports import status_board
from tenants.tenancy import get_owned_or_404
from web.db import db, system_session
from web.flows import account_views, login_code_flow, login_flow, logout_flow, password_flow


def enduser_only(view):
    """Only an end user of this reseller; anyone else goes to this reseller's login page. A stopped
    (suspended or locked) customer's own changes are refused with the reason, on every screen."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or current_user.role != Role.ENDUSER.value:
            return redirect(url_for("enduser.login", next=request.full_path.rstrip("?")))
        if current_user.reseller_id != g.reseller.id:
            logout_user()
            return redirect(url_for("enduser.login"))
        frozen = customer_rules.settings_frozen(current_user.customer, g.reseller.support_email
                                                or g.reseller.brand_name)
        if frozen is not None:  # shown on every screen, which stays read-only
            g.frozen_message = frozen.render(_)
        if frozen is not None and request.method == "POST" and not g.get("support_view"):
            flash(frozen.render(_), "error")
            return redirect(url_for("enduser.dashboard")), 303
        return view(*args, **kwargs)
    return wrapped


def login():
    if request.method == "GET" and current_user.is_authenticated and \
            current_user.role == Role.ENDUSER.value and current_user.reseller_id == g.reseller.id:
        return redirect(url_for("enduser.dashboard"))
    return login_flow(Role.ENDUSER, "login.html", url_for("enduser.dashboard"), reseller=g.reseller,
                      layout="enduser/layout.html", heading=g.reseller.brand_name,
                      subheading=_("Control panel login"),
                      help_text=_("Cannot log in? Contact %(who)s.",
                                  who=g.reseller.support_email or g.reseller.brand_name))


def login_code():
    return login_code_flow(Role.ENDUSER, "login_code.html", reseller=g.reseller, layout="enduser/layout.html",
                           heading=g.reseller.brand_name)


def logout():
    return logout_flow(url_for("enduser.login"))


@enduser_only
def password():
    return password_flow("password.html", url_for("enduser.account"), layout="enduser/layout.html")


# the account pages of every panel, with this panel's own login (its brand, its reseller)
def enduser_object(view):
    """For routes naming an object by id: anyone signed in who is not an end user of this reseller
    gets 404 (as for someone else's object); the owner's check is get_owned_or_404 in the view."""
    guarded = enduser_only(view)

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and (current_user.role != Role.ENDUSER.value
                                              or current_user.reseller_id != g.reseller.id):
            abort(404)
        return guarded(*args, **kwargs)
    return wrapped


ACCOUNT = account_views("enduser", Role.ENDUSER, enduser_only, "enduser/layout.html", None, None,
                        issuer=lambda: g.reseller.brand_name, id_guard=enduser_object).replace(
    login=login, login_code=login_code, logout=logout, password=password)


@enduser_only
def dashboard():
    s = db()
    customer = get_owned_or_404(s, Customer, current_user.customer_id)
    course = s.get(Course, customer.course_id)
    server = s.get(Server, customer.server_id) if customer.server_id else None
    services = status_board(s, [server.id]) if server else []  # their own server's services only
    return render_template("enduser/dashboard.html", customer=customer, course=course, server=server,
                           usage=hosting.usage(s, customer), labels=USAGE_LABELS,
                           states=hosting.state_counts(s, customer), services=services)


USAGE_LABELS = {"domains": _l("Domains"), "mail_accounts": _l("Mail accounts"), "mailing_lists": _l("Mailing lists"),
                "mail_aliases": _l("Mail aliases"),
                "ftp_accounts": _l("FTP accounts"), "databases": _l("Databases"), "dns_records": _l("DNS records")}


def logo():
    s = system_session()
    try:
        found = auth.reseller_logo(s, g.reseller.id)
    finally:
        s.close()
    if found is None:
        abort(404)
    mime, data = found
    return Response(data, mimetype=mime, headers={"Cache-Control": "public, max-age=300",
                                                  "X-Content-Type-Options": "nosniff",
                                                  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
