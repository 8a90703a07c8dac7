"""What the provider monitors on each server: endpoints defaulted from the server's role and
edited by the provider, pause/resume, maintenance windows, per-server resource thresholds
(OEM spec 監視; managed terms basic monitoring and Gold/Platinum options)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tenants import audit
from tenants.crypto import SecretBox
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import MaintenanceWindow, MonitoredEndpoint, ResourceThreshold, Server
from tenants.monitoring.models import PROTOCOLS

TLS_PROTOCOLS = frozenset({"https", "ftps", "smtps", "pop3s", "imaps", "smtp", "pop3", "imap"})
PORTS = {"http": 80, "https": 443, "ftp": 21, "ftps": 21, "smtp": 25, "smtps": 465, "pop3": 110,
         "pop3s": 995, "imap": 143, "imaps": 993, "postgresql": 5432, "mysql": 3306}
# OEM spec 監視: ping every server; the 12 services by what the server's role runs
ROLE_SERVICES = {
    "web": ("http", "https", "ftp", "ftps"),
    "mail": ("smtp", "smtps", "pop3", "pop3s", "imap", "imaps"),
    "db": ("postgresql", "mysql"),
    "dns": (),
}
ROLE_SERVICES["all-in-one"] = ROLE_SERVICES["web"] + ROLE_SERVICES["mail"] + ROLE_SERVICES["db"]
ENDPOINT_FIELDS = ("protocol", "port", "host", "server_name", "path", "expect_status", "keyword",
                   "username", "database", "verify_tls", "ca_file", "timeout_seconds",
                   "failure_threshold", "paused")


def default_endpoints(role: str) -> list[dict]:
    """The endpoints a new server of this role is checked on: ICMP plus its role's services."""
    return [{"protocol": "icmp", "port": None}] + [
        {"protocol": p, "port": PORTS[p]} for p in ROLE_SERVICES.get(role, ())]


def ensure_default_endpoints(session, actor, server: Server) -> list[MonitoredEndpoint]:
    """Create the role's default endpoints that the server does not have yet (idempotent)."""
    have = {(e.protocol, e.port) for e in session.execute(
        select(MonitoredEndpoint).where(MonitoredEndpoint.server_id == server.id)).scalars()}
    made = []
    for spec in default_endpoints(server.role):
        if (spec["protocol"], spec["port"]) not in have:
            endpoint = MonitoredEndpoint(server_id=server.id, **spec)
            session.add(endpoint)
            made.append(endpoint)
    if made:
        session.flush()
        audit.record(session, actor, "monitoring.defaults", server,
                     f"{len(made)} default endpoints for {server.hostname}")
    return made


def _endpoint_problems(session, server: Server, data: dict, existing: MonitoredEndpoint | None) -> list[Problem]:
    problems = []
    protocol = data.get("protocol")
    if protocol not in PROTOCOLS:
        problems.append(Problem(N_("Choose one of the listed values."), "protocol"))
    port = data.get("port")
    if protocol == "icmp":
        data["port"] = port = None
    elif not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(Problem(N_("Enter a port from 1 to 65535."), "port"))
    status = data.get("expect_status", 200)
    if not isinstance(status, int) or not 100 <= status <= 599:
        problems.append(Problem(N_("Enter an HTTP status from 100 to 599."), "expect_status"))
    threshold = data.get("failure_threshold", 2)
    if not isinstance(threshold, int) or not 1 <= threshold <= 10:
        problems.append(Problem(N_("Enter a number from 1 to 10."), "failure_threshold"))
    timeout = data.get("timeout_seconds", 10.0)
    if not isinstance(timeout, (int, float)) or not 1 <= timeout <= 60:
        problems.append(Problem(N_("Enter seconds from 1 to 60."), "timeout_seconds"))
    if not problems:
        same = (protocol, port, data.get("host") or None, data.get("server_name") or None, data.get("path") or "/")
        clash = [e.id for e in session.execute(select(MonitoredEndpoint).where(
            MonitoredEndpoint.server_id == server.id, MonitoredEndpoint.protocol == protocol)).scalars()
            if (e.protocol, e.port, e.host, e.server_name, e.path or "/") == same
            and (existing is None or e.id != existing.id)]
        if clash:
            problems.append(Problem(N_("This server already has this protocol on this port."), "port"))
    return problems


def _owner(endpoint: MonitoredEndpoint) -> str:
    return f"endpoint:{endpoint.id}"


def save_endpoint(session, actor, server: Server, data: dict, box: SecretBox,
                  endpoint: MonitoredEndpoint | None = None, password: str | None = None) -> MonitoredEndpoint:
    """Add or edit an endpoint. `password` None keeps the sealed one, "" removes it."""
    data = {k: (v.strip() or None) if isinstance(v, str) and k != "path" else v for k, v in data.items()}
    merged = ({name: getattr(endpoint, name) for name in ENDPOINT_FIELDS} if endpoint else {}) | data
    problems = _endpoint_problems(session, server, merged, endpoint)
    if problems:
        raise RuleViolation(problems)
    is_new = endpoint is None
    if endpoint is None:
        endpoint = MonitoredEndpoint(server_id=server.id)
        session.add(endpoint)
    for name in ENDPOINT_FIELDS:
        if name in merged:
            setattr(endpoint, name, merged[name])
    endpoint.path = endpoint.path or "/"
    session.flush()
    if password == "":
        endpoint.password_secret = None
    elif password:
        endpoint.password_secret = box.seal(password, owner=_owner(endpoint), field="password")
    audit.record(session, actor, "monitoring.endpoint.add" if is_new else "monitoring.endpoint.edit",
                 endpoint, f"{server.hostname} {endpoint.label}")
    return endpoint


def endpoint_password(box: SecretBox, endpoint: MonitoredEndpoint) -> str | None:
    if not endpoint.password_secret:
        return None
    return box.open(endpoint.password_secret, owner=_owner(endpoint), field="password")


def set_paused(session, actor, endpoint: MonitoredEndpoint, paused: bool) -> None:
    endpoint.paused = paused
    audit.record(session, actor, "monitoring.endpoint.pause" if paused else "monitoring.endpoint.resume",
                 endpoint, endpoint.label)


def delete_endpoint(session, actor, endpoint: MonitoredEndpoint) -> None:
    audit.record(session, actor, "monitoring.endpoint.delete", endpoint, endpoint.label)
    session.delete(endpoint)


def add_maintenance(session, actor, server: Server, starts_at: datetime, ends_at: datetime,
                    note: str = "") -> MaintenanceWindow:
    """During the window a DOWN is recorded but not alerted."""
    if ends_at <= starts_at:
        raise RuleViolation.one(N_("The end must be after the start."), "ends_at")
    window = MaintenanceWindow(server_id=server.id, starts_at=starts_at, ends_at=ends_at, note=note or "")
    session.add(window)
    session.flush()
    audit.record(session, actor, "monitoring.maintenance.add", server,
                 f"{server.hostname} {starts_at.isoformat()}–{ends_at.isoformat()}")
    return window


def delete_maintenance(session, actor, window: MaintenanceWindow) -> None:
    """A window the provider no longer wants (planned by mistake, work cancelled) is removed; DOWNs
    already recorded during it keep their (unalerted) history."""
    server = session.get(Server, window.server_id)
    audit.record(session, actor, "monitoring.maintenance.delete", server,
                 f"{server.hostname} {window.starts_at.isoformat()}–{window.ends_at.isoformat()}")
    session.delete(window)


def in_maintenance(session, server_id: int, at: datetime) -> bool:
    return session.execute(select(MaintenanceWindow.id).where(
        MaintenanceWindow.server_id == server_id, MaintenanceWindow.starts_at <= at,
        MaintenanceWindow.ends_at > at).limit(1)).scalar() is not None


def thresholds_for(session, server_id: int) -> ResourceThreshold:
    """The server's thresholds, or the defaults (disk 90 %, inodes 50 %) when none were set."""
    found = session.get(ResourceThreshold, server_id)
    if found is None:
        found = ResourceThreshold(server_id=server_id, disk_percent=90, inode_percent=50, memory_percent=90,
                                  contract_monitoring=False, limit_percent=90)
    return found


def save_thresholds(session, actor, server: Server, data: dict) -> ResourceThreshold:
    problems = [Problem(N_("Enter a percentage from 1 to 100."), name)
                for name in ("disk_percent", "inode_percent", "memory_percent", "limit_percent")
                if name in data and not (isinstance(data[name], int) and 1 <= data[name] <= 100)]
    problems += [Problem(N_("Enter a positive number."), name)
                 for name in ("file_count_limit", "db_size_limit_bytes")
                 if data.get(name) is not None and data[name] <= 0]
    if problems:
        raise RuleViolation(problems)
    row = session.get(ResourceThreshold, server.id)
    if row is None:
        row = thresholds_for(session, server.id)
        session.add(row)
    for name, value in data.items():
        setattr(row, name, value)
    audit.record(session, actor, "monitoring.thresholds", server, server.hostname)
    return row


def set_contract_monitoring(session, server: Server, on: bool, *, file_count_limit: int | None = None,
                            db_size_limit_bytes: int | None = None) -> ResourceThreshold:
    """The switch for the contracts feature: Gold/Platinum add file-count and DB-size monitoring
    at 90 % of the set limit (managed terms, operation support Gold)."""
    row = session.get(ResourceThreshold, server.id)
    if row is None:
        row = thresholds_for(session, server.id)
        session.add(row)
    row.contract_monitoring = on
    if file_count_limit is not None:
        row.file_count_limit = file_count_limit
    if db_size_limit_bytes is not None:
        row.db_size_limit_bytes = db_size_limit_bytes
    return row
