"""issue 20 item 5: a maintenance window announced a set number of days ahead to the resellers'
fault contacts and, under each reseller's brand, to its end users; a reminder the day before; an
"ended" notice; a weekly window moves on and is announced again. Each notice once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from tenants.models import MaintenanceWindow, Reseller, Server
from tests.incidents.helpers import add_contacts, system
from workers.jobs.maintenance import announce
from workers.schedule import PERIODIC

START = datetime(2026, 12, 9, 17, 0, tzinfo=timezone.utc)  # 2026-12-10 02:00 JST
END = START + timedelta(hours=2)


def test_the_job_is_scheduled():
    assert any(job is announce for job, *_ in PERIODIC)


def test_a_weekly_window_is_announced_reminded_and_ended(app, world, mailbox, as_provider):
    add_contacts(app, world)
    url = f"/admin/monitoring/servers/{world.server}/maintenance"
    form = {"starts_at": "2026-12-10T02:00", "ends_at": "2026-12-10T04:00", "note": "kernel (internal)",
            "announce_days": "99", "recurrence": "weekly", "announcement": "Web and mail stop for up to 30 minutes."}
    assert as_provider.post(url, data=form).status_code == 400  # 99 days: refused, nothing saved
    with system(app) as s:
        assert s.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0
    assert as_provider.post(url, data={**form, "announce_days": "3"}).status_code == 302
    with system(app) as s:
        brand = {r.id: r.brand_name for r in s.execute(select(Reseller)).scalars()}
        hostname = s.get(Server, world.server).hostname

    assert announce((START - timedelta(days=4)).isoformat()) == 0
    announce((START - timedelta(days=3, minutes=-1)).isoformat())
    announce((START - timedelta(days=2)).isoformat())  # again: nothing twice
    notices = list(mailbox.messages)
    assert sorted(r for m in notices for r in m.to) == ["hanako@example.jp", "noc@acme.example",
                                                        "noc@demo.example", "taro@example.jp"]
    [taro] = mailbox.to("taro@example.jp")
    assert brand[world.demo] in taro.sender and hostname not in taro.body and "30 minutes" in taro.body
    assert "2026-12-10 02:00 – 2026-12-10 04:00 (JST)" in taro.body and "kernel (internal)" not in taro.body
    assert app.config["SETTINGS"].provider_name not in taro.body + taro.sender
    [noc] = mailbox.to("noc@demo.example")
    assert hostname in noc.body

    announce((START - timedelta(hours=12)).isoformat())
    assert len([m for m in mailbox.messages if "reminder" in m.subject]) == 4
    announce((END + timedelta(minutes=5)).isoformat())
    assert len([m for m in mailbox.messages if "ended" in m.subject]) == 4
    with system(app) as s:
        [window] = s.execute(select(MaintenanceWindow)).scalars().all()
        assert window.starts_at == START + timedelta(days=7)  # weekly: the next one
    announce((START + timedelta(days=4, minutes=1)).isoformat())
    assert len([m for m in mailbox.messages if "notice" in m.subject]) == 8  # the next date announced too
    assert len(mailbox.messages) == 16
