"""The mass-mail lock job (OEM spec 障害レベル1: メール大量送信の場合はアカウントロック).

scan_server(server_id)  reads what is new in the server's postfix log, on that server through its
                        driver (this machine or SSH), through its cursor: the position survives
                        log rotation (``mail.log.1`` or ``maillog-20261224``), counts messages per sending account in
                        sliding hours, and locks every account over its course's threshold: the
                        lock row with its evidence, the reseller's fault contacts and the end user
                        told (through the outbox). The MTA refuses the account's mail once
                        provisioning writes ``tenants.mass_mail_lock.locked_senders`` into the
                        sender access map.
scan_all()              every few minutes, for every mail server.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.db import utcnow
from tenants.hosting.wanted import Work
from tenants.mail_abuse.counting import WINDOW, SendCounter
from tenants.mail_abuse.locks import account_owner, lock_account, mail_servers, queue_lock_notices
from tenants.models import MailLogCursor, MassMailLock, Server
from workers import runtime
from workers.drivers import Driver, driver_for
from workers.drivers.errors import ApplyError
from workers.drivers.host.system_users import customers_of_uids
from workers.jobs.hosting import provisioning
from workers.jobs.outbox import send_outbox
from workers.maillog import MailLogState, read_events

DEFAULT_MAIL_LOG = "/var/log/mail.log"
NOBODY = 10 ** 9  # accounts no customer owns are never locked (nobody to hold to a course)


def mail_log_path(driver: Driver) -> str:
    """The server's mail log: ``mail_log`` in its driver settings."""
    return driver.settings.get("mail_log") or DEFAULT_MAIL_LOG


def _forget_before_unlock(session, server_id: int, counter: SendCounter, at: datetime) -> SendCounter:
    """Mail sent before an unlock was judged already: only what is sent after it counts again."""
    unlocks = session.execute(select(MassMailLock.address, MassMailLock.unlocked_at).where(
        MassMailLock.server_id == server_id, MassMailLock.unlocked_at.is_not(None),
        MassMailLock.unlocked_at > at - WINDOW)).all()
    if not unlocks:
        return counter
    data = counter.to_dict(prune=False)
    for address, unlocked_at in unlocks:
        if address in data["events"]:
            data["events"][address] = [[t, r] for t, r in data["events"][address] if t > unlocked_at.timestamp()]
    return SendCounter.from_dict(data)


def scan_server(server_id: int, now: str | None = None) -> dict:
    at = datetime.fromisoformat(now) if now else utcnow()
    with runtime.job_session() as s:
        server = s.get(Server, server_id)
        if server is None:
            return {"server": server_id, "locked": []}
        cursor = s.execute(select(MailLogCursor).where(MailLogCursor.server_id == server_id)
                           .with_for_update()).scalar()
        if cursor is None:
            cursor = MailLogCursor(server_id=server_id, log_state={}, counter_state={}, last_summary={})
            s.add(cursor)
        state = MailLogState.from_dict(cursor.log_state)
        counter = SendCounter.from_dict(cursor.counter_state)
        events = lines = 0
        uids: dict[str, int] = dict((cursor.counter_state or {}).get("uids") or {})  # account -> pickup uid
        try:
            with driver_for(server, SecretBox(runtime.settings().encryption_keys)) as driver:
                path = mail_log_path(driver)
                while True:
                    run = read_events(path, state, now=at, host=driver.host)
                    # only the last hour can still be "mass mail now": a first read of an old log locks nobody
                    recent = [e for e in run.events if e.timestamp > at - WINDOW]
                    counter.add_many((e.timestamp, e.account, e.recipient) for e in recent)
                    uids.update({e.account: e.uid for e in recent if e.uid is not None and not e.sasl_username})
                    state, events, lines = run.state, events + len(run.events), lines + run.lines
                    if not run.more:
                        break
                counter = _forget_before_unlock(s, server_id, counter, at)
                uids = {a: u for a, u in uids.items() if a in set(counter.accounts())}
                submitters = customers_of_uids(driver, set(uids.values()))
        except (ApplyError, OSError) as exc:  # the log is read from the same place next time
            s.rollback()
            from workers.jobs.incidents.remediation import note_if_host_key_refused

            note_if_host_key_refused(s, server_id, exc)
            return {"server": server_id, "events": 0, "locked": [], "error": str(exc)}
        owners = {a: account_owner(s, server_id, a, submitters.get(uids.get(a, -1))) for a in counter.accounts()}
        limits = {a: c.course.mass_mail_per_hour for a, c in owners.items() if c is not None}
        locked = []
        for evidence in counter.over_threshold(NOBODY, per_account=limits):
            customer = owners.get(evidence.sender)
            if customer is None:
                continue
            lock = lock_account(s, server_id, customer, evidence, at)
            if lock is not None:
                queue_lock_notices(s, lock, customer)
                locked.append(lock.address)
        cursor.log_state, cursor.counter_state = state.to_dict(), {**counter.to_dict(), "uids": uids}
        cursor.last_run_at = at
        cursor.last_summary = {"lines": lines, "events": events, "locked": locked,
                               "rotated": run.rotated, "lost_rotated_tail": run.lost_rotated_tail}
        s.commit()
    if locked:  # the MTA refuses the locked senders once provisioning rewrites the sender map
        provisioning.enqueue_work([Work.service_on(server_id, "mail")])
    send_outbox(server_id, now)
    return {"server": server_id, "events": events, "locked": locked}


def scan_all(now: str | None = None) -> list[dict]:
    with runtime.job_session() as s:
        ids = mail_servers(s)
    return [scan_server(i, now) for i in ids]
