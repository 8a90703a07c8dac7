"""`make run` end to end: migrate, seed, serve the three logins, start the workers and the scheduler
(and an embedded Redis when none answers); monitoring has a worker of its own, so it never waits
behind provisioning; an embedded Redis that dies is started again and the changes whose jobs it
lost are applied; and nothing it started is left running after Ctrl-C, even in the middle of a job."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from redis import Redis
from rq import Queue

from tests.support import alive, demo_world, descendants, scoped_session, wait_for

ROOT = Path(__file__).resolve().parent.parent
PANELS = ("/admin/login", "/panel/login", "/u/demo/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def get(port: int, path: str) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.read().decode()
    except OSError:
        return None


@contextmanager
def make_run(tmp_path):
    """`flask --app app run-all` with nothing answering at REDIS_URL (so its own Redis starts), until
    the panels answer; on leaving, Ctrl-C as the terminal sends it. run.seen collects every process
    it started (run.look() adds the ones running now); run.output() is what it printed."""
    port, log = free_port(), tmp_path / "run-all.log"
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'panel.db'}",
               REDIS_URL="redis://127.0.0.1:1/0")  # nothing answers there: the embedded Redis starts
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run-all", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    run = SimpleNamespace(proc=proc, port=port, seen=set(), database_url=env["DATABASE_URL"],
                          socket=tmp_path / "redis" / "redis.sock", output=lambda: log.read_text())
    run.look = lambda: run.seen.update(descendants(proc.pid))
    run.redis = Redis(unix_socket_path=str(run.socket))
    try:
        assert wait_for(lambda: get(port, PANELS[0]), 90), f"the web app did not answer: {run.output()}"
        run.look()
        yield run
    finally:
        run.look()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            proc.wait(60)
        finally:
            left = wait_for(lambda: not any(alive(pid) for pid in run.seen), 15)
            for pid in run.seen:  # never leave a process of this test behind, whatever happened
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
        run.stopped_cleanly = bool(left)


def test_run_all_serves_the_panels_and_ctrl_c_stops_everything(tmp_path):
    with make_run(tmp_path) as run:
        pages = {path: wait_for(lambda: get(run.port, path), 30) for path in PANELS}
        assert all(pages.values()), "the web app did not answer"
        assert "デモホスティング" in pages["/u/demo/"]
        time.sleep(2)  # let the workers and scheduler come up
        run.look()
        assert len(run.seen) >= 5  # run-all, web, worker(s), scheduler, redis-server
        assert run.socket.exists()
    assert "Demo logins" in run.output() and "Demo-Admin-2026" in run.output()
    assert run.stopped_cleanly, "a process was left running"
    assert not run.socket.exists()


def test_monitoring_runs_while_a_provisioning_job_is_busy(tmp_path):
    from workers.jobs.incidents.cycle import sweep

    with make_run(tmp_path) as run:
        # A provisioning job on a slow server (here: one that takes 45 s) ...
        slow = Queue("provisioning", connection=run.redis).enqueue("time.sleep", 45, job_timeout=120)
        assert wait_for(lambda: slow.get_status(refresh=True) == "started", 30)
        # ... does not hold up the incident sweep, which must run every minute.
        check = Queue("monitoring", connection=run.redis).enqueue(sweep)
        assert wait_for(lambda: check.get_status(refresh=True) == "finished", 20), check.get_status(refresh=True)
        assert slow.get_status(refresh=True) == "started"


def test_stopping_in_the_middle_of_a_job_leaves_no_process_behind(tmp_path):
    with make_run(tmp_path) as run:
        job = Queue("provisioning", connection=run.redis).enqueue("time.sleep", 120, job_timeout=300)
        assert wait_for(lambda: job.get_status(refresh=True) == "started", 30)
        time.sleep(0.5)
        run.look()  # with the work horse running the job
        started = time.monotonic()
    assert run.stopped_cleanly, "a process was left running"
    assert time.monotonic() - started < 30
    assert not run.socket.exists()


def test_an_embedded_redis_that_dies_is_started_again_and_the_lost_changes_are_applied(tmp_path):
    from sqlalchemy import select

    from app import create_app
    from tenants.hosting.domains import create_domain
    from tenants.models import Customer, Domain
    from tenants.tenancy import Scope

    with make_run(tmp_path) as run:
        app = create_app({"DATABASE_URL": run.database_url, "INSTANCE_PATH": str(tmp_path),
                          "REDIS_URL": f"unix://{run.socket}"})
        with scoped_session(app, Scope.system()) as s:  # a change saved just before Redis died with its job
            create_domain(s, None, s.get(Customer, demo_world(app).demo_customer), "lost.example.jp")
            s.commit()
        (redis,) = [pid for pid in run.seen if alive(pid) and b"redis-server" in cmdline(pid)]
        os.kill(redis, signal.SIGKILL)

        def answers_again():
            try:
                return run.redis.ping()
            except Exception:
                return False
        assert wait_for(answers_again, 20), run.output()

        def applied():
            with scoped_session(app, Scope.system()) as s:
                return s.execute(select(Domain.state).where(Domain.name == "lost.example.jp")).scalar() == "applied"
        assert wait_for(applied, 45), run.output()
        app.extensions["panel.engine"].dispose()
        run.look()
    config = tmp_path / "local-server" / "config"
    assert (config / "sites" / "lost.example.jp.conf").exists() and (config / "dns" / "lost.example.jp.zone").exists()
    assert "Redis stopped" in run.output()
    assert run.stopped_cleanly, "a process was left running"


def test_the_served_app_keeps_its_start_up_objects_out_of_the_garbage_collector(tmp_path):
    """The web process's app (serving_app) freezes what start-up made, so a full collection walks
    only what requests create; create_app alone (tests) freezes nothing."""
    script = ("import gc, sys; from app import create_app, serving_app; "
              "create_app(); before = gc.get_freeze_count(); serving_app(); "
              "print(before, gc.get_freeze_count(), len(gc.get_objects()))")
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'panel.db'}")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    before, frozen, still_tracked = map(int, out)
    assert before == 0
    assert frozen > 50_000 and still_tracked < frozen // 5


def test_make_run_monitors_the_demo_server_and_its_first_cycle_finds_everything_up(tmp_path):
    """A newcomer's monitoring board is live: the demo server is monitored on the panel's own port
    (and ping, MariaDB, PostgreSQL as they answer here), and the first cycle marks them up."""
    from sqlalchemy import select

    from app import create_app
    from tenants.models import MonitoredEndpoint
    from tenants.tenancy import Scope
    from tests.support import login

    with make_run(tmp_path) as run:
        app = create_app({"DATABASE_URL": run.database_url, "INSTANCE_PATH": str(tmp_path),
                          "REDIS_URL": f"unix://{run.socket}", "TESTING": True, "WTF_CSRF_ENABLED": False})

        def all_up():
            with scoped_session(app, Scope.system()) as s:
                found = {e.label: e.state.state if e.state else "unknown"
                         for e in s.execute(select(MonitoredEndpoint)).scalars()}
            return found if found and set(found.values()) == {"up"} else None
        states = wait_for(all_up, 90)
        assert states and f"http:{run.port}" in states and "icmp" in states, run.output()
        admin = app.test_client()
        login(admin, "provider", "admin", "Demo-Admin-2026")
        board = admin.get("/admin/monitoring").get_data(as_text=True)
        assert f"http:{run.port}" in board and 'class="state-down"' not in board
        app.extensions["panel.engine"].dispose()
        run.look()
    assert f"monitored on http:{run.port} (this panel)" in run.output()
    assert run.stopped_cleanly, "a process was left running"
