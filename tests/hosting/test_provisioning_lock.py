"""One job at a time applies a server, and its lock lives only as long as the job: a work horse
killed in the middle of an apply (kill -9) does not hold up the next change, and a job that finds
the server busy hands its work on instead of waiting for minutes. Real forking RQ workers
(`flask --app app worker`), real nginx behind a wrapper that the test can hold, as a slow server would."""
from __future__ import annotations

import os
import signal
import subprocess
import time

from sqlalchemy import select

from tenants.models import Domain
from tenants.tenancy import Scope
from tests.hosting.helpers import update_server_config
from tests.support import scoped_session, start_worker, stop_session, wait_for
from tests.workers.drivers.local_helpers import need_tool
from workers import queues

HELD_NGINX = """#!/bin/sh
# nginx, held while the file "hold" exists; says which process runs it
echo $PPID > {base}/running
while [ -e {base}/hold ]; do sleep 0.1; done
exec {nginx} "$@"
"""


def held_nginx(app, world, base):
    """The server's nginx -t waits while base/hold exists; base/running names the work horse."""
    wrapper = base / "held-nginx"
    wrapper.write_text(HELD_NGINX.format(base=base, nginx=need_tool("nginx")))
    wrapper.chmod(0o755)
    (base / "hold").touch()
    update_server_config(app, world.server, tools={"nginx": [str(wrapper)]})
    queues.connection().flushdb()  # nothing other tests left behind reaches these workers


def horse_running(base) -> int | None:
    try:
        return int((base / "running").read_text())
    except (OSError, ValueError):
        return None


def domain_states(app) -> dict[str, str]:
    with scoped_session(app, Scope.system()) as s:
        return {d.name: d.state for d in s.execute(select(Domain)).scalars()}


def test_a_work_horse_killed_mid_apply_does_not_hold_up_the_next_change(app, world, as_taro, local_server):
    held_nginx(app, world, local_server)
    as_taro.post("/u/demo/domains", data={"name": "first.example.jp"})
    worker = start_worker(app, log=local_server / "worker.log")
    try:
        horse = wait_for(lambda: horse_running(local_server), 30)
        assert horse, "the worker did not start the apply"
        os.kill(horse, signal.SIGKILL)  # the work horse dies holding the lock of this server
        killed = time.monotonic()
        (local_server / "hold").unlink()
        as_taro.post("/u/demo/domains", data={"name": "second.example.jp"})
        both = {"first.example.jp": "applied", "second.example.jp": "applied"}
        assert wait_for(lambda: domain_states(app) == both, 45), domain_states(app)
        assert time.monotonic() - killed < 45
    finally:
        stop_session(worker)
    assert (local_server / "cfg" / "sites" / "second.example.jp.conf").exists()


def test_a_change_that_finds_its_server_busy_is_handed_on_not_waited_for(app, world, as_taro, local_server):
    held_nginx(app, world, local_server)
    as_taro.post("/u/demo/domains", data={"name": "first.example.jp"})
    worker = start_worker(app, log=local_server / "worker.log")
    second = None
    try:
        assert wait_for(lambda: horse_running(local_server), 30), "the worker did not start the apply"
        as_taro.post("/u/demo/domains", data={"name": "second.example.jp"})
        # A second worker takes the queued jobs while the first apply holds this server.
        second = start_worker(app, "--burst", log=local_server / "second.log")
        try:
            second.wait(40)
        except subprocess.TimeoutExpired:
            raise AssertionError("the second worker sat waiting for the busy service") from None
        assert domain_states(app)["second.example.jp"] == "pending"
        (local_server / "hold").unlink()  # the slow apply ends; the handed-on change follows
        both = {"first.example.jp": "applied", "second.example.jp": "applied"}
        assert wait_for(lambda: domain_states(app) == both, 40), domain_states(app)
    finally:
        (local_server / "hold").unlink(missing_ok=True)
        stop_session(worker)
        if second is not None:
            stop_session(second)
    assert (local_server / "cfg" / "sites" / "second.example.jp.conf").exists()
