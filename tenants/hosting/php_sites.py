"""PHP per site (issue 16 item 3): a site is static or runs PHP of a version the server has; the
course decides whether PHP is allowed and the most memory a request may use (OEM spec コース設定)."""
from __future__ import annotations

import re

from tenants import audit
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.wanted import Work
from tenants.models import Course, Customer, Domain, Server

MODES = ("static", "php")
_VERSION = re.compile(r"^[0-9]{1,2}\.[0-9]{1,2}$")


def server_versions(server: Server | None) -> list[str]:
    """The PHP versions the driver found on the server (recorded by the web job), oldest first."""
    raw = (server.php_versions or "") if server is not None else ""
    return [v for v in raw.split(",") if _VERSION.match(v)]


def record_versions(server: Server, versions: list[str]) -> None:
    server.php_versions = ",".join(v for v in versions if _VERSION.match(v))[:200]


def check_php(course: Course, versions: list[str], mode: str, version: str | None,
              memory_mb) -> tuple[str | None, int | None]:
    """(version, memory in MB) for the site, or None/None for a static site; every bad field its
    own message."""
    if mode not in MODES:
        raise RuleViolation.one(N_("Choose static or PHP."), "mode")
    if mode == "static":
        return None, None
    problems = []
    if not course.php_allowed:
        problems.append(Problem(N_("Your course does not include PHP."), "mode", {}))
    if version not in versions:
        problems.append(Problem(N_("PHP %(version)s is not available on your server. Available: %(versions)s."),
                                "php_version", {"version": version or "-", "versions": ", ".join(versions) or "-"}))
    limit = course.php_memory_limit_mb
    if memory_mb in (None, ""):
        memory = limit
    else:
        try:
            memory = int(str(memory_mb).strip())
        except ValueError:
            memory = 0
        if not 16 <= memory <= limit:
            problems.append(Problem(N_("The memory limit must be between 16 and %(limit)s MB (your course)."),
                                    "php_memory_mb", {"limit": limit}))
    if problems:
        raise RuleViolation(problems)
    return version, memory


def set_php(session, actor, customer: Customer, domain: Domain, mode: str, version: str | None,
            memory_mb=None) -> list[Work]:
    course = session.get(Course, customer.course_id)
    versions = server_versions(session.get(Server, customer.server_id) if customer.server_id else None)
    wanted = check_php(course, versions, mode, version, memory_mb)
    if (domain.php_version, domain.php_memory_mb) != wanted:
        domain.php_version, domain.php_memory_mb = wanted
        domain.want_changed()
        shown = f"PHP {wanted[0]} ({wanted[1]} MB)" if wanted[0] else "static"
        audit.record(session, actor, "domain.php", domain, f"{domain.name}: {shown}", customer_id=customer.id)
    return [Work.service(customer, "web")]
