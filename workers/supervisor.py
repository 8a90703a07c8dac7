"""`make run`: one command that starts Redis (when none answers), the web app, the RQ workers and
the one scheduler, and stops everything it started on Ctrl-C.

- Monitoring has a worker of its own (WORKERS), so checks and the incident sweep never wait behind
  a slow provisioning job; the production lines in the README start the same pair.
- An embedded Redis that dies is started again, with the workers and the scheduler (their Redis
  state went with it); the scheduler then runs the provisioning sweep at once, which enqueues
  again every change still pending, so what was queued is not lost. If it keeps dying, everything
  stops with a message.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from workers.embedded_redis import EmbeddedRedis, answers
from workers.queues import QUEUES

# The workers of `make run` and of production: monitoring alone, and one for everything else.
WORKERS = (("monitoring",), tuple(q for q in QUEUES if q != "monitoring"))
STOP_SECONDS = 10    # after Ctrl-C: what is left is killed
REDIS_RESTARTS = 3   # an embedded Redis that dies this often within REDIS_WINDOW stops `make run`
REDIS_WINDOW = 60


class Child:
    """One command `make run` runs."""

    def __init__(self, name: str, argv: list[str], env: dict, uses_redis: bool = True):
        self.name, self.argv, self.env, self.uses_redis = name, argv, env, uses_redis
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Child":
        self.proc = subprocess.Popen(self.argv, env=self.env)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def stop(children: list[Child]) -> None:
    """Ask the children to stop; kill those still running after STOP_SECONDS."""
    for child in children:
        if child.running():
            child.proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children:
        if child.proc is None:
            continue
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.proc.kill()
            child.proc.wait()


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
    children = [Child(f"worker ({', '.join(queues)})", flask + ["worker", "--queues", ",".join(queues)], env)
                for queues in WORKERS]
    children += [Child("scheduler", flask + ["scheduler"], env),
                 Child("web", web + ["run", "--host", host, "--port", str(port), "--no-reload"], env,
                       uses_redis=False)]
    stopping = False

    def request_stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    redis_deaths: list[float] = []
    try:
        for child in children:
            child.start()
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
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(children)
        if redis is not None:
            redis.stop()
        echo("Stopped.")
    return 0
