"""issue 20 / managed terms 障害連絡 (夜間・休日はまず緊急連絡先): an outage that begins at night gets
the emergency call as a step of its own in the timeline; provider staff acknowledge it with what
came of the call (refused without), audited."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.models import AuditLog
from tests.incidents.helpers import add_contacts, add_endpoint, incidents, record_cycle, system, timeline
from tests.servers.process import free_ports
from workers.jobs.incidents.cycle import after_cycle

NIGHT = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)  # Tuesday 23:00 JST
DAY = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)     # Tuesday 11:00 JST
MIN = timedelta(minutes=1)


def _outage(app, world, at: datetime) -> int:
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1)
    record_cycle(app, world.server, eid, at - 10 * MIN, up=True)
    record_cycle(app, world.server, eid, at, up=False)
    after_cycle(world.server, at.isoformat(), at.isoformat())
    after_cycle(world.server, (at + MIN).isoformat(), (at + MIN).isoformat())  # run again: still one step
    return incidents(app, eid)[0].id


def test_a_night_outage_asks_for_the_emergency_call_and_staff_acknowledge_it(app, world, mailbox, as_provider):
    add_contacts(app, world)
    incident_id = _outage(app, world, NIGHT)
    assert [k for k, _ in timeline(app, incident_id)].count("emergency_call") == 1
    as_provider.get("/lang/en")
    page = as_provider.get(f"/admin/incidents/{incident_id}").get_data(as_text=True)
    assert 'id="emergency-call"' in page and "noc@demo.example" in page
    url = f"/admin/incidents/{incident_id}/acknowledge"
    refused = as_provider.post(url, data={"note": " "})
    assert refused.status_code == 400 and "Say whom you reached" in refused.get_data(as_text=True)
    assert "acknowledged" not in [k for k, _ in timeline(app, incident_id)]
    assert as_provider.post(url, data={"note": "Reached Demo NOC (Sato) at 23:12"}).status_code == 302
    assert ("acknowledged", True) in timeline(app, incident_id)
    page = as_provider.get(f"/admin/incidents/{incident_id}").get_data(as_text=True)
    assert 'id="emergency-call"' not in page and "provider:admin: Reached Demo NOC (Sato) at 23:12" in page
    assert as_provider.post(url, data={"note": "again"}).status_code == 400  # nothing left to acknowledge
    with system(app) as s:
        assert s.execute(select(AuditLog.actor).where(AuditLog.action == "incident.acknowledge")).scalars().all() == [
            "provider:admin"]


def test_a_daytime_outage_has_no_emergency_call_step(app, world, mailbox):
    add_contacts(app, world)
    incident_id = _outage(app, world, DAY)
    assert "emergency_call" not in [k for k, _ in timeline(app, incident_id)]
