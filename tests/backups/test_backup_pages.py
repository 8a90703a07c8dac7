"""The backup pages: the provider sets a server's plan and runs it from the admin, sees the
generations; the reseller sees its customers' backup status; the end user restores a deleted file
from the panel into restored-<date>/ after a confirmation step (real borg, real RQ worker)."""
from __future__ import annotations

import os

from rq import SimpleWorker
from sqlalchemy import select

from tenants.backups.models import BackupRestore
from tenants.tenancy import Scope
from tests.backups.helpers import home, run_day, set_up_plan
from tests.support import scoped_session


def run_backup_jobs(app) -> None:
    from workers import queues

    with app.app_context():
        SimpleWorker([queues.queue("backups")], connection=queues.connection()).work(burst=True)


def test_provider_sets_the_plan_runs_it_and_sees_the_generation(app, world, local_server, as_provider, as_demo_operator):
    from tests.hosting.helpers import update_server_config
    from workers import queues

    queues.queue("backups").empty()
    update_server_config(app, world.server, mail_root=str(local_server / "mail"))
    as_provider.get("/lang/en")
    url = f"/admin/servers/{world.server}/backups"
    page = as_provider.get(url)
    assert page.status_code == 200 and "No backup yet." in page.get_data(as_text=True)
    bad = as_provider.post(url, data={"enabled": "y", "run_at": "25:00", "target_kind": "path",
                                      "target_path": "relative/path", "target_port": "22"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter a time of day such as 03:30." in html
    with scoped_session(app, Scope.system()) as s:
        from tenants.backups.plans import plan_for

        assert plan_for(s, world.server) is None  # nothing saved
    repo = local_server / "disk2" / "repo"
    saved = as_provider.post(url, data={"enabled": "y", "run_at": "02:30", "target_kind": "path",
                                        "target_path": str(repo), "target_port": "22"})
    assert saved.status_code == 302
    home(local_server, world.demo_customer).mkdir(parents=True)
    (home(local_server, world.demo_customer) / "index.html").write_text("hello\n")
    assert as_provider.post(f"{url}/run").status_code == 302
    run_backup_jobs(app)
    html = as_provider.get(url).get_data(as_text=True)
    assert 'data-state="ok"' in html and "Repository size" in html
    assert (repo / "config").is_file()

    as_demo_operator.get("/lang/en")
    status = as_demo_operator.get("/panel/backups").get_data(as_text=True)
    assert f'id="customer-{world.demo_customer}"' in status and ">ok<" in status
    assert f'id="customer-{world.acme_customer}"' not in status  # another reseller's customer


def test_end_user_restores_a_deleted_file_from_the_panel(app, world, local_server, as_taro):
    from workers import queues

    queues.queue("backups").empty()
    set_up_plan(app, world, local_server, local_server / "disk2" / "repo")
    site = home(local_server, world.demo_customer)
    (site / "public_html").mkdir(parents=True)
    original = os.urandom(50000)
    (site / "public_html" / "photo.jpg").write_bytes(original)
    assert "ok" in run_day(app, world, 0)
    os.remove(site / "public_html" / "photo.jpg")

    as_taro.get("/lang/en")
    page = as_taro.get("/u/demo/backups")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2026-12-02" in html
    entry_id = int(html.split('id="generation-')[1].split('"')[0])

    bad = as_taro.post("/u/demo/backups", data={"generation": entry_id, "path": "../../etc/passwd"})
    assert bad.status_code == 400 and "Enter a file or folder of your home" in bad.get_data(as_text=True)
    confirm = as_taro.post("/u/demo/backups", data={"generation": entry_id, "path": "public_html/photo.jpg"})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'id="restore-confirm"' in text and "restored-2026-12-02" in text
    with scoped_session(app, Scope.system()) as s:
        assert s.execute(select(BackupRestore)).first() is None  # nothing before the confirmation

    done = as_taro.post("/u/demo/backups", data={"generation": entry_id, "path": "public_html/photo.jpg",
                                                 "confirm": "yes"})
    assert done.status_code == 302
    run_backup_jobs(app)
    status = as_taro.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-state="done"' in status and "100%" in status
    assert (site / "restored-2026-12-02" / "public_html" / "photo.jpg").read_bytes() == original


def test_end_user_restores_a_database_into_a_new_one(app, world, local_server, as_taro, request):
    import re
    import secrets

    import psycopg
    import pymysql

    from tests.backups.helpers import drop_all, make_database
    from tests.backups.test_backup_runs import engine_for
    from tests.hosting.helpers import MARIADB, POSTGRES, run_jobs
    from tests.workers.drivers.test_local_databases import reachable
    from workers import queues

    engine = engine_for(request)
    reachable(engine)
    queues.queue("backups").empty()
    queues.queue("provisioning").empty()
    set_up_plan(app, world, local_server, local_server / "disk2" / "repo")
    made: list = []
    try:
        name, _user, _password = make_database(app, world, engine, made)
        assert "ok" in run_day(app, world, 0)
        as_taro.get("/lang/en")
        html = as_taro.get("/u/demo/backups").get_data(as_text=True)
        entry_id = int(html.split('id="generation-')[1].split('"')[0])
        new = f"copy{secrets.token_hex(3)}"
        form = {"generation": entry_id, "database": f"{engine} {name}", "name": new}
        confirm = as_taro.post("/u/demo/backups/database", data=form)
        assert confirm.status_code == 200 and 'id="database-confirm"' in confirm.get_data(as_text=True)
        done = as_taro.post("/u/demo/backups/database", data=form | {"confirm": "yes"})
        text = done.get_data(as_text=True)
        assert done.status_code == 200, text
        password = re.search(r'id="issued-password">([^<]+)<', text).group(1)
        new_name = f"u{world.demo_customer}_{new}"
        made.append((engine, new_name, new_name))
        run_jobs(app)  # the new database and its user
        run_backup_jobs(app)  # the dump loaded into it
        with scoped_session(app, Scope.system()) as s:
            row = s.execute(select(BackupRestore).where(BackupRestore.kind == "database_new")).scalar_one()
            assert row.state == "done", row.failure
        query = "SELECT id, label, body FROM items ORDER BY id"
        if engine == "mariadb":  # the new user logs in and reads the rows of that day
            conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=new_name, password=password,
                                   database=new_name)
            with conn.cursor() as cur:
                cur.execute(query)
                rows = [tuple(r) for r in cur.fetchall()]
            conn.close()
        else:
            with psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=new_name, password=password,
                                 dbname=new_name) as conn:
                rows = [tuple(r) for r in conn.execute(query).fetchall()]
        assert len(rows) == 300 and rows[0] == (1, "row 1", "x")
    finally:
        drop_all(made)
