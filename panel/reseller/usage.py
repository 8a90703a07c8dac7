"""Business panel: server usage (サーバ利用状況) per server and per customer, with day/week/month charts."""
from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from panel.reseller.accounts import operator_only
from panel.reseller.charts import human_bytes, line_chart
from tenants.db import utcnow
from tenants.models import Course, Customer, Server
from tenants.monitoring import usage
from tenants.tenancy import get_owned_or_404
from web.db import db


def _period() -> str:
    period = request.args.get("period", "day")
    return period if period in usage.PERIODS else "day"


def _rate(v: float) -> str:
    return f"{v * 8 / 1_000_000:.2f} Mbit/s"


@operator_only
def usage_overview():
    s = db()
    servers = s.execute(select(Server).order_by(Server.hostname)).scalars().all()
    now = {sv.id: usage.server_now(s, sv.id) for sv in servers}
    return render_template("reseller/usage.html", servers=servers, now=now, top_disk=usage.top_customers_by_disk(s),
                           top_traffic=usage.top_customers_by_traffic(s), human_bytes=human_bytes, rate=_rate)


@operator_only
def usage_server(server_id):
    s = db()
    server = get_owned_or_404(s, Server, server_id)
    period = _period()
    until = utcnow()
    since = until - usage.PERIODS[period]
    series = {m: usage.server_series(s, server.id, m, period, until)
              for m in ("disk_used", "disk_total", "mem_used", "mem_total", "net_rx_bps", "net_tx_bps")}
    line_bytes = usage.LINE_BITS_PER_SECOND / 8
    disk_total = max((v for _t, v in series["disk_total"]), default=None)
    mem_total = max((v for _t, v in series["mem_total"]), default=None)
    charts = {
        "disk": line_chart([(_("Disk used"), series["disk_used"], "#1971c2")], since, until, title=_("Disk use"),
                           limit=(disk_total, _("Capacity")) if disk_total else None),
        "memory": line_chart([(_("Memory used"), series["mem_used"], "#2f9e44")], since, until, title=_("Memory use"),
                             limit=(mem_total, _("Installed")) if mem_total else None),
        "network": line_chart([(_("In"), series["net_rx_bps"], "#1971c2"), (_("Out"), series["net_tx_bps"], "#e8590c")],
                              since, until, fmt=_rate, title=_("Network traffic"),
                              limit=(line_bytes, _("100 Mbit line"))),
    }
    return render_template("reseller/usage_server.html", server=server, now=usage.server_now(s, server.id),
                           charts=charts, period=period, periods=usage.PERIODS, human_bytes=human_bytes, rate=_rate)


@operator_only
def usage_customer(customer_id):
    s = db()
    customer = get_owned_or_404(s, Customer, customer_id)
    course = s.get(Course, customer.course_id)
    period = _period()
    until = utcnow()
    since = until - usage.PERIODS[period]
    quota = course.disk_quota_mb * 1048576
    chart = line_chart([(_("Disk used"), usage.customer_series(s, customer.id, period, until), "#1971c2")],
                       since, until, title=_("Disk use"), limit=(quota, _("Course quota")))
    traffic = line_chart([(_("Network traffic"), usage.customer_series(s, customer.id, period, until, "traffic"),
                           "#e8590c")], since, until, title=_("Network traffic"))
    month_traffic = usage.customer_traffic(s, customer.id, until)
    return render_template("reseller/usage_customer.html", c=customer, course=course, chart=chart, period=period,
                           periods=usage.PERIODS, human_bytes=human_bytes, traffic=traffic,
                           month_traffic=month_traffic, traffic_quota=course.traffic_quota_gb * 1024 ** 3)
