"""The screens: provider dashboard, incident timeline, fault report edit + send, remediation
settings; reseller incidents and locks (unlock); the end user's notice while an incident is open."""
from datetime import date, datetime, timezone

from rq import SimpleWorker
from sqlalchemy import select

from tenants.models import (
    AuditLog,
    FaultReport,
    Incident,
    IncidentEntry,
    MassMailLock,
    MonitoredEndpoint,
    RemediationCommand,
    Server,
    ServerAssignment,
)
from tests.incidents.helpers import add_contacts, system, victim_objects
from workers import queues

AT = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


def open_incident(app, server_id, subject_port=8080) -> int:
    with system(app) as s:
        e = MonitoredEndpoint(server_id=server_id, protocol="http", port=subject_port, host="127.0.0.1")
        s.add(e)
        s.flush()
        i = Incident(server_id=server_id, endpoint_id=e.id, subject=e.label, started_at=AT, detected_at=AT)
        s.add(i)
        s.flush()
        s.add(IncidentEntry(incident_id=i.id, server_id=server_id, at=AT, kind="detected", detail="http:8080 DOWN: refused"))
        s.commit()
        return i.id


def set_due(app, report_id, due: date):
    with system(app) as s:
        s.get(FaultReport, report_id).due_on = due
        s.commit()


def test_provider_dashboard_lists_open_incidents_overdue_reports_and_locks(app, world, as_provider):
    victim_objects(app, world)
    set_due(app, world.report, date(2026, 1, 6))
    incident_id = open_incident(app, world.server)
    as_provider.get("/lang/en")
    page = as_provider.get("/admin/").get_data(as_text=True)
    assert f'/admin/incidents/{incident_id}"' in page and "http:8080" in page
    assert f"/admin/reports/{world.report}" in page and "Overdue" in page and "2026-01-06" in page
    assert "hanako@example.jp" in page
    detail = as_provider.get(f"/admin/incidents/{incident_id}").get_data(as_text=True)
    assert "DOWN: refused" in detail and "Business days 10:00" in detail


def test_report_not_overdue_before_its_day(app, world, as_provider):
    victim_objects(app, world)
    set_due(app, world.report, date(2099, 1, 5))
    as_provider.get("/lang/en")
    page = as_provider.get("/admin/").get_data(as_text=True)
    assert "2099-01-05" in page and "Overdue" not in page


def test_fault_report_edited_and_sent_by_email(app, world, as_provider, mailbox):
    victim_objects(app, world)
    add_contacts(app, world)
    url = f"/admin/reports/{world.report}"
    bad = as_provider.post(url, data={"what": "", "impact": "x"})
    assert bad.status_code == 400
    form = {"what": "SMTP stopped on localhost", "impact": "mail delayed 30 minutes", "cause": "disk full",
            "action": "cleaned the spool, restarted postfix", "prevention": "spool alert at 80 %", "send": "1"}
    assert as_provider.post(url, data=form).status_code == 302
    SimpleWorker([queues.queue("notifications")], connection=queues.connection()).work(burst=True)
    assert sorted(r for m in mailbox.messages for r in m.to) == ["noc@acme.example", "noc@demo.example"]
    assert all("disk full" in m.body and "spool alert at 80 %" in m.body for m in mailbox.messages)
    with system(app) as s:
        report = s.get(FaultReport, world.report)
        assert report.sent_at is not None and "noc@demo.example" in report.sent_to
        kinds = s.execute(select(IncidentEntry.kind).where(IncidentEntry.incident_id == world.incident)).scalars().all()
        assert kinds[-1] == "report_sent"
    as_provider.get("/lang/en")
    assert "Sent" in as_provider.get(url).get_data(as_text=True)


def test_remediation_command_saved_as_argument_list(app, world, as_provider):
    with system(app) as s:
        e = MonitoredEndpoint(server_id=world.server, protocol="http", port=80)
        s.add(e)
        s.commit()
        eid = e.id
    url = f"/admin/servers/{world.server}/remediation"
    base = {"target": f"restart:{eid}", "timeout_seconds": "30", "grace_minutes": "10", "enabled": "y"}
    assert as_provider.post(url, data={**base, "command": "/usr/sbin/service 'nginx"}).status_code == 400
    assert as_provider.post(url, data={**base, "command": "service nginx restart"}).status_code == 400
    assert as_provider.post(url, data={**base, "command": "/usr/sbin/service nginx restart"}).status_code == 302
    assert as_provider.post(url, data={"target": "login", "command": "/usr/bin/ssh -o BatchMode=yes web01 true",
                                       "timeout_seconds": "60"}).status_code == 302
    # the host's reboot is its power driver's job now (Power settings), not a command here
    assert as_provider.post(url, data={"target": "reboot", "command": "/sbin/reboot", "timeout_seconds": "60"}
                            ).status_code == 400
    with system(app) as s:
        rows = {(c.kind, c.endpoint_id): c for c in s.execute(select(RemediationCommand)).scalars()}
        assert rows[("restart", eid)].argv == ["/usr/sbin/service", "nginx", "restart"] and rows[("restart", eid)].enabled
        assert rows[("login", None)].argv[:2] == ["/usr/bin/ssh", "-o"] and not rows[("login", None)].enabled
        assert ("reboot", None) not in rows
    page = as_provider.get(url + f"?target=restart:{eid}").get_data(as_text=True)
    assert "/usr/sbin/service nginx restart" in page


def test_reseller_sees_incidents_of_its_servers_only(app, world, as_demo_operator, as_acme_operator):
    with system(app) as s:
        other = Server(hostname="web02.example.jp", address="127.0.0.2")
        s.add(other)
        s.flush()
        s.add(ServerAssignment(server_id=other.id, reseller_id=world.demo))
        s.commit()
        other_id = other.id
    open_incident(app, other_id, 8081)
    assert "web02.example.jp" in as_demo_operator.get("/panel/incidents").get_data(as_text=True)
    assert "web02.example.jp" in as_demo_operator.get("/panel/").get_data(as_text=True)
    assert "web02.example.jp" not in as_acme_operator.get("/panel/incidents").get_data(as_text=True)
    assert "web02.example.jp" not in as_acme_operator.get("/panel/").get_data(as_text=True)
    as_demo_operator.get("/lang/en")
    assert "Business days 10:00" in as_demo_operator.get("/panel/incidents").get_data(as_text=True)


def test_reseller_unlocks_its_customers_account(app, world, as_demo_operator, as_acme_operator):
    victim_objects(app, world)
    assert "hanako@example.jp" not in as_demo_operator.get("/panel/mail-locks").get_data(as_text=True)
    assert as_demo_operator.post(f"/panel/mail-locks/{world.lock}/unlock").status_code == 404
    assert "hanako@example.jp" in as_acme_operator.get("/panel/").get_data(as_text=True)
    assert "hanako@example.jp" in as_acme_operator.get("/panel/mail-locks").get_data(as_text=True)
    as_acme_operator.get("/lang/en")
    refused = as_acme_operator.post(f"/panel/mail-locks/{world.lock}/unlock", data={"reason": "  "})
    assert refused.status_code == 400 and "Say why the account is unlocked" in refused.get_data(as_text=True)
    with system(app) as s:  # issue 20: no reason, no unlock
        assert s.get(MassMailLock, world.lock).unlocked_at is None
    assert as_acme_operator.post(f"/panel/mail-locks/{world.lock}/unlock",
                                 data={"reason": "newsletter plugin removed"}).status_code == 302
    with system(app) as s:
        lock = s.get(MassMailLock, world.lock)
        assert lock.unlocked_at is not None and lock.unlocked_by == "operator:acme-op"
        assert lock.unlock_reason == "newsletter plugin removed"
        entry = s.execute(select(AuditLog).where(AuditLog.action == "mass_mail.unlock")).scalar()
        assert entry.actor == "operator:acme-op" and "newsletter plugin removed" in entry.summary
    page = as_acme_operator.get("/panel/mail-locks").get_data(as_text=True)
    assert "Unlocked" in page and "newsletter plugin removed" in page


def test_end_user_notice_while_their_server_has_an_open_incident(app, world, as_taro, as_hanako):
    as_taro.get("/lang/en")
    assert "A fault is affecting your server" not in as_taro.get("/u/demo/home").get_data(as_text=True)
    incident_id = open_incident(app, world.server)
    page = as_taro.get("/u/demo/home").get_data(as_text=True)
    assert "A fault is affecting your server" in page and "http:8080" in page
    with system(app) as s:
        s.get(Incident, incident_id).status = "closed"
        s.commit()
    assert "A fault is affecting your server" not in as_taro.get("/u/demo/home").get_data(as_text=True)


def test_end_user_sees_own_locked_account_only(app, world, as_taro, as_hanako):
    victim_objects(app, world)
    assert "hanako@example.jp" in as_hanako.get("/u/acme/home").get_data(as_text=True)
    assert "hanako@example.jp" not in as_taro.get("/u/demo/home").get_data(as_text=True)


def test_provider_incident_list_links_reports_and_remediation(app, world, as_provider):
    victim_objects(app, world)
    page = as_provider.get("/admin/incidents").get_data(as_text=True)
    assert page.count(f"/admin/servers/{world.server}/remediation") == 1
    assert f"/admin/incidents/{world.incident}" in page and f"/admin/reports/{world.report}" in page
    assert "<title>" in page and "remediation-links" not in page.split("<title>")[1].split("</title>")[0]


def test_provider_unlocks_any_account_audited(app, world, as_provider):
    victim_objects(app, world)
    assert "hanako@example.jp" in as_provider.get("/admin/mail-locks").get_data(as_text=True)
    assert as_provider.post(f"/admin/mail-locks/{world.lock}/unlock", data={"reason": "spam run ended"}).status_code == 302
    assert as_provider.post(f"/admin/mail-locks/{world.lock}/unlock",
                            data={"reason": "again"}).status_code == 302  # twice: told, no change
    with system(app) as s:
        assert s.get(MassMailLock, world.lock).unlocked_by == "provider:admin"
        assert s.execute(select(AuditLog.actor).where(AuditLog.action == "mass_mail.unlock")).scalars().all() == [
            "provider:admin"]


def test_a_fault_at_night_says_to_call_the_emergency_contact_first(app, world, as_provider):
    daytime = open_incident(app, world.server)  # 10:00 JST on a Friday: the help desk is open
    assert 'id="emergency-first"' not in as_provider.get(f"/admin/incidents/{daytime}").get_data(as_text=True)
    with system(app) as s:  # managed terms: night and holiday faults call the emergency contact first
        s.get(Incident, daytime).started_at = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)  # 23:00 JST
        s.commit()
    page = as_provider.get(f"/admin/incidents/{daytime}").get_data(as_text=True)
    assert 'id="emergency-first"' in page and "緊急連絡先" in page
