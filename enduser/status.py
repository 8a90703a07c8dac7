"""The reseller's public status page (/u/<code>/status): no login, the reseller's brand only."""
from flask import g, render_template

from tenants.db import utcnow
from tenants.monitoring.status_page import UPTIME_DAYS, status_page
from web.db import system_session


def status():
    s = system_session()
    try:
        servers = status_page(s, g.reseller.id, utcnow())
    finally:
        s.close()
    return render_template("enduser/status.html", servers=servers, days=UPTIME_DAYS)
