"""The small enqueue API the panels use: name a job by its dotted path, never import its internals."""
from __future__ import annotations

from urllib.parse import urlparse

from redis import Redis
from rq import Queue, Retry

from workers import runtime

QUEUES = ("provisioning", "monitoring", "notifications", "billing", "default")


def redis_from_url(url: str) -> Redis:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return Redis(unix_socket_path=parsed.path)
    return Redis.from_url(url)


def connection() -> Redis:
    return redis_from_url(runtime.settings().redis_url)


def queue(name: str = "default", conn: Redis | None = None) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=conn or connection())


def enqueue(job_path: str, *args, queue_name: str = "default", job_id: str | None = None,
            retries: int = 3, **kwargs):
    """Enqueue a job by its dotted path (e.g. "workers.jobs.housekeeping.prune_login_attempts").
    Jobs are safe to run twice, so a retried job after a lost worker does no harm."""
    return queue(queue_name).enqueue(job_path, *args, job_id=job_id, retry=Retry(max=retries, interval=[10, 60, 300]),
                                     **kwargs)
