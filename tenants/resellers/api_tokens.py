"""Reseller API tokens (DESIGN.md: API tokens are secrets): created and revoked by the reseller,
stored only as a SHA-256 hash (the token itself is 256 random bits, so a slow hash adds nothing),
shown once, with an optional last valid day and allowed source networks."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import date

from sqlalchemy import select

from tenants import audit
from tenants.db import utcnow
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import ApiToken, Reseller
from tenants.resellers.models import ResellerStatus
from tenants.tenancy import BYPASS

TOKEN_PREFIX = "rp_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_networks(text: str | None) -> tuple[list, list[Problem]]:
    networks, problems = [], []
    for line in (text or "").replace(",", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            networks.append(ipaddress.ip_network(line, strict=False))
        except ValueError:
            problems.append(Problem(N_("%(value)s is not an IP address or network."), "allowed_addresses",
                                    {"value": line[:60]}))
    return networks, problems


def create_token(session, actor, name: str, expires_on: date | None, allowed_addresses: str | None,
                 today: date) -> tuple[ApiToken, str]:
    """A new token; the clear token is returned once and never stored."""
    name = (name or "").strip()
    networks, problems = parse_networks(allowed_addresses)
    if not name:
        problems.append(Problem(N_("This field is required."), "name"))
    if expires_on is not None and expires_on < today:
        problems.append(Problem(N_("Choose today or a later date."), "expires_on"))
    if problems:
        raise RuleViolation(problems)
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(name=name[:100], prefix=prefix, secret_hash=_hash(token), expires_on=expires_on,
                   allowed_addresses="\n".join(str(n) for n in networks) or None,
                   created_by=getattr(actor, "id", None))
    session.add(row)
    session.flush()
    audit.record(session, actor, "api_token.create", row, f"created API token {name} ({prefix})")
    return row, token


def revoke_token(session, actor, row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor, "api_token.revoke", row, f"revoked API token {row.name} ({row.prefix})")


def authenticate(session, token: str, address: str, today: date) -> ApiToken | None:
    """The live token this bearer secret is, if it may be used from this address today."""
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
        return None
    prefix = token[len(TOKEN_PREFIX):].split("_", 1)[0]
    stmt = (select(ApiToken).join(Reseller, Reseller.id == ApiToken.reseller_id)
            .where(ApiToken.prefix == prefix, ApiToken.revoked_at.is_(None), Reseller.status == ResellerStatus.ACTIVE)
            .execution_options(**{BYPASS: True}))
    row = session.execute(stmt).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(token)):
        return None
    if row.expires_on is not None and row.expires_on < today:
        return None
    if row.allowed_addresses:
        networks, _ = parse_networks(row.allowed_addresses)
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        if not any(ip in n for n in networks):
            return None
    row.last_used_at = utcnow()
    note_address(session, row, address)
    return row


KEEP_ADDRESSES = 50


def note_address(session, row: ApiToken, address: str) -> None:
    """A token used from an address it was never used from is a security event (the reseller's
    owner sees it); the last KEEP_ADDRESSES addresses are remembered."""
    seen = (row.seen_addresses or "").split()
    if address in seen:
        return
    row.seen_addresses = "\n".join(([address[:64]] + seen)[:KEEP_ADDRESSES])
    audit.record(session, None, "api_token.new_address", row,
                 f"API token {row.name} ({row.prefix}) used from a new address", reseller_id=row.reseller_id,
                 address=address[:64], actor_name=f"api:{row.name} ({row.prefix})"[:120])


class ApiActor:
    """Who acted through the API, for the audit log ("api:<token name>")."""
    role = "api"
    customer_id = None

    def __init__(self, token: ApiToken):
        self.id = None
        self.login_id = f"{token.name} ({token.prefix})"
