"""The 10-minute rule with a real SMTP receiver: no notice before 10 minutes, exactly one outage
and one recovery notice per contact however many workers run, failures recorded and retried."""
from datetime import datetime, timedelta, timezone

from rq import SimpleWorker

from tests.incidents.helpers import add_contacts, add_endpoint, incidents, notices, record_cycle, set_server, timeline
from tests.servers.process import free_ports
from workers import queues
from workers.jobs.incidents.cycle import after_cycle, sweep

T = datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)  # Saturday 23:00 JST: night and holiday alike
MIN = timedelta(minutes=1)


def _down_at_t(app, world):
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1)
    record_cycle(app, world.server, eid, T - 10 * MIN, up=True)
    record_cycle(app, world.server, eid, T, up=False)
    after_cycle(world.server, T.isoformat(), T.isoformat())
    return eid


def _run_twice_on_two_workers(job, at: datetime) -> None:
    for _ in range(2):
        queues.enqueue(job, at.isoformat(), queue_name="monitoring")
    for _ in range(2):
        SimpleWorker([queues.queue("monitoring")], connection=queues.connection()).work(burst=True)


def test_one_outage_and_one_recovery_notice_after_ten_minutes(app, world, mailbox):
    contacts = sorted(add_contacts(app, world).values())
    eid = _down_at_t(app, world)
    [incident] = incidents(app, eid)
    for minutes in (0, 5, 9):
        sweep((T + minutes * MIN).isoformat())
    sweep((T + 10 * MIN - timedelta(seconds=1)).isoformat())
    assert mailbox.messages == [] and notices(app) == []  # none before 10 minutes

    _run_twice_on_two_workers(sweep, T + 10 * MIN)
    after_cycle(world.server, (T + 10 * MIN).isoformat(), (T + 10 * MIN).isoformat())
    sweep((T + 15 * MIN).isoformat())
    assert sorted(r for m in mailbox.messages for r in m.to) == contacts  # one each, not two
    assert all("Outage" in m.subject and f"#{incident.id}" in m.body for m in mailbox.messages)
    assert [n[2] for n in notices(app)] == ["sent", "sent"]

    record_cycle(app, world.server, eid, T + 20 * MIN, up=True)
    _run_twice_on_two_workers(sweep, T + 20 * MIN)
    after_cycle(world.server, (T + 20 * MIN).isoformat(), (T + 21 * MIN).isoformat())
    recovery = [m for m in mailbox.messages if "Recovered" in m.subject]
    assert sorted(r for m in recovery for r in m.to) == contacts
    assert len(mailbox.messages) == 2 * len(contacts)
    assert [k for k, _ in timeline(app, incident.id)].count("notified") == 2 * len(contacts)
    assert incidents(app, eid)[0].status == "closed"


def test_short_outage_sends_nothing(app, world, mailbox):
    add_contacts(app, world)
    eid = _down_at_t(app, world)
    record_cycle(app, world.server, eid, T + 5 * MIN, up=True)
    after_cycle(world.server, (T + 5 * MIN).isoformat(), (T + 5 * MIN).isoformat())
    sweep((T + 30 * MIN).isoformat())
    assert incidents(app, eid)[0].status == "closed" and mailbox.messages == [] and notices(app) == []


def test_refused_notice_is_recorded_and_retried(app, world, mailbox):
    add_contacts(app, world)
    eid = _down_at_t(app, world)
    mailbox.refuse = True
    sweep((T + 10 * MIN).isoformat())
    assert mailbox.messages == []
    assert [(s, a) for _, _, s, a in notices(app)] == [("failed", 1), ("failed", 1)]
    assert ("notify_failed", False) in timeline(app, incidents(app, eid)[0].id)
    mailbox.refuse = False
    sweep((T + 11 * MIN).isoformat())
    sweep((T + 12 * MIN).isoformat())
    assert [(s, a) for _, _, s, a in notices(app)] == [("sent", 2), ("sent", 2)]
    assert len(mailbox.messages) == 2


def test_notices_wait_while_the_smtp_host_is_unreachable_and_go_when_it_answers(app, world, mailbox, closed_port):
    """Not reaching the SMTP host is not the notice's fault: it is not given up however long the
    host is away (a refusal would be, after 5 attempts), and the timeline says so once."""
    contacts = sorted(add_contacts(app, world).values())
    eid = _down_at_t(app, world)
    settings = app.config["SETTINGS"]
    settings.smtp_port = closed_port.port
    for minutes in range(10, 20):
        sweep((T + minutes * MIN).isoformat())
    assert mailbox.messages == []
    assert [(s, a) for _, _, s, a in notices(app)] == [("failed", 0), ("failed", 0)]
    assert [k for k, _ in timeline(app, incidents(app, eid)[0].id)].count("notify_failed") == len(contacts)
    settings.smtp_port = mailbox.port
    sweep((T + 20 * MIN).isoformat())
    assert sorted(r for m in mailbox.messages for r in m.to) == contacts
    assert [(s, a) for _, _, s, a in notices(app)] == [("sent", 1), ("sent", 1)]


def test_managed_server_without_emergency_contact_records_unreachable(app, world, mailbox):
    set_server(app, world.server, kind="managed")
    eid = _down_at_t(app, world)
    sweep((T + 10 * MIN).isoformat())
    assert mailbox.messages == []
    assert ("unreachable", False) in timeline(app, incidents(app, eid)[0].id)


def test_two_workers_at_the_same_moment_send_one_notice_each(app, world, mailbox, database_url):
    """Two threads run the incident job for the same minute at once (real PostgreSQL concurrency):
    unique keys and the claim UPDATE leave exactly one notice per contact."""
    import threading

    import pytest

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the sequential two-worker test covers it")
    contacts = sorted(add_contacts(app, world).values())
    _down_at_t(app, world)
    barrier, errors = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            sweep((T + 10 * MIN).isoformat())
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(r for m in mailbox.messages for r in m.to) == contacts


def test_resellers_cannot_read_notices(app, world, mailbox):
    from sqlalchemy import select

    from tenants.models import OutboxMail
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    add_contacts(app, world)
    _down_at_t(app, world)
    sweep((T + 10 * MIN).isoformat())
    assert len(notices(app)) == 2
    with scoped_session(app, Scope("reseller", world.demo, None, world.principals["demo-op"])) as s:
        assert s.execute(select(OutboxMail)).scalars().all() == []


def test_notice_delay_is_configurable(app, world, mailbox):
    app.config["SETTINGS"].notify_after_minutes = 30
    add_contacts(app, world)
    _down_at_t(app, world)
    sweep((T + 10 * MIN).isoformat())
    sweep((T + 29 * MIN).isoformat())
    assert mailbox.messages == []
    sweep((T + 30 * MIN).isoformat())
    assert len(mailbox.messages) == 2


def test_managed_server_uses_a_registered_emergency_contact_source(app, world, mailbox):
    from tenants.incidents import rules

    set_server(app, world.server, kind="managed")
    add_contacts(app, world)
    source = lambda session, server: [rules.Recipient("emergency@customer.example", "Customer on call")]  # noqa: E731
    rules.MANAGED_EMERGENCY_SOURCES.append(source)
    try:
        _down_at_t(app, world)
        sweep((T + 10 * MIN).isoformat())
    finally:
        rules.MANAGED_EMERGENCY_SOURCES.remove(source)
    assert [m.to for m in mailbox.messages] == [["emergency@customer.example"]]


def test_managed_server_outage_goes_to_the_contracts_emergency_contact(app, world, mailbox):
    from datetime import date

    from tests.contracts.helpers import formed_contract
    from tests.contracts.helpers import system as contract_system

    set_server(app, world.server, kind="managed")
    add_contacts(app, world)
    with contract_system(app) as s:
        c = formed_contract(s, server_id=world.server, billing_start=date(2026, 1, 15))
        c.party.emergency_contact = "当番 090-1111-2222 / oncall@customer.example"
        s.commit()
    _down_at_t(app, world)
    sweep((T + 10 * MIN).isoformat())
    assert [m.to for m in mailbox.messages] == [["oncall@customer.example"]]


def test_a_service_still_down_after_its_maintenance_window_opens_an_incident(app, world, mailbox):
    from tenants.models import Server
    from tenants.monitoring.endpoints import add_maintenance
    from tests.incidents.helpers import system

    add_contacts(app, world)
    with system(app) as s:
        add_maintenance(s, None, s.get(Server, world.server), T - 30 * MIN, T + 20 * MIN, "kernel update")
        s.commit()
    eid = add_endpoint(app, world.server, free_ports(1)[0], threshold=1)
    record_cycle(app, world.server, eid, T - 40 * MIN, up=True)
    record_cycle(app, world.server, eid, T, up=False)          # down inside the window: recorded, quiet
    after_cycle(world.server, T.isoformat(), T.isoformat())
    sweep((T + 15 * MIN).isoformat())
    assert incidents(app, eid) == [] and mailbox.messages == []
    record_cycle(app, world.server, eid, T + 30 * MIN, up=False)  # the window is over, still down
    sweep((T + 30 * MIN).isoformat())
    assert len(incidents(app, eid)) == 1
