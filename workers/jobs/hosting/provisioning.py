"""Provisioning jobs: apply the wanted state saved by the panel through the server's driver.

Each job takes ids, opens its own session, builds the full wanted state of one service on one
server from the database (workers/jobs/wanted_state.py), applies it and records, per changed row,
``applied`` or ``failed`` (a plain reason for the end user, the driver's message for the provider;
only the rows of an item the driver left out fail, the others are applied). Running a job twice
gives the same result: the driver writes the same files and the rows are already marked. A row is
only marked if it has not changed again since the state was read (its revision); the later change
has its own job.
"""
from __future__ import annotations

from sqlalchemy import delete, select, update

from tenants.db import utcnow
from tenants.hosting import failures
from tenants.hosting.databases import open_password
from tenants.hosting.pending import pending_work
from tenants.hosting.suspension import is_stopped
from tenants.hosting.wanted import SERVICE_MODELS, SERVICES, Work
from tenants.models import Customer, Database, ProvisionState, Server
from workers import locks, queues, runtime
from workers.drivers import driver_for
from workers.drivers.host.spec import ApplyError, DatabaseSpec
from workers.jobs.hosting.wanted_state import APPLY, Failure, box, site_for
from workers.jobs.incidents.remediation import note_if_host_key_refused

APPLIED, FAILED = ProvisionState.APPLIED.value, ProvisionState.FAILED.value
HAND_ON_SECONDS = 10  # a job that found its server (or database) busy: its work is tried again after this


def _message(exc: ApplyError) -> str:
    return (str(exc) or exc.message)[:4000]


def _changed_rows(session, server_id: int, service: str):
    """(model, id, revision, deleting) of every row of the service on the server not yet applied."""
    out = []
    for model in SERVICE_MODELS[service]:
        stmt = (select(model.id, model.revision, model.deleting).join(Customer, Customer.id == model.customer_id)
                .where(Customer.server_id == server_id,
                       (model.state != APPLIED) | model.deleting.is_(True)))
        out += [(model, *row) for row in session.execute(stmt)]
    return out


def _record(session, rows, error: Failure | None, refused: dict | None = None) -> None:
    """Mark the changed rows; ``refused``: {(model, id): Failure} of the rows the driver left out."""
    refused = dict(refused or {})
    for model, row_id, revision, deleting in rows:
        same = (model.id == row_id, model.revision == revision)
        failure = error or refused.pop((model, row_id), None)
        if failure is not None:
            session.execute(update(model).where(*same).values(state=FAILED, **failure.columns()))
        elif deleting:
            session.execute(delete(model).where(*same))
        else:
            session.execute(update(model).where(*same).values(state=APPLIED, state_reason=None, state_detail=None,
                                                              applied_at=utcnow()))
    for (model, row_id), failure in refused.items():  # applied before, and no longer served
        if not failure.served:
            session.execute(update(model).where(model.id == row_id, model.state == APPLIED)
                            .values(state=FAILED, **failure.columns()))


def one_at_a_time(name: str):
    """A lock held across reading the wanted state and applying it, so two workers never apply
    an older state over a newer one (the driver's file lock only covers the write itself). It
    dies with its holder, and a job waits for it only a few seconds (workers/locks.py)."""
    return locks.held(queues.connection(), f"panel:provision:{name}")


def hand_on(job, *args) -> str:
    """Another job is applying this server (or database) and may have read the wanted state before
    this change was saved: the same work again in HAND_ON_SECONDS, unless a copy of it already
    waits (it reads the wanted state when it starts, so it covers this change too)."""
    if (queues.job_path(job), args) in queues.waiting("provisioning"):
        return f"busy; {job.__name__}{args} already waits in the queue"
    queues.enqueue_in(HAND_ON_SECONDS, job, *args, queue_name="provisioning")
    return f"busy; {job.__name__}{args} again in {HAND_ON_SECONDS} s"


def apply_service(server_id: int, service: str) -> str:
    """Apply one service's whole wanted state on one server; mark its changed rows."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    try:
        return _locked_apply_service(server_id, service)
    except locks.Busy:
        return hand_on(apply_service, server_id, service)


def locked_apply_service(server_id: int, service: str) -> str:
    """apply_service under the server's lock, now; locks.Busy when another job holds it."""
    return _locked_apply_service(server_id, service)


def _locked_apply_service(server_id: int, service: str) -> str:
    # One lock per server, not per service: the driver writes all of a server's services into one
    # configuration directory, one writer at a time (files.locked), so a job for another service
    # of a busy server hands its work on too instead of waiting for that directory.
    with one_at_a_time(f"server:{server_id}"):
        return _apply_service(server_id, service)


def _apply_service(server_id: int, service: str) -> str:
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        if server is None:
            return f"server {server_id} is gone; nothing to do"
        rows = _changed_rows(s, server_id, service)
        try:
            with driver_for(server, box()) as driver:  # one connection for the whole service
                detail, refused = APPLY[service](site_for(driver), s, server_id)
        except ApplyError as exc:  # also a server that cannot be reached: failed with the reason, retried later
            _record(s, rows, Failure(failures.NOT_APPLIED, _message(exc)))
            s.commit()
            note_if_host_key_refused(s, server_id, exc)
            return f"{service} on {server.hostname} failed: {_message(exc)}"
        _record(s, rows, None, refused)
        s.commit()
        return f"{service} on {server.hostname}: {detail}"


def apply_database(database_id: int) -> str:
    """Create (with the issued password), re-password or drop one database and its user."""
    try:
        return _locked_apply_database(database_id)
    except locks.Busy:
        return hand_on(apply_database, database_id)


def _locked_apply_database(database_id: int) -> str:
    with one_at_a_time(f"database:{database_id}"):
        return _apply_database(database_id)


def _apply_database(database_id: int) -> str:
    with runtime.job_session() as s:
        database = s.get(Database, database_id)
        if database is None:
            return f"database {database_id} is gone; nothing to do"
        customer = s.get(Customer, database.customer_id)
        server = s.get(Server, customer.server_id) if customer.server_id else None
        same = (Database.id == database.id, Database.revision == database.revision)
        try:
            if server is None:
                raise ApplyError("this customer has no server")
            if database.deleting:
                with driver_for(server, box()) as driver:
                    detail = driver.drop_database(DatabaseSpec(database.engine, database.name, database.db_user)).detail
                s.execute(delete(Database).where(*same))
                s.commit()
                return detail
            password = open_password(box(), database)
            spec = DatabaseSpec(database.engine, database.name, database.db_user, password)
            allowed = not is_stopped(customer.status)  # a stopped customer's user is locked
            if password is None:
                if database.state != APPLIED:
                    raise ApplyError(failures.PASSWORD_GONE)
                with driver_for(server, box()) as driver:  # applied before: only whether it may log in
                    return f"{database.name}: already applied; " + driver.allow_database_login(spec, allowed).detail
            with driver_for(server, box()) as driver:
                detail = driver.apply_database(spec).detail
                if not allowed:
                    detail += "; " + driver.allow_database_login(spec, allowed).detail
        except ApplyError as exc:
            reason = failures.PASSWORD_GONE if exc.message == failures.PASSWORD_GONE else failures.NOT_APPLIED
            s.execute(update(Database).where(*same).values(state=FAILED, **Failure(reason, _message(exc)).columns()))
            s.commit()
            if server is not None:
                note_if_host_key_refused(s, server.id, exc)
            return f"{database.name} failed: {_message(exc)}"
        # Applied: the panel forgets the password (the user was shown it once).
        s.execute(update(Database).where(*same).values(state=APPLIED, state_reason=None, state_detail=None,
                                                        applied_at=utcnow(), password_secret=None))
        s.commit()
        return detail


HOSTED = [model for models in SERVICE_MODELS.values() for model in models] + [Database]


def deprovision_customer(customer_id: int) -> str:
    """Remove everything a customer owns from its server, then from the database (the reseller's
    cancel feature calls this). Raises when something could not be removed or one of its services
    is being applied by another job (locks.Busy), so RQ retries."""
    with runtime.job_session() as s:
        customer = s.get(Customer, customer_id)
        if customer is None:
            return f"customer {customer_id} is gone; nothing to do"
        server_id = customer.server_id
        for model in HOSTED:
            s.execute(update(model).where(model.customer_id == customer_id)
                      .values(deleting=True, state=ProvisionState.PENDING.value, revision=model.revision + 1))
        database_ids = list(s.execute(select(Database.id).where(Database.customer_id == customer_id)).scalars())
        s.commit()
    if server_id is None:
        return _forget_all(customer_id)
    for database_id in database_ids:  # a busy lock raises Busy: RQ retries the removal
        _locked_apply_database(database_id)
    for service in SERVICES:
        _locked_apply_service(server_id, service)
    with runtime.job_session() as s:
        left = {model.__name__: n for model in HOSTED
                if (n := len(s.execute(select(model.id).where(model.customer_id == customer_id)).all()))}
    if left:
        raise RuntimeError(f"customer {customer_id}: not everything could be removed from the server: {left}")
    return f"customer {customer_id}: everything removed"


def _forget_all(customer_id: int) -> str:
    """No server holds anything of this customer: the rows only need to go."""
    with runtime.job_session() as s:
        for model in HOSTED:
            s.execute(delete(model).where(model.customer_id == customer_id))
        s.commit()
    return f"customer {customer_id}: nothing on a server; rows removed"


def job_of(work: Work):
    """The job that carries out one piece of provisioning work."""
    if work.kind == "certificate":
        from workers.jobs.hosting.certificates import issue_certificate  # it builds on this module

        return issue_certificate
    return apply_service if work.kind == "service" else apply_database


def enqueue_work(works, waiting: set | frozenset = frozenset()) -> list[str]:
    """Enqueue each piece of work once, but none that already waits in the queue (it reads the
    wanted state when it starts, so it covers this change too)."""
    enqueued, seen = [], set(waiting)
    for work in works:
        job = job_of(work)
        if (queues.job_path(job), work.args) in seen:
            continue
        seen.add((queues.job_path(job), work.args))
        queues.enqueue(job, *work.args, queue_name="provisioning")
        enqueued.append(f"{job.__name__}{work.args}")
    return enqueued


def sweep_pending() -> list[str]:
    """Every 5 minutes: enqueue again the apply of every change still pending that no waiting job
    will apply — its job was lost with Redis (the embedded Redis of `make run` keeps nothing), or
    its enqueue failed. Work already waiting in the queue is not enqueued twice."""
    with runtime.job_session() as s:
        work = pending_work(s)
    return enqueue_work(work, queues.waiting("provisioning"))
