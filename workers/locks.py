"""Locks that die with their holder.

A job that must run alone (e.g. applying one service on one server) holds a Redis lock with a short
time-to-live, and a thread of the holder renews it while the job runs. When the holder dies in any
way — its work horse killed (kill -9, the out-of-memory killer), its worker or machine lost — nobody
renews the lock and it is free again within TTL_SECONDS. We chose this over a lock keyed to the RQ
job that RQ's failure handling clears: that handling runs only for a horse whose worker survives
it (a lost worker's jobs wait for the abandoned-job cleanup, minutes later), and a lock that
expires on its own also serves a job run outside RQ (`flask shell`, tests).

A job does not sit blocked on a busy lock: it waits at most WAIT_SECONDS, then ``Busy`` tells it
to hand its work on (see workers/jobs/provisioning.py) instead of occupying a worker for minutes.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import LockError, RedisError

TTL_SECONDS = 20   # how long a lock outlives a holder that died
WAIT_SECONDS = 5   # how long a job waits for a busy lock

log = logging.getLogger(__name__)


class Busy(Exception):
    """Another live holder has the lock."""


@contextmanager
def held(conn: Redis, name: str, ttl: float = TTL_SECONDS, wait: float = WAIT_SECONDS):
    """Hold the lock `name` for the block, renewed every ttl/3 seconds; Busy after `wait` seconds."""
    # thread_local=False: the renewing thread must see the token the job's thread acquired with.
    lock = conn.lock(name, timeout=ttl, blocking_timeout=wait, thread_local=False)
    if not lock.acquire():
        raise Busy(name)
    done = threading.Event()

    def renew() -> None:
        while not done.wait(ttl / 3):
            try:
                lock.reacquire()
            except LockError:  # expired while Redis could not be reached: someone else may hold it now
                log.warning("lock %s was lost while its job was still running", name)
                return
            except RedisError as exc:  # try again at the next beat, before the TTL runs out
                log.warning("could not renew lock %s: %s", name, exc)

    renewer = threading.Thread(target=renew, name=f"renew {name}", daemon=True)
    renewer.start()
    try:
        yield lock
    finally:
        done.set()
        renewer.join()
        try:
            lock.release()
        except (LockError, RedisError):  # already expired, or Redis is gone: it expires by itself
            pass
