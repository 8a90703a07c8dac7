"""Business panel: incidents on the servers of the reseller's customers, and its customers' mail
accounts locked for mass mail (unlock, audited). Provider help-desk hours shown with the contact."""
from flask import render_template

from panel.mail_abuse import unlock_and_return
from panel.reseller.accounts import operator_only
from tenants.calendar import HELPDESK_HOURS_TEXT, JST
from tenants.db import utcnow
from tenants.incidents.overview import locks, overview, recent_incidents
from web.db import db


def reseller_incident_helpers():
    return {"reseller_incident_overview": lambda: overview(db(), utcnow().astimezone(JST).date(), with_reports=False),
            "helpdesk_hours": HELPDESK_HOURS_TEXT}


@operator_only
def incidents():
    # the session's scope keeps these to the servers this reseller's customers are on
    return render_template("reseller/incidents.html", incidents=recent_incidents(db()))


@operator_only
def mail_locks():
    return render_template("reseller/mail_locks.html", locks=locks(db(), include_unlocked=True))


@operator_only
def mail_lock_unlock(lock_id):
    return unlock_and_return(lock_id, "reseller.mail_locks", "reseller/mail_locks.html",
                             lambda: locks(db(), include_unlocked=True))
