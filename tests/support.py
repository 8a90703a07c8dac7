"""Helpers the tests share: service checks that fail in CI, logging in, the demo world's ids."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() == "true"
LOGIN_PATHS = {"provider": "/admin/login", "reseller": "/panel/login", "managed": "/managed/login"}


def require_service(ok: bool, what: str) -> None:
    """A test that needs a real service fails in CI when it is missing, and skips elsewhere."""
    if not ok:
        (pytest.fail if IN_CI else pytest.skip)(f"{what} is not available")


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def redis_test_url(tmp_dir):
    """The machine's Redis when it answers (a database of its own per test run, emptied first, so
    two runs on one machine never take each other's jobs), else an embedded one."""
    from redis import Redis

    from workers.embedded_redis import EmbeddedRedis, answers, redis_binary

    db = int(os.environ.get("PANEL_TEST_REDIS_DB", 1 + os.getpid() % 15))
    url = f"redis://127.0.0.1:6379/{db}"
    if answers(url):
        Redis.from_url(url).flushdb()
        return url, None
    require_service(redis_binary() is not None, "Redis (system or embedded)")
    embedded = EmbeddedRedis(tmp_dir).start()
    return embedded.url, embedded


def login(client, panel: str, login_id: str, password: str, code: str | None = None, follow=False):
    path = f"/u/{code}/" if panel == "enduser" else LOGIN_PATHS[panel]
    response = client.post(path, data={"login_id": login_id, "password": password}, follow_redirects=follow)
    if not follow:
        assert response.status_code == 302, f"login of {login_id} failed: {response.status_code}"
    return response


def demo_world(app) -> SimpleNamespace:
    from sqlalchemy import select

    from tenants.models import Course, Customer, Principal, Reseller, Server
    from tenants.tenancy import Scope

    with app.extensions["panel.sessions"]().bind_scope(Scope.system()) as s:
        r = {x.code: x.id for x in s.execute(select(Reseller)).scalars()}
        p = {x.login_id: x.id for x in s.execute(select(Principal)).scalars()}
        cust = {x.reseller_id: x.id for x in s.execute(select(Customer)).scalars()}
        course = {x.reseller_id: x.id for x in s.execute(select(Course)).scalars()}
        server = s.execute(select(Server.id)).scalar()
    return SimpleNamespace(
        demo=r["demo"], acme=r["acme"], principals=p, server=server,
        demo_customer=cust[r["demo"]], acme_customer=cust[r["acme"]],
        demo_course=course[r["demo"]], acme_course=course[r["acme"]],
    )


def scoped_session(app, scope):
    return app.extensions["panel.sessions"]().bind_scope(scope)


def processes(session: int) -> list[int]:
    """Live (not zombie) processes of a session, from /proc."""
    from workers.supervisor import in_session

    return in_session(session)


def descendants(pid: int) -> set[int]:
    """A process and every live process below it (by parent pid), from /proc."""
    from workers.supervisor import live_processes

    parents: dict[int, list[int]] = {}
    for child, parent, _session in live_processes():
        parents.setdefault(parent, []).append(child)
    found, todo = {pid}, [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    from pathlib import Path

    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(check, timeout: float, every: float = 0.2):
    """Poll check() until it returns something true (returned) or the time is up (None)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    return None


def start_worker(app, *args: str, log=None):
    """`flask --app app worker ARGS` as `make run` and production start it (a forking RQ worker),
    on the test's database, Redis and keys, in a session of its own; stop it with stop_session().
    Its output goes to the file `log` when given."""
    import subprocess
    import sys
    from pathlib import Path

    settings = app.config["SETTINGS"]
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               INSTANCE_PATH=str(settings.instance_path))
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", *args],
                                cwd=Path(__file__).resolve().parent.parent, env=env, start_new_session=True,
                                stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()


def stop_session(proc) -> None:
    """Kill a process started in a session of its own and everything left in that session."""
    import signal

    for pid in processes(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)
