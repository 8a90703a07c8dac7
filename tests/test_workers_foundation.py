"""The worker side of the foundation: jobs run by a real RQ worker on the real Redis, the one
scheduler's registrations, and the embedded Redis that `make run` starts when none answers."""
import ast
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from tenants.db import utcnow
from tenants.models import LoginAttempt
from tenants.tenancy import Scope
from tests.support import require_service, scoped_session
from workers import queues
from workers.embedded_redis import EmbeddedRedis, answers, bundled_redis_binary
from workers.jobs import housekeeping
from workers.schedule import PERIODIC, build_scheduler


def test_an_enqueued_job_runs_on_a_real_worker(app):
    with scoped_session(app, Scope.system()) as s:
        s.add_all([LoginAttempt(realm="operator", login_id="old", address="a", at=utcnow() - timedelta(days=40)),
                   LoginAttempt(realm="operator", login_id="new", address="a", at=utcnow())])
        s.commit()
    job = queues.enqueue(housekeeping.prune_login_attempts, 30)
    SimpleWorker([queues.queue("default")], connection=queues.connection()).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == 1
    with scoped_session(app, Scope.system()) as s:
        assert s.scalars(select(LoginAttempt.login_id)).all() == ["new"]


def test_unknown_queue_is_refused(app):
    with pytest.raises(ValueError):
        queues.queue("nope")


def test_a_worker_takes_only_known_queues(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "--queues", "monitoring,nope", "--burst"])
    assert result.exit_code == 2 and "unknown: nope" in result.output


def test_scheduler_registers_every_periodic_job(app):
    scheduler = build_scheduler(queues.connection())
    registered = {job.name for job in scheduler.get_jobs()}
    assert registered == {queues.job_path(job) for job, *_ in PERIODIC}


def test_heartbeat_job_writes_to_redis(app):
    from workers.jobs.housekeeping import heartbeat

    stamp = heartbeat()
    assert queues.connection().get("panel:heartbeat").decode() == stamp


@pytest.mark.parametrize("which", ["system", "bundled"])
def test_embedded_redis_starts_on_a_socket_and_stops_cleanly(tmp_path, which):
    binary = bundled_redis_binary() if which == "bundled" else shutil.which("redis-server")
    require_service(binary is not None, f"{which} redis-server")
    redis = EmbeddedRedis(tmp_path, binary=binary).start()
    try:
        assert answers(redis.url)
        pid = redis.proc.pid
    finally:
        redis.stop()
    assert not answers(redis.url)
    assert not redis.socket.exists()
    assert redis.proc.poll() is not None and pid > 0


def test_only_the_outbox_sends_mail():
    """One sender: no module but workers/jobs/outbox.py speaks SMTP to send mail (the monitoring
    probes speak SMTP to check servers, which sends nothing)."""
    root = Path(__file__).resolve().parent.parent
    code = [root / "app.py", *(p for top in ("tenants", "panel", "enduser", "web", "workers", "seed")
                               for p in (root / top).rglob("*.py"))]
    senders = set()
    for path in code:
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if not rel.startswith("workers/probes/") and any(n.split(".")[0] == "smtplib" for n in names):
                senders.add(rel)
    assert senders == {"workers/jobs/outbox.py"}
