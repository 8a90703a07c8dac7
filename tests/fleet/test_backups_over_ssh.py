"""Backups of a server the panel reaches over SSH (issue 18): borg runs on host A through its SSH
transport, first into a folder of A (its second disk), then onto host B as the backup server
(``borg serve`` behind a forced command, only A's key, B's host key pinned); a deleted file comes
back byte for byte from either."""
from __future__ import annotations

import os

from sqlalchemy import select

from tenants.backups import restores
from tenants.backups.models import BackupRestore, BackupRun
from tenants.backups.plans import save_plan
from tenants.models import Server
from tenants.servers.ssh_keys import generate_key_pair
from tenants.tenancy import Scope
from tests.fleet.conftest import update_config
from tests.support import scoped_session


def _plan(app, server_id: int, data: dict) -> None:
    with scoped_session(app, Scope.system()) as s:
        save_plan(s, None, app.extensions["panel.box"], s.get(Server, server_id), {"enabled": True, **data})
        s.commit()


def _run_and_restore(app, world, server_id: int, site, day: int) -> BackupRestore:
    from workers.jobs.backups.restore import restore_backup
    from workers.jobs.backups.run import run_backup

    with app.app_context():
        result = run_backup(server_id, f"2026-12-0{day}T18:00:00+00:00")
    assert "ok" in result, result
    os.remove(site / "public_html" / "index.html")
    with scoped_session(app, Scope.system()) as s:
        entry = restores.generations_of(s, world.demo_customer)[0]
        row = restores.request_restore(s, None, entry, "files", "public_html/index.html", by="enduser", confirmed=True)
        s.commit()
        row_id = row.id
    with app.app_context():
        restore_backup(row_id)
    with scoped_session(app, Scope.system()) as s:
        row = s.get(BackupRestore, row_id)
        s.expunge(row)
        return row


def test_backup_of_an_ssh_server_to_its_second_disk_and_to_a_backup_server(app, world, fleet):
    a, b = fleet.a, fleet.b
    update_config(app, fleet.server_a, mail_root=str(a.root / "mail"))
    site = a.root / "homes" / str(world.demo_customer)
    (site / "public_html").mkdir(parents=True)
    original = os.urandom(30000)
    (site / "public_html" / "index.html").write_bytes(original)

    _plan(app, fleet.server_a, {"target_kind": "path", "target_path": str(a.root / "disk2" / "repo")})
    got = _run_and_restore(app, world, fleet.server_a, site, 1)
    assert got.state == "done", got.failure
    assert (site / got.into / "public_html" / "index.html").read_bytes() == original
    assert (a.root / "disk2" / "repo" / "config").is_file()

    # host B as the backup server: A's own key may run only `borg serve` below /…/backups there
    private, public = generate_key_pair("backup a->b")
    store = b.root / "backups"
    b.authorized.append(f'from="{a.address}",command="borg serve --restrict-to-path {store}",restrict {public}')
    (b.ssh_dir / "authorized_keys").write_text("\n".join(b.authorized) + "\n")
    (site / "public_html" / "index.html").write_bytes(original)
    _plan(app, fleet.server_a, {"target_kind": "ssh", "target_host": b.address, "target_user": "root",
                                "target_port": 22, "target_path": str(store / "a"),
                                "secrets": {"ssh_key": private, "known_hosts": f"{b.address} {b.host_key}\n"}})
    got = _run_and_restore(app, world, fleet.server_a, site, 2)
    assert got.state == "done", got.failure
    assert (site / got.into / "public_html" / "index.html").read_bytes() == original
    assert (store / "a" / "config").is_file()  # the repository is on B
    with scoped_session(app, Scope.system()) as s:
        states = s.execute(select(BackupRun.state).where(BackupRun.server_id == fleet.server_a)).scalars().all()
        assert states == ["ok", "ok"]


def test_whole_server_restore_over_ssh(app, world, fleet):
    from tenants.backups import server_restore
    from tenants.backups.models import BackupServerRestore
    from workers.jobs.backups.restore_server import restore_server
    from workers.jobs.backups.run import run_backup

    a = fleet.a
    update_config(app, fleet.server_a, mail_root=str(a.root / "mail"))
    site = a.root / "homes" / str(world.demo_customer)
    (site / "public_html").mkdir(parents=True)
    original = os.urandom(30000)
    (site / "public_html" / "index.html").write_bytes(original)
    _plan(app, fleet.server_a, {"target_kind": "path", "target_path": str(a.root / "disk2" / "repo")})
    with app.app_context():
        assert "ok" in run_backup(fleet.server_a, "2026-12-01T18:00:00+00:00")
    os.remove(site / "public_html" / "index.html")

    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, fleet.server_a)
        run = s.execute(select(BackupRun).where(BackupRun.server_id == server.id)).scalar_one()
        row = server_restore.request_server_restore(s, None, server, run, server.hostname)
        s.commit()
        row_id = row.id
    with app.app_context():
        restore_server(row_id)
    with scoped_session(app, Scope.system()) as s:
        done = s.get(BackupServerRestore, row_id)
        assert done.state == "done", done.failure
        assert done.summary.startswith("1 homes, 0 mailboxes and 0 databases"), done.summary
    assert (site / "public_html" / "index.html").read_bytes() == original
