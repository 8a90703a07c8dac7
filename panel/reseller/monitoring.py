"""Business panel: the status of the reseller's servers and each service's uptime this month,
as a page and as JSON (the same data the reseller API will serve)."""

from flask import jsonify, render_template

from panel.reseller.accounts import operator_only
from tenants.db import utcnow
from tenants.monitoring.reports import JST, board_json, monthly_uptime, status_board
from web.db import db


def _board():
    s = db()
    rows = status_board(s)  # the session's scope keeps it to this reseller's servers
    today = utcnow().astimezone(JST)
    uptime = monthly_uptime(s, [r["endpoint"].id for r in rows], today.year, today.month)
    return rows, uptime, today


@operator_only
def monitoring():
    rows, uptime, today = _board()
    return render_template("reseller/monitoring.html", rows=rows, uptime=uptime, month=today.strftime("%Y-%m"))


@operator_only
def monitoring_json():
    rows, uptime, today = _board()
    return jsonify({"month": today.strftime("%Y-%m"), "servers": board_json(rows, uptime)})
