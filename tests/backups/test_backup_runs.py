"""Backups with the real BorgBackup on a real repository in a temporary folder (issue 18): eight
daily runs keep exactly seven generations; a deleted file, a dropped database and a deleted
mailbox come back byte for byte / row for row; a corrupted repository and a full target fail with
a clear reason and an incident, and the earlier generations stay readable."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from sqlalchemy import select

from tenants.backups import restores
from tenants.backups.models import BackupEntry, BackupRestore
from tenants.incidents.models import Incident
from tenants.models import Domain, MailAccount
from tenants.tenancy import Scope
from tests.backups.helpers import (
    drop_all,
    drop_database_only,
    execute,
    home,
    make_database,
    run_day,
    runs,
    set_up_plan,
)
from tests.support import scoped_session
from tests.workers.drivers.test_local_databases import reachable


@pytest.fixture
def made():
    made: list = []
    yield made
    drop_all(made)


def engine_for(request) -> str:
    """Each database backend of the panel's own tests exercises one customer database engine."""
    return "mariadb" if request.node.callspec.params.get("database_url") == "sqlite" else "postgresql"


def mailbox(app, world, base) -> tuple[str, os.PathLike]:
    suffix = os.urandom(3).hex()
    with scoped_session(app, Scope.system()) as s:
        domain = Domain(reseller_id=world.demo, customer_id=world.demo_customer, name=f"bk{suffix}.example.jp",
                        docroot="public_html", state="applied")
        s.add(domain)
        s.flush()
        s.add(MailAccount(reseller_id=world.demo, customer_id=world.demo_customer, domain_id=domain.id,
                          local_part="info", password_hash="{ARGON2ID}x", state="applied"))
        s.commit()
    maildir = base / "mail" / f"bk{suffix}.example.jp" / "info"
    (maildir / "cur").mkdir(parents=True)
    (maildir / "cur" / "1700000000.M1.host:2,S").write_bytes(b"Subject: hello\r\n\r\n" + os.urandom(5000))
    return f"info@bk{suffix}.example.jp", maildir


def restore(app, world, kind: str, item: str, by: str = "provider") -> BackupRestore:
    from workers.jobs.backups.restore import restore_backup

    with scoped_session(app, Scope.system()) as s:
        entry = restores.generations_of(s, world.demo_customer)[0]
        row = restores.request_restore(s, None, entry, kind, item, by=by, confirmed=True)
        s.commit()
        row_id = row.id
    with app.app_context():
        restore_backup(row_id)
    with scoped_session(app, Scope.system()) as s:
        row = s.get(BackupRestore, row_id)
        s.expunge(row)
        return row


def snapshot(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_eight_days_keep_seven_generations_and_everything_comes_back(app, world, local_server, made, request):
    base = local_server
    engine = engine_for(request)
    reachable(engine)
    set_up_plan(app, world, base, base / "second-disk" / "repo")
    site = home(base, world.demo_customer)
    (site / "public_html").mkdir(parents=True)
    (site / "public_html" / "index.html").write_bytes(b"<h1>shop</h1>" + os.urandom(20000))
    (site / "docs").mkdir()
    (site / "docs" / "manual.pdf").write_bytes(os.urandom(100000))
    address, maildir = mailbox(app, world, base)
    name, _user, _password = make_database(app, world, engine, made)

    for day in range(8):
        (site / "public_html" / "today.txt").write_text(f"day {day}\n")
        assert "ok" in run_day(app, world, day)
    assert "already has a generation" in run_day(app, world, 7)  # one run per server per day

    done = runs(app, world)
    assert [r.state for r in done] == ["pruned"] + ["ok"] * 7
    listed = subprocess.run(["borg", "list", "--short", str(base / "second-disk" / "repo")], capture_output=True,
                            text=True, env={**os.environ, "BORG_PASSPHRASE": passphrase(app, world)}, check=True)
    assert listed.stdout.split() == [r.archive for r in done[1:]]
    assert done[-1].original_bytes > 100000 and done[-1].deduplicated_bytes < done[0].deduplicated_bytes

    originals = {"site": snapshot(site), "mail": snapshot(maildir)}
    rows = execute(engine, name, [], "SELECT id, label, body FROM items ORDER BY id")
    assert len(rows) == 300

    # the end user deletes a file, the database is dropped, the mailbox is deleted
    os.remove(site / "docs" / "manual.pdf")
    drop_database_only(engine, name)
    shutil.rmtree(maildir)

    got = restore(app, world, "files", "docs/manual.pdf", by="enduser")
    assert got.state == "done" and got.progress == 100 and got.into == f"restored-{done[-1].day}"
    assert (site / got.into / "docs" / "manual.pdf").read_bytes() == originals["site"]["docs/manual.pdf"]
    assert not (site / "docs" / "manual.pdf").exists()  # nothing overwritten or put back in place
    again = restore(app, world, "files", "docs", by="enduser")
    assert again.into == f"restored-{done[-1].day}-2"  # a second restore of that day: a new folder

    got = restore(app, world, "database", f"{engine} {name}")
    assert got.state == "done", got.failure
    assert execute(engine, name, [], "SELECT id, label, body FROM items ORDER BY id") == rows

    got = restore(app, world, "mailbox", address)
    assert got.state == "done", got.failure
    assert snapshot(maildir) == originals["mail"]

    got = restore(app, world, "site", "")
    assert got.state == "done" and (site / "docs" / "manual.pdf").read_bytes() == originals["site"]["docs/manual.pdf"]

    with scoped_session(app, Scope.system()) as s:
        from tenants.audit import AuditLog

        audited = s.execute(select(AuditLog.action).where(AuditLog.action == "backup.restore")).scalars().all()
        assert len(audited) == 5
        entry = s.execute(select(BackupEntry).where(BackupEntry.customer_id == world.demo_customer)
                          .order_by(BackupEntry.id.desc())).scalars().first()
        assert address in entry.mailbox_list and (engine, name) in entry.database_list


def passphrase(app, world) -> str:
    from tenants.backups.plans import open_secrets, plan_for

    with scoped_session(app, Scope.system()) as s:
        return open_secrets(app.extensions["panel.box"], plan_for(s, world.server))["passphrase"]


def incidents(app, world) -> list[Incident]:
    with scoped_session(app, Scope.system()) as s:
        rows = s.execute(select(Incident).where(Incident.server_id == world.server, Incident.subject == "backup"))
        return [r for r in rows.scalars()]


def test_corrupted_repository_fails_clearly_and_earlier_generations_stay_readable(app, world, local_server):
    base = local_server
    repo = base / "second-disk" / "repo"
    set_up_plan(app, world, base, repo)
    site = home(base, world.demo_customer)
    (site / "old").mkdir(parents=True)
    (site / "old" / "big.bin").write_bytes(os.urandom(400000))
    assert "ok" in run_day(app, world, 0)
    first = set(os.listdir(repo / "data" / "0"))
    (site / "new.txt").write_bytes(os.urandom(3000))
    assert "ok" in run_day(app, world, 1)
    older = max((p for p in (repo / "data" / "0").iterdir() if p.name in first), key=lambda p: p.stat().st_size)
    with open(older, "r+b") as handle:  # bit rot in a segment of the first day
        handle.seek(older.stat().st_size // 2)
        handle.write(b"\xff" * 64)

    assert "backup failed" in run_day(app, world, 2)
    failed = runs(app, world)[-1]
    assert failed.state == "failed" and "checking the repository" in failed.reason
    assert "checksum mismatch" in failed.reason or "integrity" in failed.reason.lower()
    opened = incidents(app, world)
    assert len(opened) == 1 and opened[0].status == "open" and "checking the repository" in opened[0].reason

    os.remove(site / "new.txt")
    got = restore(app, world, "files", "new.txt", by="enduser")  # the second day's generation is readable
    assert got.state == "done", got.failure
    assert (site / got.into / "new.txt").stat().st_size == 3000


def outage_notices(app, world, failed_at) -> int:
    """Run the incident cycle 11 minutes after the failure: the outage notice is queued (OEM spec
    障害連絡: 10 minutes) to the server's fault contacts."""
    from datetime import timedelta

    from tenants.models import OutboxMail, ResellerContact
    from workers.jobs.incidents.cycle import after_cycle

    with scoped_session(app, Scope.system()) as s:
        s.add(ResellerContact(reseller_id=world.demo, name="Demo NOC", email="noc@demo.example"))
        s.commit()
    with app.app_context():
        after_cycle(world.server, now=(failed_at + timedelta(minutes=11)).isoformat(), remediate=False)
    with scoped_session(app, Scope.system()) as s:
        return len(s.execute(select(OutboxMail).where(OutboxMail.server_id == world.server, OutboxMail.kind == "outage",
                                                      OutboxMail.recipient == "noc@demo.example")).scalars().all())


@pytest.fixture
def small_disk(tmp_path):
    """A real 2 MiB file system (tmpfs) standing for a backup disk that fills up."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs here (root needed): {done.stderr!r}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_target_fails_clearly_opens_an_incident_and_the_next_good_run_closes_it(app, world, local_server,
                                                                                    small_disk):
    base = local_server
    set_up_plan(app, world, base, small_disk / "repo")
    site = home(base, world.demo_customer)
    site.mkdir(parents=True)
    (site / "small.txt").write_bytes(b"kept\n" * 100)
    assert "ok" in run_day(app, world, 0)
    (site / "huge.bin").write_bytes(os.urandom(4 * 1024 * 1024))  # does not compress, does not fit

    assert "backup failed" in run_day(app, world, 1)
    failed = runs(app, world)[-1]
    assert failed.state == "failed" and "the backup target is full" in failed.reason
    assert [i.status for i in incidents(app, world)] == ["open"]
    assert outage_notices(app, world, failed.finished_at) >= 1  # notified like any other fault

    os.remove(site / "small.txt")
    got = restore(app, world, "files", "small.txt", by="enduser")  # the first generation is still readable
    assert got.state == "done", got.failure
    assert (site / got.into / "small.txt").read_bytes() == b"kept\n" * 100

    os.remove(site / "huge.bin")
    assert "ok" in run_day(app, world, 2)
    assert [i.status for i in incidents(app, world)] == ["closed"]
