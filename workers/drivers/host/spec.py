"""The wanted state a provisioning job hands to a driver: plain dataclasses, no database, no I/O.

Jobs build these from database rows; the driver re-checks every value with the tenants rules
before anything reaches a file, a tool or a database server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Sequence

from tenants.hosting.dns_records import Record as ZoneRecord
from workers.drivers.errors import ApplyError as ApplyError  # where the jobs and tests have always found it


@dataclass(frozen=True)
class VirtualHost:
    domain: str                 # ASCII (punycode) domain, e.g. xn--mnchen-3ya.de
    docroot: str                # absolute path of the document root
    https: bool = False
    cert_file: str | None = None
    key_file: str | None = None
    suspended_by: str | None = None  # the customer is stopped: the reseller's brand on a 503 page instead
    certificate: tuple[str, str] | None = None  # (full chain PEM, key PEM) the driver writes under certs/
    redirect: bool = True       # with https: plain HTTP answers 301 to https:// (not the ACME answers)
    aliases: Sequence[str] = ()  # other names of the site (www.<domain>), ASCII
    php_socket: str | None = None    # a PHP site: *.php go to this PHP-FPM pool socket (None: static)
    php_memory_mb: int | None = None  # the site's PHP memory_limit (at most the course's)


@dataclass(frozen=True)
class SystemUser:
    """A customer's own system user on the server (uid = gid), whose home it owns, mode 2750."""
    name: str
    uid: int
    home: str


@dataclass(frozen=True)
class PhpPool:
    """One PHP-FPM pool: a customer's PHP of one version, run as its system user, confined to its home."""
    user: SystemUser
    version: str                # "8.2": run by php-fpm8.2
    memory_mb: int = 128        # memory_limit of the pool (the course's)


@dataclass(frozen=True)
class Autoreply:
    """A mailbox's automatic reply (sieve vacation), sent From the mailbox's own address."""
    subject: str
    body: str
    start: date | None = None   # first day (Asia/Tokyo), None: from now on
    end: date | None = None     # last day (Asia/Tokyo), None: until turned off
    days: int = 1               # days before the same sender is answered again


@dataclass(frozen=True)
class Mailbox:
    address: str                # local@domain, domain in ASCII
    password_hash: str          # dovecot form with scheme prefix, e.g. {ARGON2ID}$argon2id$...
    quota_mb: int = 0           # 0: no quota rule
    forwards: Sequence[str] = ()
    keep_copy: bool = True      # with forwards: also deliver to this mailbox
    send_locked: bool = False   # mass-mail lock: sending refused (postfix sender access REJECT)
    suspended: bool = False     # the customer is stopped: no login, no sending; incoming mail still kept
    autoreply: Autoreply | None = None  # None: no automatic reply


@dataclass(frozen=True)
class MailAlias:
    address: str
    members: Sequence[str] = ()


@dataclass(frozen=True)
class MailingList:
    address: str
    members: Sequence[str] = ()


@dataclass(frozen=True)
class DkimSigning:
    """A domain whose mail OpenDKIM signs, and its key (issue 17 item 4)."""
    domain: str                 # ASCII domain
    selector: str               # one DNS label: the key is published at <selector>._domainkey.<domain>
    private_key: str            # PEM


@dataclass(frozen=True)
class FtpUser:
    name: str
    password_hash: str          # crypt(3) form pure-ftpd verifies: $2b$ bcrypt, $6$, $argon2id$
    home_dir: str               # relative to customer_home, or absolute below it
    customer_home: str          # absolute; the FTP user is confined (chrooted) below it
    uid: int = 0                # system uid/gid the files belong to (>= 1000, never root)
    gid: int = 0
    suspended: bool = False     # the customer is stopped: the user cannot log in (its files stay)


@dataclass(frozen=True)
class Zone:
    origin: str                 # ASCII domain, no trailing dot
    serial: int                 # SOA serial; the caller bumps it when records change
    records: Sequence[ZoneRecord] = ()
    nameservers: Sequence[str] = ()   # empty: the driver's default nameservers
    hostmaster: str | None = None     # e-mail address; default hostmaster@<origin>


@dataclass(frozen=True)
class ProtectedDir:
    path: str                   # relative to the web root ('' protects the whole site)
    realm: str
    users: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (name, nginx-accepted hash)


@dataclass(frozen=True)
class DatabaseSpec:
    engine: str                 # 'mariadb' | 'postgresql'
    name: str
    user: str
    password: str | None = None  # needed to create / change the password, not to drop


@dataclass(frozen=True)
class LeftOut:
    """One item of the wanted state that was refused while the others were applied."""
    error: ApplyError           # why: the rule, or the tool's own words about this item alone
    served: bool                # True: the item's previous configuration is still in place


@dataclass(frozen=True)
class ApplyResult:
    ok: bool
    detail: str
    left_out: Mapping[str, LeftOut] = field(default_factory=dict)  # by domain / zone / user name


def checked(rule, *args, **kwargs):
    """Run a tenants rule; a RuleViolation becomes an ApplyError carrying the same problems."""
    from tenants.errors import RuleViolation

    try:
        return rule(*args, **kwargs)
    except RuleViolation as exc:
        raise ApplyError(f"refused: {exc}", problems=exc.problems) from exc
