"""Rules of domain certificates (issue 17): reading a certificate, checking an uploaded one, when
an ACME certificate is renewed and how long a failed one waits, and what the end user is shown.

Nothing here talks to a CA or a server: workers/jobs/hosting/certificates.py does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from tenants import audit
from tenants.crypto import SecretBox
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting import hostnames
from tenants.hosting.certificate_models import ACME, OWN, Certificate
from tenants.hosting.wanted import Work
from tenants.models import Customer, Domain

# Let's Encrypt's own advice: renew when a third of the 90 days is left (issue 17: 30 days).
RENEW_BEFORE = timedelta(days=30)
# A failed attempt waits 1 h, 2 h, 4 h ... at most a day: Let's Encrypt counts failed validations
# (5 an hour per account and name), so a broken site never turns into a retry storm.
BACKOFF_FIRST, BACKOFF_MAX = timedelta(hours=1), timedelta(hours=24)
ALERT_DAYS = (14, 7, 1)  # issue 17: expiry alerts 14, 7 and 1 days before
MAX_UPLOAD_BYTES = 256 * 1024  # a certificate chain or key is a few kB; 5 MB is not one
KEY_FIELD = "key_secret"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


@dataclass(frozen=True)
class Info:
    issuer: str
    names: tuple[str, ...]
    not_after: datetime
    not_before: datetime


def _name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        found = name.get_attributes_for_oid(oid)
        if found:
            return str(found[0].value)
    return name.rfc4514_string()


def names_of(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return tuple(str(n).lower() for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        return tuple(str(a.value).lower() for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME))


def info(cert: x509.Certificate) -> Info:
    return Info(_name(cert.issuer), names_of(cert), cert.not_valid_after_utc, cert.not_valid_before_utc)


def leaf_info(pem: str) -> Info:
    return info(x509.load_pem_x509_certificates(pem.encode())[0])


def covers(names, domain: str) -> bool:
    """Whether a certificate for ``names`` is valid for ``domain`` (a wildcard covers one label)."""
    domain = domain.lower()
    for name in names:
        if name == domain or (name.startswith("*.") and domain.count(".") >= 2
                              and domain.split(".", 1)[1] == name[2:]):
            return True
    return False


def acme_names(domain: str, taken_www: bool = False) -> list[str]:
    """The names an ACME certificate of a site asks for: the domain and its www. name (ASCII,
    so IDN names go as their xn-- form), unless www.<domain> is a site of its own."""
    if domain.startswith("www.") or taken_www:
        return [domain]
    return [domain, f"www.{domain}"]


# --- an uploaded certificate ------------------------------------------------------------------------

MISSING = {"certificate": N_("Choose the certificate file."), "key": N_("Choose the private key file."),
           "chain": N_("Choose the chain file.")}


def _text(data: bytes | str | None, field: str) -> str:
    if data is None or len(data) == 0:
        raise RuleViolation.one(MISSING[field], field)
    if len(data) > MAX_UPLOAD_BYTES:
        raise RuleViolation.one(N_("This file is too large for a certificate or key (at most 256 kB)."), field)
    if isinstance(data, bytes):
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise RuleViolation.one(N_("This is not a PEM file (text starting with -----BEGIN ...-----)."),
                                    field) from None
    return data


def _certs(text: str, field: str) -> list[x509.Certificate]:
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise RuleViolation.one(N_("This is not a PEM certificate (text starting with "
                                   "-----BEGIN CERTIFICATE-----)."), field)
    try:
        return x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        raise RuleViolation.one(N_("This certificate file is damaged and cannot be read."), field) from None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, Exception):  # signature or name mismatch, unsupported algorithm
        return False


def check_upload(domain: str, cert_data, chain_data, key_data, now: datetime | None = None):
    """An uploaded certificate for ``domain`` (ASCII): (full chain PEM, key PEM, Info), or
    RuleViolation with each problem beside its field (issue 17 "Bad input")."""
    now = now or now_utc()
    cert_text = _text(cert_data, "certificate")
    key_text = _text(key_data, "key")
    chain_text = _text(chain_data, "chain") if chain_data else ""
    certs = _certs(cert_text, "certificate")
    chain = _certs(chain_text, "chain") if chain_text.strip() else []
    leaf, rest = certs[0], certs[1:] + chain
    problems = []
    try:
        key = serialization.load_pem_private_key(key_text.encode(), password=None)
    except (ValueError, TypeError):
        key = None
        problems.append(Problem(N_("This is not an unencrypted PEM private key (-----BEGIN PRIVATE KEY-----)."),
                                "key"))
    if key is not None:
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
            problems.append(Problem(N_("This kind of private key is not supported (use RSA or ECDSA)."), "key"))
        elif isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:  # OpenSSL's default level refuses them
            problems.append(Problem(N_("This key is too short: use RSA of at least 2048 bits, or ECDSA."), "key"))
        elif key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
                != leaf.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo):
            problems.append(Problem(N_("The private key does not belong to this certificate."), "key"))
    details = info(leaf)
    shown = hostnames.to_unicode(domain)
    if not covers(details.names, domain):
        problems.append(Problem(N_("This certificate is for %(names)s, not for %(domain)s."), "certificate",
                                {"names": ", ".join(hostnames.to_unicode(n) for n in details.names) or "-",
                                 "domain": shown}))
    if details.not_after <= now:
        problems.append(Problem(N_("This certificate expired on %(date)s."), "certificate",
                                {"date": details.not_after.strftime("%Y-%m-%d")}))
    elif details.not_before > now:
        problems.append(Problem(N_("This certificate is valid only from %(date)s."), "certificate",
                                {"date": details.not_before.strftime("%Y-%m-%d")}))
    chain_field = "chain" if chain else "certificate"
    for lower, upper in zip([leaf, *rest], rest):
        if not _issued_by(lower, upper):
            problems.append(Problem(N_("The chain is not in order: each certificate must be followed by the one "
                                       "that issued it, starting with the site's certificate."), chain_field))
            break
    if problems:
        raise RuleViolation(problems)
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [leaf, *rest])
    return pem, key_text.strip() + "\n", details


def seal_key(box: SecretBox, certificate: Certificate, key_pem: str) -> str:
    return box.seal(key_pem, owner=f"certificate:{certificate.id}", field=KEY_FIELD)


def open_key(box: SecretBox, certificate: Certificate) -> str | None:
    if not certificate.key_secret:
        return None
    return box.open(certificate.key_secret, owner=f"certificate:{certificate.id}", field=KEY_FIELD)


def record_pem(certificate: Certificate, box: SecretBox, pem: str, key_pem: str, details: Info, source: str,
               now: datetime | None = None) -> None:
    """The certificate now served for the domain (issued or uploaded)."""
    certificate.source = source
    certificate.cert_pem = pem
    certificate.key_secret = seal_key(box, certificate, key_pem)
    certificate.issuer = details.issuer[:400]
    certificate.names = "\n".join(details.names)
    certificate.not_after = details.not_after
    certificate.issued_at = now or now_utc()
    certificate.last_error = None
    certificate.last_error_detail = None
    certificate.failures = 0
    certificate.next_attempt_at = None


def certificate_of(session, domain: Domain) -> Certificate:
    """The domain's certificate row, made when missing (flushed so its id binds the sealed key)."""
    row = session.execute(select(Certificate).where(Certificate.domain_id == domain.id)).scalar_one_or_none()
    if row is None:
        row = Certificate(domain_id=domain.id, customer_id=domain.customer_id, reseller_id=domain.reseller_id,
                          source=ACME)
        session.add(row)
        session.flush()
    return row


def upload(session, actor, box: SecretBox, customer: Customer, domain: Domain, cert_data, chain_data,
           key_data) -> list[Work]:
    """The end user's (or their reseller's) own certificate for a domain: checked, then served
    instead of an ACME one; nothing is saved when a check fails."""
    if not domain.https:
        raise RuleViolation.one(N_("Turn on HTTPS for this domain first."), "certificate")
    pem, key_pem, details = check_upload(domain.name, cert_data, chain_data, key_data)
    row = certificate_of(session, domain)
    record_pem(row, box, pem, key_pem, details, OWN)
    domain.want_changed()
    audit.record(session, actor, "domain.certificate", domain, f"{domain.name}: own certificate uploaded "
                 f"(expires {details.not_after:%Y-%m-%d})", customer_id=customer.id)
    return [Work.service(customer, "web")]


def use_acme(session, actor, customer: Customer, domain: Domain) -> list[Work]:
    """Go back from an own certificate to one the panel gets and renews (now, unless backing off)."""
    if not domain.https:
        raise RuleViolation.one(N_("Turn on HTTPS for this domain first."), None)
    row = certificate_of(session, domain)
    wait = aware(row.next_attempt_at)
    if row.source == ACME and wait is not None and wait > now_utc():
        raise RuleViolation.one(N_("The last attempt failed; the next one is at %(time)s (UTC)."), None,
                                time=wait.strftime("%Y-%m-%d %H:%M"))
    row.source = ACME
    audit.record(session, actor, "domain.certificate", domain, f"{domain.name}: certificate from the CA requested",
                 customer_id=customer.id)
    return [Work("certificate", (domain.id, True))]  # now, even if the one served is still valid


def renewal_due(row: Certificate | None, now: datetime | None = None) -> bool:
    """An ACME certificate is asked for when there is none or it expires within RENEW_BEFORE, and
    not while a failed attempt waits out its backoff."""
    now = now or now_utc()
    if row is None:
        return True
    if row.source != ACME:
        return False
    wait = aware(row.next_attempt_at)
    if wait is not None and wait > now:
        return False
    expires = aware(row.not_after)
    return row.cert_pem is None or expires is None or expires - now <= RENEW_BEFORE


def backoff(failures: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(failures - 1, 0)), BACKOFF_MAX)


def record_failure(row: Certificate, reason: str, now: datetime | None = None) -> None:
    """A failed attempt: the reason in plain words, the next attempt after the backoff; the
    certificate served so far (if any) stays."""
    now = now or now_utc()
    row.last_attempt_at = now
    row.last_error = reason[:2000]
    row.failures = (row.failures or 0) + 1
    row.next_attempt_at = now + backoff(row.failures)


def days_left(row: Certificate, now: datetime | None = None) -> int | None:
    expires = aware(row.not_after)
    return None if expires is None else (expires - (now or now_utc())).days


def alert_threshold(days: int) -> int | None:
    """The alert a certificate with ``days`` left is due (the smallest threshold reached)."""
    reached = [d for d in ALERT_DAYS if days <= d]
    return min(reached) if reached else None
