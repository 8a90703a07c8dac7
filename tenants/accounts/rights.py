"""What each role may do, in one table: the provider's staff (admin, operator, auditor) and a
reseller's people (owner, operator, read-only). Every page of the provider admin and the business
panel names the area it belongs to (its URL table); one check before every request asks this module
(web/rights.py), and a page that names no area is refused to everyone.

Reading is looking at an area's pages; writing is every form and button in it (a POST), and the
pages that exist only to change something (a "new" or "edit" form) need writing even to be seen.
"""
from __future__ import annotations

import enum

from tenants.accounts.models import Role


class StaffAccess(enum.StrEnum):
    ADMIN = "admin"        # everything, and the staff themselves
    OPERATOR = "operator"  # day to day: servers, monitoring, incidents, contracts
    AUDITOR = "auditor"    # reads everything, changes nothing


class ResellerAccess(enum.StrEnum):
    OWNER = "owner"        # its operators, branding, API tokens, and all an operator does
    OPERATOR = "operator"  # customers and courses
    READONLY = "readonly"  # reads, changes nothing


class Area(enum.StrEnum):
    ACCOUNT = "account"        # one's own login: password, two-factor, sessions (everybody)
    DASHBOARD = "dashboard"
    AUDIT = "audit"
    # provider admin
    STAFF = "staff"            # staff logins and the security policy
    RESELLERS = "resellers"    # resellers, their fault contacts and operator logins
    SERVERS = "servers"        # servers, power settings, failed changes, reserved names
    MONITORING = "monitoring"
    INCIDENTS = "incidents"    # incidents, fault reports, mail locks, remediation
    CONTRACTS = "contracts"    # managed-service contracts (also a reseller's own)
    # business panel
    OPERATORS = "operators"    # the reseller's own operators and their security events
    BRANDING = "branding"
    API_TOKENS = "api_tokens"
    CUSTOMERS = "customers"    # customers, their logins, support view, CSV, locked mail accounts
    COURSES = "courses"
    STATUS = "status"          # server status, incidents, usage: what the provider shows a reseller


class Level(enum.IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2


R, W = Level.READ, Level.WRITE
PROVIDER_AREAS = (Area.ACCOUNT, Area.DASHBOARD, Area.AUDIT, Area.STAFF, Area.RESELLERS, Area.SERVERS,
                  Area.MONITORING, Area.INCIDENTS, Area.CONTRACTS)
RESELLER_AREAS = (Area.ACCOUNT, Area.DASHBOARD, Area.AUDIT, Area.OPERATORS, Area.BRANDING, Area.API_TOKENS,
                  Area.CUSTOMERS, Area.COURSES, Area.STATUS, Area.CONTRACTS)

# (kind of login, its access) -> what it may do in each area; an area not listed: nothing.
GRANTS: dict[tuple[str, str], dict[Area, Level]] = {
    (Role.PROVIDER, StaffAccess.ADMIN): dict.fromkeys(PROVIDER_AREAS, W),
    (Role.PROVIDER, StaffAccess.OPERATOR): {
        Area.ACCOUNT: W, Area.DASHBOARD: R, Area.AUDIT: R, Area.RESELLERS: R, Area.SERVERS: W,
        Area.MONITORING: W, Area.INCIDENTS: W, Area.CONTRACTS: W},
    (Role.PROVIDER, StaffAccess.AUDITOR): dict.fromkeys(PROVIDER_AREAS, R) | {Area.ACCOUNT: W},
    (Role.OPERATOR, ResellerAccess.OWNER): dict.fromkeys(RESELLER_AREAS, W),
    (Role.OPERATOR, ResellerAccess.OPERATOR): {
        Area.ACCOUNT: W, Area.DASHBOARD: R, Area.AUDIT: R, Area.CUSTOMERS: W, Area.COURSES: W,
        Area.STATUS: R, Area.CONTRACTS: R},
    (Role.OPERATOR, ResellerAccess.READONLY): {
        Area.ACCOUNT: W, Area.DASHBOARD: R, Area.AUDIT: R, Area.CUSTOMERS: R, Area.COURSES: R,
        Area.STATUS: R, Area.CONTRACTS: R},
}

ACCESS_OF_ROLE = {Role.PROVIDER.value: tuple(StaffAccess), Role.OPERATOR.value: tuple(ResellerAccess)}


def level(role: str, access: str | None, area: Area | str) -> Level:
    """How far a login of this kind and access may go in an area (NONE for anything unknown)."""
    return GRANTS.get((role, access or ""), {}).get(Area(area), Level.NONE)


def may(principal, area: Area | str, needed: Level) -> bool:
    """Whether this login may read (or write) in this area."""
    return level(principal.role, principal.access, area) >= needed


def has_roles(role: str) -> bool:
    """Provider staff and reseller operators have roles; end users and managed customers do not."""
    return role in ACCESS_OF_ROLE


def valid_access(role: str, access: str | None) -> bool:
    return access in ACCESS_OF_ROLE.get(role, ())
