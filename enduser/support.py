"""Support view in the end-user panel: an operator of this reseller acts as one of its customers.

The operator's own login stays in the cookie; on each request here the customer's end-user login
stands in for it, marked with ``support_operator`` so that the audit log names the operator."""
from flask import abort, g, redirect, request, session, url_for
from flask_login import current_user

from tenants import audit
from tenants.customers.support_view import end_user_for
from web.auth import client_address
from web.db import db, system_session

SESSION_KEY = "support_customer_id"
OWN_ACCOUNT = {"enduser.password", "enduser.account", "enduser.session_end", "enduser.sessions_end_all",
               "enduser.two_factor", "enduser.two_factor_off", "enduser.recovery_codes"}


def support_view():
    customer_id = session.get(SESSION_KEY)
    if customer_id is None:
        return None
    operator = current_user._get_current_object()
    if not operator.is_authenticated or operator.role != "operator" or operator.reseller_id != g.reseller.id:
        return None
    s = system_session()
    try:
        principal = end_user_for(s, operator, customer_id)
        if principal is not None:
            s.expunge_all()
    finally:
        s.close()
    if principal is None:
        session.pop(SESSION_KEY, None)
        return None
    principal.support_operator = operator
    g._login_user = principal
    g.support_view = True
    if request.endpoint == "enduser.logout":
        return support_end()  # "log out" in the support view ends it; the operator stays logged in
    if request.endpoint in OWN_ACCOUNT:
        abort(403)  # the customer's own password, second factor and sessions are theirs alone
    return None


def support_context():
    return {"support_view": bool(g.get("support_view"))}


def support_end():
    customer_id = session.pop(SESSION_KEY, None)
    if not g.get("support_view") or customer_id is None:
        return redirect(url_for("enduser.login"))
    s = db()
    audit.record(s, current_user, "support.end", None, "closed the support view", address=client_address())
    s.commit()
    return redirect(f"/panel/customers/{int(customer_id)}")
