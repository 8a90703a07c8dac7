"""Redis and the RQ queues: the connection, the queue names, and enqueueing a job function with the
house retry rule. Panels and the scheduler do not come here: they use workers/api.py."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlparse

from redis import Redis
from rq import Queue, Retry
from rq.job import Job

from workers import runtime

QUEUES = ("provisioning", "monitoring", "notifications", "billing", "backups", "default")


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


def retry(retries: int = 3) -> Retry:
    return Retry(max=retries, interval=[10, 60, 300])


def enqueue(job: Callable, *args, queue_name: str = "default", job_id: str | None = None,
            retries: int = 3, **kwargs) -> Job:
    """Enqueue a job function. Jobs are safe to run twice, so a retried job after a lost worker does
    no harm."""
    return queue(queue_name).enqueue(job, *args, job_id=job_id, retry=retry(retries), **kwargs)


def enqueue_in(seconds: float, job: Callable, *args, queue_name: str = "default", retries: int = 3) -> Job:
    """Enqueue a job function after `seconds`; a worker's scheduler (every
    `flask --app app worker` runs one) moves it to its queue when the time has come."""
    return queue(queue_name).enqueue_in(timedelta(seconds=seconds), job, *args, retry=retry(retries))


def job_path(func) -> str:
    """A job function's dotted path, as RQ records it (Job.func_name)."""
    return f"{func.__module__}.{func.__qualname__}"


def waiting(queue_name: str) -> set[tuple[str | None, tuple]]:
    """(dotted path, args) of every job of the queue that has not started yet: queued, or waiting
    for its time (a retry, a deferral). Such a job reads the database when it starts, so it also
    covers every change saved before then."""
    q = queue(queue_name)
    ids = q.get_job_ids() + q.scheduled_job_registry.get_job_ids()
    return {(job.func_name, tuple(job.args)) for job in Job.fetch_many(ids, connection=q.connection) if job}
