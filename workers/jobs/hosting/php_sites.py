"""The web job's part for issue 16: each customer's system user on the server (uid allocated and
recorded by the panel, tenants/hosting/system_users.py) and its PHP-FPM pools, before the
virtual hosts that pass *.php to them are applied."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from tenants.hosting import failures
from tenants.hosting.php_sites import record_versions, server_versions
from tenants.hosting.system_users import DEFAULT_FIRST_UID, DEFAULT_LAST_UID, DEFAULT_PREFIX, uids, user_name
from tenants.models import Course, Customer, Domain, Server
from workers.drivers.host.spec import ApplyError, PhpPool, SystemUser

if TYPE_CHECKING:
    from workers.jobs.hosting.wanted_state import Failure

# Settings of ours in the server's driver config: the uid range and the user names' prefix.
USER_KEYS = ("uid_min", "uid_max", "system_user_prefix")


def system_users(site, session, server_id: int, customer_ids) -> dict[int, SystemUser]:
    """{customer id: its system user}, made to exist on the server with its home (0750 + setgid,
    group of the web server). The uids are committed before the server sees them, so a uid in use
    there is always on record and never handed out again."""
    first = int(site.extra.get("uid_min") or DEFAULT_FIRST_UID)
    last = int(site.extra.get("uid_max") or DEFAULT_LAST_UID)
    prefix = str(site.extra.get("system_user_prefix") or DEFAULT_PREFIX)
    try:
        allocated = uids(session, server_id, customer_ids, first, last)
        names = {cid: user_name(prefix, uid) for cid, uid in allocated.items()}
    except Exception as exc:  # noqa: BLE001  (range exhausted, bad prefix: a setting for the provider)
        raise ApplyError(f"system users: {exc}") from exc
    session.commit()
    users = {cid: SystemUser(names[cid], allocated[cid], site.home(cid)) for cid in set(customer_ids)}
    site.driver.apply_system_users(sorted(users.values(), key=lambda u: u.uid))
    return users


def php_sockets(site, session, server_id: int, domains: list[Domain], users: dict[int, SystemUser],
                stopped) -> tuple[dict[int, tuple[str, int | None]], dict, str]:
    """Apply the pools of the server and return {domain id: (socket, memory MB)} of its PHP sites,
    the Failures of PHP sites whose pool could not run, and the driver's summary. A stopped
    customer has no pool: its sites answer the suspended page and no process of it runs."""
    server = session.get(Server, server_id)
    versions = site.driver.php_versions()  # what the server really has (issue 16: detected, not hard-coded)
    if server is not None and server_versions(server) != versions:
        record_versions(server, versions)
        session.commit()  # no write transaction held open while the server applies (SQLite locks)
    sockets: dict[int, tuple[str, int | None]] = {}
    refused: dict[tuple[type, int], Failure] = {}
    pools: dict[tuple[int, str], PhpPool] = {}
    courses = {c.id: c for c in session.execute(select(Course).join(Customer, Customer.course_id == Course.id)
                                                .where(Customer.server_id == server_id)).scalars()}
    course_of = dict(session.execute(select(Customer.id, Customer.course_id)
                                     .where(Customer.server_id == server_id)).all())
    php_domains = [d for d in domains if d.php_version]
    for domain in php_domains:
        user, version = users[domain.customer_id], str(domain.php_version)
        try:
            sockets[domain.id] = (site.driver.php_socket(user, version), domain.php_memory_mb)
        except ApplyError as exc:  # a path too long for a socket: a setting for the provider
            refused[(Domain, domain.id)] = _failure(exc.message)
            continue
        course = courses.get(course_of.get(domain.customer_id))
        if course is None or not course.php_allowed or version not in versions:
            refused[(Domain, domain.id)] = _failure(f"PHP {domain.php_version} for {domain.name}: not allowed by the "
                                                    f"course or not installed (found: {', '.join(versions)})")
        elif domain.customer_id not in stopped:
            pools[(domain.customer_id, version)] = PhpPool(user, version, course.php_memory_limit_mb)
    try:
        detail = site.driver.apply_php(list(pools.values())).detail
    except ApplyError as exc:  # the previous pools are back in place; the PHP sites are marked
        said = f"{exc.tool}: {exc.output or exc.message}" if exc.tool else exc.message
        for domain in php_domains:
            refused.setdefault((Domain, domain.id), _failure(said))
        detail = f"php refused: {exc.message}"
    return sockets, refused, detail


def _failure(detail: str) -> Failure:
    from workers.jobs.hosting.wanted_state import Failure

    return Failure(failures.PHP_REFUSED, detail)
