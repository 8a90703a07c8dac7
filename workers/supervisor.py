"""`make run`: one command that starts Redis (when none answers), the web app, the RQ workers and
the one scheduler, and stops everything it started on Ctrl-C. Monitoring has a worker of its own
(WORKERS), so checks and the incident sweep never wait behind a slow provisioning job; the
production lines in the README start the same pair."""
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
    children: list[subprocess.Popen] = []
    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        workers = [flask + ["worker", "--queues", ",".join(queues)] for queues in WORKERS]
        for argv in (*workers, flask + ["scheduler"],
                     web + ["run", "--host", host, "--port", str(port), "--no-reload"]):
            children.append(subprocess.Popen(argv, env=env))
        echo(f"\n  Open http://{host}:{port}/   (Ctrl-C stops web, workers, scheduler"
             f"{' and Redis' if redis else ''})\n")
        while not stopping:
            if any(c.poll() is not None for c in children):
                echo("A process stopped; stopping the others.")
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if redis is not None:
            redis.stop()
        echo("Stopped.")
    return 0
