"""The provider restores a whole server to one generation (issue 18), with the real BorgBackup on a
real repository and a real RQ worker: after a customer's files are deleted, its database dropped
and its mailbox deleted (and a file of the service configuration lost), one restore brings all of
it back byte for byte / row for row, the other customer's home too, and the server's wanted state
is applied again. A wrong confirmation refuses the restore and changes nothing; the restore is
audited and, on a server with an escalated incident, recorded as its level-3 remediation."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tenants.audit import AuditLog
from tenants.backups.models import BackupServerRestore
from tenants.incidents.models import Incident, IncidentEntry, RemediationAction
from tenants.models import Customer
from tenants.monitoring.models import MonitoredEndpoint
from tenants.tenancy import Scope
from tests.backups.helpers import drop_all, drop_database_only, execute, home, make_database, run_day, runs, set_up_plan
from tests.backups.test_backup_pages import run_backup_jobs
from tests.backups.test_backup_runs import engine_for, mailbox, snapshot
from tests.support import scoped_session
from tests.workers.drivers.test_local_databases import reachable


@pytest.fixture
def made():
    made: list = []
    yield made
    drop_all(made)


def server_restores(app) -> list[BackupServerRestore]:
    with scoped_session(app, Scope.system()) as s:
        rows = s.execute(select(BackupServerRestore).order_by(BackupServerRestore.id)).scalars().all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def escalated_incident(app, world) -> int:
    """An outage of the server on which automatic remediation gave up (fault level 3)."""
    now = datetime(2026, 12, 2, 23, 0, tzinfo=timezone.utc)
    with scoped_session(app, Scope.system()) as s:
        endpoint = MonitoredEndpoint(server_id=world.server, protocol="http", port=80, paused=True)
        s.add(endpoint)
        s.flush()
        incident = Incident(server_id=world.server, endpoint_id=endpoint.id, subject="http", started_at=now,
                            detected_at=now, reason="HTTP down", escalated=True)
        s.add(incident)
        s.commit()
        return incident.id


def test_the_whole_server_comes_back_from_one_generation(app, world, local_server, made, request, as_provider):
    from workers import queues
    from workers.jobs.hosting.provisioning import locked_apply_service

    base = local_server
    engine = engine_for(request)
    reachable(engine)
    queues.queue("backups").empty()
    set_up_plan(app, world, base, base / "second-disk" / "repo")
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Customer, world.acme_customer).server_id == world.server  # two customers on the server
    site, other = home(base, world.demo_customer), home(base, world.acme_customer)
    (site / "public_html").mkdir(parents=True)
    (site / "public_html" / "index.html").write_bytes(b"<h1>shop</h1>" + os.urandom(20000))
    (site / "docs").mkdir()
    (site / "docs" / "manual.pdf").write_bytes(os.urandom(100000))
    (other / "public_html").mkdir(parents=True)
    (other / "public_html" / "index.html").write_bytes(os.urandom(5000))
    address, maildir = mailbox(app, world, base)
    name, _user, _password = make_database(app, world, engine, made)
    with app.app_context():
        assert "failed" not in locked_apply_service(world.server, "web")  # the generated configuration
    key = base / "cfg" / "keys" / "site.key"  # a file of the configuration the panel does not render
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(os.urandom(2048))
    config_before = snapshot(base / "cfg")
    assert any(domain_of(address) in text.decode(errors="ignore") for text in config_before.values())

    assert "ok" in run_day(app, world, 0)
    originals = {"site": snapshot(site), "other": snapshot(other), "mail": snapshot(maildir)}
    rows = execute(engine, name, [], "SELECT id, label, body FROM items ORDER BY id")
    assert len(rows) == 300

    # the disaster: the customer's files deleted, its database dropped, its mailbox deleted, the
    # other customer's page gone and the configuration folder emptied
    shutil.rmtree(site)
    drop_database_only(engine, name)
    shutil.rmtree(maildir)
    os.remove(other / "public_html" / "index.html")
    shutil.rmtree(base / "cfg")
    incident_id = escalated_incident(app, world)

    as_provider.get("/lang/en")
    url = f"/admin/servers/{world.server}/backups"
    page = as_provider.get(url).get_data(as_text=True)
    assert "Restore the whole server" in page
    generation = runs(app, world)[-1]
    wrong = as_provider.post(f"{url}/restore-server", data={"run": str(generation.id), "confirm": "localhost2"})
    assert wrong.status_code == 400
    assert "Type the server&#39;s host name exactly to confirm the restore." in wrong.get_data(as_text=True)
    empty = as_provider.post(f"{url}/restore-server", data={"run": str(generation.id), "confirm": ""})
    assert empty.status_code == 400
    run_backup_jobs(app)
    assert server_restores(app) == [] and not site.exists() and not maildir.exists()  # nothing changed
    with pytest.raises(Exception):
        execute(engine, name, [], "SELECT 1")

    with scoped_session(app, Scope.system()) as s:
        from tenants.models import Server

        hostname = s.get(Server, world.server).hostname
    started = as_provider.post(f"{url}/restore-server", data={"run": str(generation.id), "confirm": hostname})
    assert started.status_code == 302
    twice = as_provider.post(f"{url}/restore-server", data={"run": str(generation.id), "confirm": hostname})
    assert twice.status_code == 400 and "A restore of this server is already running." in twice.get_data(as_text=True)
    run_backup_jobs(app)  # the job, on a real RQ worker

    [done] = server_restores(app)
    assert done.state == "done" and done.progress == 100, done.failure
    assert done.summary.startswith("2 homes, 1 mailboxes and 1 databases restored"), done.summary
    assert snapshot(site) == originals["site"] and snapshot(other) == originals["other"]
    assert snapshot(maildir) == originals["mail"]
    assert execute(engine, name, [], "SELECT id, label, body FROM items ORDER BY id") == rows
    after = snapshot(base / "cfg")
    kept = [k for k in config_before if not k.startswith("logs/")]
    assert {k: after.get(k) for k in kept} == {k: config_before[k] for k in kept}  # every file came back
    # and the configuration was applied again: checked by the real tools, whose logs go on
    assert after["logs/php-fpm8.2.log"].startswith(config_before["logs/php-fpm8.2.log"])
    assert len(after["logs/php-fpm8.2.log"]) > len(config_before["logs/php-fpm8.2.log"])
    assert key.read_bytes() == config_before["keys/site.key"]
    assert not (base / "cfg" / ".backup-dumps").exists()  # the dumps of the generation stay in it

    html = as_provider.get(url).get_data(as_text=True)
    assert f'id="server-restore-{done.id}" data-state="done"' in html and "100%" in html
    assert f"/admin/incidents/{incident_id}" in html
    with scoped_session(app, Scope.system()) as s:
        audited = s.execute(select(AuditLog.summary).where(AuditLog.action == "backup.restore_server")).scalars().all()
        assert len(audited) == 1 and hostname in audited[0]
        action = s.execute(select(RemediationAction).where(RemediationAction.incident_id == incident_id)).scalar_one()
        assert (action.level, action.kind, action.ok) == (3, "restore", True)
        lines = s.execute(select(IncidentEntry.detail).where(IncidentEntry.incident_id == incident_id,
                                                             IncidentEntry.kind == "restore")).scalars().all()
        assert len(lines) == 2 and "level 3" in lines[1] and "done" in lines[1]


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1]
