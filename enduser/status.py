"""The reseller's public status page, /u/<code>/status: no login, the reseller's brand only
(tenants/monitoring/status_page.py decides what is shown)."""
from flask import g, render_template

from tenants.db import utcnow
from tenants.monitoring.status_page import UPTIME_DAYS, status_page
from web.db import system_session


def status():
    s = system_session()
    try:
        lines = status_page(s, g.reseller.id, utcnow())
        page = render_template("enduser/status.html", lines=lines, days=UPTIME_DAYS, now=utcnow())
    finally:
        s.close()
    return page
