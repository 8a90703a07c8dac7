"""Maintenance announcements (issue 20): a window the provider plans is announced days ahead to the
resellers on the server (their fault contacts) and, under each reseller's brand, to its end users
there; a reminder the day before, an "ended" notice after, each once; a weekly window plans its next
occurrence. Bad settings are refused beside the field with nothing saved."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.models import Customer, MaintenanceWindow
from tests.incidents.helpers import add_contacts, system
from workers.jobs.monitoring.announcements import announce_maintenance

START = datetime(2026, 12, 20, 17, 0, tzinfo=timezone.utc)  # 2026-12-21 02:00 JST


def _add(as_provider, server_id, **data):
    form = {"starts_at": "2026-12-21T02:00", "ends_at": "2026-12-21T04:00", "note": "OS security update",
            "announce_days": "7", "tell_end_users": "y", "recurrence": "weekly"} | data
    return as_provider.post(f"/admin/monitoring/servers/{server_id}/maintenance", data=form)


def _windows(app):
    with system(app) as s:
        return s.execute(select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at)).scalars().all()


def test_bad_announcement_settings_are_refused_and_nothing_saved(app, world, as_provider):
    as_provider.get("/lang/en")
    page = _add(as_provider, world.server, announce_days="61")
    assert page.status_code == 400 and "Announce days ahead" in page.get_data(as_text=True)
    page = _add(as_provider, world.server, announce_days="0")
    assert page.status_code == 400 and "End users can only be told of an announced window." in page.get_data(as_text=True)
    page = _add(as_provider, world.server, ends_at="2026-12-29T04:00")
    assert page.status_code == 400 and "A repeating window must be shorter than a week." in page.get_data(as_text=True)
    page = _add(as_provider, world.server, recurrence="yearly")
    assert page.status_code == 400
    assert _windows(app) == []


def test_announced_reminded_and_ended_once_each_under_the_right_voice(app, world, as_provider, mailbox):
    contacts = add_contacts(app, world)
    with system(app) as s:
        taro = s.get(Customer, world.demo_customer)
        taro.server_id = world.server
        end_user, hostname = taro.contact_email, taro.server.hostname
        s.commit()
    assert _add(as_provider, world.server).status_code == 302
    assert announce_maintenance((START - timedelta(days=8)).isoformat()) == 0  # not yet
    assert mailbox.messages == []

    assert announce_maintenance((START - timedelta(days=7)).isoformat()) > 0
    [to_reseller] = mailbox.to(contacts["demo"])
    assert hostname in to_reseller.subject and "2026-12-21 02:00 – 2026-12-21 04:00 (JST)" in to_reseller.body
    [to_user] = mailbox.to(end_user)
    assert "デモホスティング" in to_user.sender and "デモホスティング" in to_user.subject
    assert "2026-12-21 02:00" in to_user.body and "support@demo.example.jp" in to_user.body
    assert hostname not in to_user.body + to_user.subject and "OEM Hosting" not in to_user.body + to_user.sender
    assert announce_maintenance((START - timedelta(days=6)).isoformat()) == 0  # once
    assert len(mailbox.to(end_user)) == 1

    assert announce_maintenance((START - timedelta(hours=20)).isoformat()) > 0
    assert "明日" in mailbox.to(end_user)[-1].subject and len(mailbox.to(contacts["demo"])) == 2
    assert announce_maintenance((START + timedelta(hours=1)).isoformat()) == 0  # during the window
    assert announce_maintenance((START + timedelta(hours=3)).isoformat()) > 0
    assert "終了" in mailbox.to(end_user)[-1].subject and len(mailbox.to(end_user)) == 3

    first, nxt = _windows(app)
    assert first.ended_notice_at is not None
    assert (nxt.starts_at, nxt.ends_at) == (first.starts_at + timedelta(days=7), first.ends_at + timedelta(days=7))
    assert nxt.recurrence == "weekly" and nxt.announce_days == 7 and nxt.announced_at is None
    # the next week's window is announced in its turn (7 days ahead: from the end of this one), once
    assert announce_maintenance((START + timedelta(hours=4)).isoformat()) > 0
    assert "2026-12-28 02:00" in mailbox.to(end_user)[-1].body and len(mailbox.to(end_user)) == 4
    assert announce_maintenance((START + timedelta(hours=5)).isoformat()) == 0


def test_a_window_not_announced_sends_nothing(app, world, as_provider, mailbox):
    add_contacts(app, world)
    assert _add(as_provider, world.server, announce_days="0", tell_end_users="", recurrence="").status_code == 302
    for hours in (-24 * 7, -20, 3):
        assert announce_maintenance((START + timedelta(hours=hours)).isoformat()) == 0
    assert mailbox.messages == []


def test_a_panel_update_is_announced_to_every_reseller_and_their_end_users(app, world, as_provider, mailbox):
    contacts = add_contacts(app, world)
    as_provider.get("/lang/en")
    page = as_provider.post("/admin/monitoring/panel-updates", data={
        "starts_at": "2026-12-21T02:00", "ends_at": "2026-12-21T03:00", "announce_days": "0", "note": ""})
    assert page.status_code == 400 and "between 1 and 60" in page.get_data(as_text=True)
    assert _windows(app) == []
    assert as_provider.post("/admin/monitoring/panel-updates", data={
        "starts_at": "2026-12-21T02:00", "ends_at": "2026-12-21T03:00", "announce_days": "3", "note": "new look",
        "tell_end_users": "y"}).status_code == 302
    with system(app) as s:
        end_users = {c.reseller_id: c.contact_email for c in s.execute(select(Customer)).scalars() if c.contact_email}
    assert announce_maintenance((START - timedelta(days=3)).isoformat()) > 0
    for reseller in ("demo", "acme"):  # every reseller, in the provider's wording
        [notice] = mailbox.to(contacts[reseller])
        assert "コントロールパネル" in notice.subject and "2026-12-21 02:00" in notice.body
    taro = mailbox.to(end_users[world.demo])[0]  # under the reseller's brand
    assert "デモホスティング" in taro.sender and "コントロールパネル" in taro.body and "OEM Hosting" not in taro.body
    assert announce_maintenance((START + timedelta(hours=2)).isoformat()) > 0  # the ended notice
    assert "終了" in mailbox.to(contacts["acme"])[-1].subject
