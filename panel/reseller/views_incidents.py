"""Business panel: incidents on the servers of the reseller's customers, and its customers' mail
accounts locked for mass mail (unlock, audited). Provider help-desk hours shown with the contact."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from panel.reseller import NAV, bp
from panel.reseller.views_home import operator_only
from tenants import mass_mail_lock
from tenants.business_calendar import HELPDESK_HOURS_TEXT, JST
from tenants.db import utcnow
from tenants.errors import RuleViolation
from tenants.incidents_overview import locks, overview, recent_incidents
from tenants.models import MassMailLock
from tenants.tenancy import get_owned_or_404
from web.db import db
from workers.queues import enqueue

NAV.append(("reseller.incidents", _l("Incidents")))
NAV.append(("reseller.mail_locks", _l("Locked mail accounts")))


@bp.app_context_processor
def _reseller_incident_helpers():
    return {"reseller_incident_overview": lambda: overview(db(), utcnow().astimezone(JST).date(), with_reports=False),
            "helpdesk_hours": HELPDESK_HOURS_TEXT}


@bp.get("/incidents")
@operator_only
def incidents():
    # the session's scope keeps these to the servers this reseller's customers are on
    return render_template("reseller/incidents.html", incidents=recent_incidents(db()))


@bp.get("/mail-locks")
@operator_only
def mail_locks():
    return render_template("reseller/mail_locks.html", locks=locks(db(), include_unlocked=True))


@bp.post("/mail-locks/<int:lock_id>/unlock")
@operator_only
def mail_lock_unlock(lock_id):
    s = db()
    lock = get_owned_or_404(s, MassMailLock, lock_id)
    try:
        mass_mail_lock.unlock(s, current_user, lock, utcnow())
    except RuleViolation as exc:
        s.rollback()
        flash(exc.problems[0].render(_), "error")
    else:
        s.commit()
        enqueue("workers.jobs.provisioning.apply_service", lock.server_id, "mail", queue_name="provisioning")
        flash(_("%(address)s can send mail again once the server is updated.", address=lock.address), "success")
    return redirect(url_for("reseller.mail_locks"))
