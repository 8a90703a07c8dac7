"""Expiry alerts and the provider's board (issue 17 item 3): certificates the panel holds and TLS
services the probes saw, alerted at 14, 7 and 1 days to the reseller's contacts (the provider for
monitored services), each once; the provider's monitoring board lists what expires soon."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tenants.hosting.certificates import alert_threshold, now_utc
from tenants.models import Certificate, Domain, MonitoredEndpoint, OutboxMail, ResellerContact, ServiceState
from tenants.tenancy import Scope
from tests.support import scoped_session


def _domain(s, world, name: str, days: float | None) -> None:
    domain = Domain(reseller_id=world.demo, customer_id=world.demo_customer, name=name, docroot=f"public_html/{name}",
                    https=True)
    s.add(domain)
    s.flush()
    s.add(Certificate(reseller_id=world.demo, customer_id=world.demo_customer, domain_id=domain.id, source="acme",
                      cert_pem="-----BEGIN CERTIFICATE-----\n", issuer="Test CA", names=name,
                      not_after=None if days is None else now_utc() + timedelta(days=days)))


def test_thresholds():
    assert [alert_threshold(d) for d in (40, 15, 14, 13, 8, 7, 2, 1, 0, -3)] == \
        [None, None, 14, 14, 14, 7, 7, 1, 1, 1]


def test_expiry_alerts_go_once_per_threshold_and_the_board_lists_them(app, world, as_provider):
    from workers.jobs.hosting.certificate_alerts import send_expiry_alerts

    with scoped_session(app, Scope.system()) as s:
        s.add(ResellerContact(reseller_id=world.demo, name="Demo NOC", email="noc@demo.example"))
        _domain(s, world, "soon.example.jp", 13.5)
        _domain(s, world, "week.example.jp", 6.5)
        _domain(s, world, "fine.example.jp", 60)
        endpoint = MonitoredEndpoint(server_id=world.server, protocol="https", port=443, server_name="panel.example.net")
        s.add(endpoint)
        s.flush()
        s.add(ServiceState(endpoint_id=endpoint.id, server_id=world.server, tls_expires=now_utc() + timedelta(hours=20)))
        s.commit()
    app.config["SETTINGS"].acme_contact = "ssl@provider.example"
    with app.app_context():
        sent = send_expiry_alerts()
        again = send_expiry_alerts()
    assert again == []  # each threshold once
    with scoped_session(app, Scope.system()) as s:
        mails = s.execute(select(OutboxMail).where(OutboxMail.kind == "certificate_expiry")).scalars().all()
        got = {(m.recipient, m.subject.split("]")[1].split(":")[0].strip()) for m in mails}
    assert ("noc@demo.example", "soon.example.jp") in got and ("noc@demo.example", "week.example.jp") in got
    assert not any("fine.example.jp" in subject for _r, subject in got)
    assert ("ssl@provider.example", "panel.example.net") in got  # the provider, for its own host
    assert any("week.example.jp: 7-day" in line for line in sent) and any("soon.example.jp: 14-day" in x for x in sent)

    page = as_provider.get("/admin/monitoring").get_data(as_text=True)
    board = page[page.index('id="expiring-certificates"'):]
    board = board[:board.index("</table>")]
    assert "soon.example.jp" in board and "week.example.jp" in board and "panel.example.net:443" in board
    assert "fine.example.jp" not in board


def test_renewal_from_30_days_and_backoff_without_a_storm():
    from tenants.hosting.certificates import backoff, record_failure, renewal_due

    now = now_utc()
    row = Certificate(source="acme", cert_pem="x", not_after=now + timedelta(days=31), failures=0)
    assert not renewal_due(row, now)
    row.not_after = now + timedelta(days=29)
    assert renewal_due(row, now)
    record_failure(row, "why", now)
    assert not renewal_due(row, now + timedelta(minutes=59)) and renewal_due(row, now + timedelta(hours=1))
    assert [backoff(n) for n in (1, 2, 3, 6, 12)] == [timedelta(hours=h) for h in (1, 2, 4, 24, 24)]
    assert not renewal_due(Certificate(source="own", cert_pem="x", not_after=now + timedelta(days=1)), now)
    assert renewal_due(None, now)
