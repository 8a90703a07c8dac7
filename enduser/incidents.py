"""End-user panel: a notice on the dashboard while their server has an open incident, and their
mail accounts locked for mass mail (the reseller unlocks them; contact shown is the reseller's)."""
from tenants.incidents.overview import locks, open_incidents
from web.db import db


def enduser_incident_notice():
    # the end user's scope keeps both to their own server and their own accounts
    return {"enduser_incidents": lambda: open_incidents(db()), "enduser_locks": lambda: locks(db())}
