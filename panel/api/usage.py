"""API: usage read (servers' current figures, top customers, one customer's disk use)."""
from __future__ import annotations

from dataclasses import asdict

from flask import jsonify
from sqlalchemy import select

from panel.api.common import session_and_actor
from tenants.models import Course, Customer, Server
from tenants.monitoring import usage
from tenants.tenancy import get_owned_or_404


def api_usage():
    s, _actor = session_and_actor()
    servers = []
    for sv in s.execute(select(Server).order_by(Server.hostname)).scalars():
        now = asdict(usage.server_now(s, sv.id))
        now["at"] = now["at"].isoformat() if now["at"] else None
        servers.append({"id": sv.id, "hostname": sv.hostname, **now})
    return jsonify({"servers": servers, "line_bits_per_second": usage.LINE_BITS_PER_SECOND,
                    "top_customers_by_disk": usage.top_customers_by_disk(s),
                    "top_customers_by_traffic": usage.top_customers_by_traffic(s)})


def api_customer_usage(customer_id):
    s, _actor = session_and_actor()
    customer = get_owned_or_404(s, Customer, customer_id)
    course = s.get(Course, customer.course_id)
    series = usage.customer_series(s, customer.id, "month")
    return jsonify({"customer_id": customer.id, "disk_used_bytes": customer.disk_used_bytes,
                    "disk_quota_bytes": course.disk_quota_mb * 1048576,
                    "traffic_quota_bytes": course.traffic_quota_gb * 1024 ** 3,
                    "disk_series": [{"at": t.isoformat(), "bytes": v} for t, v in series]})
