"""`make run` end to end: migrate, seed, serve the three logins, start a worker and the scheduler
(and an embedded Redis when none answers), and leave nothing running after Ctrl-C."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_in_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def test_run_all_serves_the_panels_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'panel.db'}",
               REDIS_URL="redis://127.0.0.1:1/0")  # nothing answers there: the embedded Redis starts
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run-all", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, text=True)
    pgid = proc.pid
    try:
        pages = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(pages) < 3:
            for path in ("/admin/login", "/panel/login", "/u/demo/"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                        pages[path] = r.read().decode()
                except OSError:
                    time.sleep(0.5)
                    break
        assert len(pages) == 3, "the web app did not answer"
        assert "デモホスティング" in pages["/u/demo/"]
        time.sleep(2)  # let the worker and scheduler come up
        assert len(processes_in_group(pgid)) >= 5  # run-all, web, worker, scheduler, redis-server
        assert (tmp_path / "redis" / "redis.sock").exists()
    finally:
        os.killpg(pgid, signal.SIGINT)  # what Ctrl-C in the terminal does
        out, _ = proc.communicate(timeout=60)
    assert "Demo logins" in out and "Demo-Admin-2026" in out
    deadline = time.monotonic() + 10
    while processes_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in_group(pgid) == [], "a process was left running"
    assert not (tmp_path / "redis" / "redis.sock").exists()


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
