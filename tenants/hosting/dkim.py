"""Mail authentication of customers' domains (issue 17 item 4; SPEC.md: "DKIM/SPF/DMARC"): a
2048-bit RSA DKIM key per domain made here, its private key sealed at rest (tenants.crypto, bound
to its row), the records that publish it — ``<selector>._domainkey`` TXT, an SPF record unless the
zone has one, ``_dmarc`` unless the zone has one — and selector rotation: the new key signs at
once, the old one stays published for OVERLAP so mail already sent still verifies.

The records go into the domain's zone on our name servers (the dns job adds them to the zone it
renders) unless the owner says the domain's DNS is elsewhere; then the panel shows them to copy."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from tenants import audit
from tenants.crypto import SecretBox
from tenants.db import utcnow
from tenants.errors import N_, RuleViolation
from tenants.hosting import dns_records
from tenants.hosting.dkim_models import DkimKey
from tenants.hosting.domains import new_serial, zone_records
from tenants.hosting.wanted import Work, need_server
from tenants.models import Customer, Domain

OVERLAP = timedelta(days=7)   # a rotated-out key stays published this long (mail in flight, queues)
KEY_BITS = 2048
KEY_FIELD = "private_key"
SPF_DEFAULT = "v=spf1 mx a ~all"   # the day-one zone template's own SPF (zone_template.py)
_SELECTOR = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def check_selector(value, field: str = "selector") -> str:
    """A selector is one DNS label: letters, digits and hyphens (RFC 6376 §3.1); lower case."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise RuleViolation.one(N_("Enter a selector, e.g. mail2026."), field)
    if any(c in text for c in ". \t"):
        raise RuleViolation.one(N_("A selector cannot contain dots or spaces: use letters, digits and hyphens "
                                   "only."), field)
    if not _SELECTOR.match(text.lower()):
        raise RuleViolation.one(N_("A selector may have 1 to 63 letters, digits and hyphens, and cannot start "
                                   "or end with a hyphen."), field)
    return text.lower()


def suggested_selector(domain: Domain | None = None, now: datetime | None = None) -> str:
    return "mail" + (now or utcnow()).strftime("%Y%m")


def new_key() -> tuple[str, str]:
    """(private key PEM, public key as the base64 of its DER SubjectPublicKeyInfo: the p= tag)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def _owner(key: DkimKey) -> str:
    return f"dkim_key:{key.id}"


def open_key(box: SecretBox, key: DkimKey) -> str:
    return box.open(key.key_secret, owner=_owner(key), field=KEY_FIELD)


def keys_of(session, domain: Domain) -> list[DkimKey]:
    """The domain's keys, the signing one first."""
    return list(session.execute(select(DkimKey).where(DkimKey.domain_id == domain.id, DkimKey.deleting.is_(False))
                                .order_by(DkimKey.active.desc(), DkimKey.id.desc())).scalars())


def _add_key(session, box: SecretBox, customer: Customer, domain: Domain, selector: str, in_our_zone: bool) -> DkimKey:
    pem, public = new_key()
    key = DkimKey(reseller_id=customer.reseller_id, customer_id=customer.id, domain_id=domain.id, selector=selector,
                  key_secret="", public_key=public, active=True, in_our_zone=in_our_zone)
    session.add(key)
    session.flush()  # its id binds the sealed key to this row
    key.key_secret = box.seal(pem, owner=_owner(key), field=KEY_FIELD)
    domain.dns_serial = new_serial(domain.dns_serial)
    return key


def _works(customer: Customer) -> list[Work]:
    return [Work.service(customer, "mail"), Work.service(customer, "dns")]


def enable(session, actor, box: SecretBox, customer: Customer, domain: Domain, selector, in_our_zone: bool = True):
    """Start signing the domain's mail with a new key under ``selector``."""
    need_server(customer, "selector")
    selector = check_selector(selector)
    if keys_of(session, domain):
        raise RuleViolation.one(N_("This domain already has a DKIM key. Rotate it to use a new one."), "selector")
    key = _add_key(session, box, customer, domain, selector, bool(in_our_zone))
    audit.record(session, actor, "dkim.enable", key, f"{domain.name}: DKIM selector {selector}",
                 customer_id=customer.id)
    return key, _works(customer)


def rotate(session, actor, box: SecretBox, customer: Customer, domain: Domain, selector, now: datetime | None = None):
    """A new key under a new selector signs from now on; the signing one stays published for OVERLAP."""
    need_server(customer, "selector")
    selector = check_selector(selector)
    keys = keys_of(session, domain)
    current = next((k for k in keys if k.active), None)
    if current is None:
        raise RuleViolation.one(N_("Set up DKIM for this domain first."), "selector")
    if any(k.selector == selector for k in keys):
        raise RuleViolation.one(N_("The selector %(selector)s is already published for this domain; choose "
                                   "another one."), "selector", selector=selector)
    current.active = False
    current.retire_at = (now or utcnow()) + OVERLAP
    current.want_changed()
    key = _add_key(session, box, customer, domain, selector, current.in_our_zone)
    audit.record(session, actor, "dkim.rotate", key, f"{domain.name}: DKIM selector {current.selector} → {selector}",
                 customer_id=customer.id)
    return key, _works(customer)


def set_in_our_zone(session, actor, customer: Customer, domain: Domain, in_our_zone: bool) -> list[Work]:
    """Publish the records in our zone, or not (the domain's DNS is elsewhere: copy them there)."""
    keys = keys_of(session, domain)
    if not keys:
        raise RuleViolation.one(N_("Set up DKIM for this domain first."), "in_our_zone")
    for key in keys:
        key.in_our_zone = bool(in_our_zone)
    domain.dns_serial = new_serial(domain.dns_serial)
    audit.record(session, actor, "dkim.zone", domain, f"{domain.name}: records in our zone: {bool(in_our_zone)}",
                 customer_id=customer.id)
    return [Work.service(customer, "dns")]


def published(keys: list[DkimKey], now: datetime | None = None) -> list[DkimKey]:
    """The keys whose record is published: the signing one and rotated-out ones still in overlap."""
    now = now or utcnow()
    return [k for k in keys if not k.deleting and (k.active or (k.retire_at is not None and k.retire_at > now))]


def _has_txt(records: list[dns_records.Record], name: str, prefix: str) -> bool:
    return any(r.type == "TXT" and r.name.lower() == name and r.value.lower().startswith(prefix) for r in records)


def records(domain_name: str, keys: list[DkimKey], existing: list[dns_records.Record],
            now: datetime | None = None) -> list[dns_records.Record]:
    """The records mail authentication adds to a zone holding ``existing``: one DKIM TXT per
    published key, SPF and DMARC only where the zone has none of its own."""
    keys = published(keys, now)
    if not keys:
        return []
    out = [dns_records.validate_record(domain_name, f"{k.selector}._domainkey", "TXT",
                                       f"v=DKIM1; k=rsa; p={k.public_key}") for k in keys]
    if not _has_txt(existing, "@", "v=spf1"):
        out.append(dns_records.validate_record(domain_name, "@", "TXT", SPF_DEFAULT))
    if not _has_txt(existing, "_dmarc", "v=dmarc1"):
        out.append(dns_records.validate_record(domain_name, "_dmarc", "TXT",
                                               f"v=DMARC1; p=none; rua=mailto:postmaster@{domain_name}"))
    return out


def zone_additions(domain_name: str, keys: list[DkimKey], existing: list[dns_records.Record],
                   now: datetime | None = None) -> list[dns_records.Record]:
    """What the dns job adds to the zone it renders: nothing when the DNS is elsewhere."""
    return records(domain_name, keys, existing, now) if keys and keys[0].in_our_zone else []


def records_to_show(session, domain: Domain, keys: list[DkimKey]) -> list[tuple[str, dns_records.Record]]:
    """(full owner name, record) of every record the domain needs, for the page (to copy elsewhere)."""
    existing = [] if keys and not keys[0].in_our_zone else zone_records(session, domain)
    return [(dns_records.fqdn(domain.name, r.name).rstrip("."), r) for r in records(domain.name, keys, existing)]


def expired_keys(session, now: datetime | None = None) -> list[DkimKey]:
    """Rotated-out keys past their overlap (the periodic job removes them and their record)."""
    now = now or utcnow()
    return list(session.execute(select(DkimKey).where(DkimKey.active.is_(False), DkimKey.retire_at.is_not(None),
                                                      DkimKey.retire_at <= now)).scalars())


def remove_key(session, actor, customer: Customer, key: DkimKey) -> list[Work]:
    """Stop publishing a key at once (and signing with it, if it signs: the domain then sends unsigned)."""
    key.want_gone()
    key.domain.dns_serial = new_serial(key.domain.dns_serial)
    audit.record(session, actor, "dkim.remove", key, f"{key.domain.name}: DKIM selector {key.selector} removed",
                 customer_id=customer.id)
    return _works(customer)
