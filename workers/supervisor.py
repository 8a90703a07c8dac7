"""`make run`: one command that starts Redis (when none answers), the web app, the RQ workers and
the one scheduler, and stops everything it started on Ctrl-C.

- Monitoring has a worker of its own (WORKERS), so checks and the incident sweep never wait behind
  a slow provisioning job; the production lines in the README start the same pair.
- An embedded Redis that dies is started again, with the workers and the scheduler (their Redis
  state went with it); the scheduler then runs the provisioning sweep at once, which enqueues
  again every change still pending, so what was queued is not lost. If it keeps dying, everything
  stops with a message.
- The demo server's sites are served for real (workers/demo_sites.py): nginx on port 8081 and
  PHP-FPM, started once the provisioning jobs wrote their configuration.
- Each child runs in a session of its own, and stopping ends every process of that session: a
  worker's work horse (RQ forks it into a process group of its own) and whatever a job started
  included. Ctrl-C asks each child to stop (a worker finishes its job); after WARM_SECONDS a worker
  still busy is told to stop at once (RQ's cold shutdown kills its horse), and after STOP_SECONDS
  whatever is left is killed.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from workers.demo_sites import DemoSites
from workers.embedded_redis import EmbeddedRedis, answers
from workers.queues import QUEUES

# The workers of `make run` and of production: monitoring alone, and one for everything else.
WORKERS = (("monitoring",), tuple(q for q in QUEUES if q != "monitoring"))
WARM_SECONDS = 5     # after Ctrl-C: time for the children to stop by themselves
STOP_SECONDS = 10    # after Ctrl-C: everything left is killed
REDIS_RESTARTS = 3   # an embedded Redis that dies this often within REDIS_WINDOW stops `make run`
REDIS_WINDOW = 60
WEB_START_SECONDS = 30  # the workers and the scheduler start once the web app answers (or after this)


def live_processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, session id) of every live (not zombie) process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                found.append((int(entry.name), int(fields[1]), int(fields[3])))
    return found


def in_session(sid: int) -> list[int]:
    """Live processes of a session."""
    return [pid for pid, _parent, session in live_processes() if session == sid]


class Child:
    """One command `make run` runs, in a session of its own (its pid is the session's id)."""

    def __init__(self, name: str, argv: list[str], env: dict, uses_redis: bool = True):
        self.name, self.argv, self.env, self.uses_redis = name, argv, env, uses_redis
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Child":
        self.proc = subprocess.Popen(self.argv, env=self.env, start_new_session=True)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        """Signal the child's own process group (as Ctrl-C in its own terminal would)."""
        if self.proc is not None and self.running():
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def kill_session(self) -> None:
        """Kill every process left in the child's session, then collect the child."""
        if self.proc is None:
            return
        for pid in in_session(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()


def stop(children: list[Child]) -> None:
    """Stop the children: ask, then insist (a busy RQ worker kills its horse), then kill."""
    started = time.monotonic()
    for child in children:
        child.signal(signal.SIGINT)
    _wait(children, started + WARM_SECONDS)
    for child in children:
        child.signal(signal.SIGTERM)  # a second signal: RQ's cold shutdown
    _wait(children, started + STOP_SECONDS)
    for child in children:
        child.kill_session()


def _wait(children: list[Child], deadline: float) -> None:
    while any(c.running() for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)


def _wait_for_port(child: Child, host: str, port: int, seconds: float) -> bool:
    """Wait until the child accepts connections on the port (or has stopped, or time is up)."""
    address = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and child.running():
        try:
            with socket.create_connection((address, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def run_all(settings, host: str = "127.0.0.1", port: int = 5000, echo=print) -> int:
    env = dict(os.environ)
    redis = None
    if not answers(settings.redis_url):
        redis = EmbeddedRedis(settings.instance_path).start()
        env["REDIS_URL"] = redis.url
        echo(f"Started an embedded Redis at {redis.url}")
    env.setdefault("INSTANCE_PATH", str(settings.instance_path))
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    web = [sys.executable, "-m", "flask", "--app", "app:serving_app()"]
    # The web app first: the scheduler's first monitoring cycle (at once) then finds it answering.
    children = [Child("web", web + ["run", "--host", host, "--port", str(port), "--no-reload"], env,
                      uses_redis=False)]
    children += [Child(f"worker ({', '.join(queues)})", flask + ["worker", "--queues", ",".join(queues)], env)
                 for queues in WORKERS]
    children += [Child("scheduler", flask + ["scheduler"], env)]
    stopping = False

    def request_stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGHUP, request_stop)
    redis_deaths: list[float] = []
    sites = DemoSites(Path(settings.instance_path).resolve() / "local-server" / "config", echo)
    try:
        for child in children:
            child.start()
            if child.name == "web":
                _wait_for_port(child, host, port, WEB_START_SECONDS)
        echo(f"\n  Open http://{host}:{port}/   (Ctrl-C stops web, workers, scheduler"
             f"{' and Redis' if redis else ''})\n")
        while not stopping:
            if redis is not None and not redis.running():
                redis_deaths = [t for t in redis_deaths if t > time.monotonic() - REDIS_WINDOW] + [time.monotonic()]
                if len(redis_deaths) >= REDIS_RESTARTS:
                    echo("The embedded Redis keeps stopping; stopping everything.")
                    break
                echo("The embedded Redis stopped: starting it again with the workers and the scheduler. "
                     "Its queued jobs are gone; the provisioning sweep enqueues the pending changes again.")
                redis.start()
                users = [c for c in children if c.uses_redis]
                stop(users)
                for child in users:
                    child.start()
                continue
            gone = next((c for c in children if not c.running()), None)
            if gone is not None:
                echo(f"The {gone.name} stopped; stopping the others.")
                break
            sites.poll()  # the demo server's nginx and php-fpm, once their configuration is written
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop short
        echo(f"Stopping (at most {STOP_SECONDS} s)...")
        stop(children)
        sites.stop()
        if redis is not None:
            redis.stop()
        echo("Stopped.")
    return 0
