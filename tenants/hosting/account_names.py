"""Names of the accounts a customer creates on a server, and paths under their home.

Each check returns the normalised value or raises RuleViolation; what passes here is safe to put
in a config file, a map key, an SQL identifier (after the driver's quoting) or a path join.

Limits that come from the servers themselves:
  - mailbox local part: 64 octets (RFC 5321); address: 254 octets;
  - MariaDB: database names 64 characters, each '_' counting as two (GRANT needs every '_'
    escaped with a backslash, and the escaped name must fit too); user names 80 characters
    (MariaDB >= 10.0; 10.11 takes 128, we keep 80 so accounts move between versions);
  - PostgreSQL: identifiers 63 bytes (NAMEDATALEN - 1); role names starting ``pg_`` are reserved.
Database identifiers are restricted further to lower-case ASCII letters, digits and ``_`` starting
with a letter, so they mean the same quoted and unquoted and on case-sensitive file systems.

Service password hashes: the panel hashes a password the moment it is entered (only the hash is
stored and handed to the provisioning job); each service gets a scheme it can verify.
"""
from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from tenants.accounts.password_policy import password_problems
from tenants.errors import N_, RuleViolation
from tenants.hosting.hostnames import to_ascii

ENGINES = ("mariadb", "postgresql")
MAX_LOCAL_PART = 64
MAX_ADDRESS = 254
MAX_NAME = {"mariadb": {"database": 64, "user": 80}, "postgresql": {"database": 63, "user": 63}}
RESERVED_DATABASE_NAMES = frozenset({
    "mysql", "information_schema", "performance_schema", "sys", "test", "postgres", "template0",
    "template1", "mariadb",
})
RESERVED_USERS = frozenset({
    "root", "admin", "administrator", "mysql", "mariadb", "postgres", "public", "none", "user",
    "current_user", "session_user", "current_role", "system_user", "ftp", "anonymous", "nobody",
    "daemon", "www-data", "postmaster", "mail", "mailer-daemon", "abuse", "hostmaster", "vmail",
})
MAX_PATH = 1024
MAX_SEGMENT = 255

_LOCAL_PART = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_SERVICE_USER = re.compile(r"^[a-z][a-z0-9._-]*$")
_DB_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_HTPASSWD_USER = re.compile(r"^[A-Za-z0-9._@-]+$")
_SEGMENT = re.compile(r"^[A-Za-z0-9._~@+-]+$")


def _fail(msgid: str, field: str, **params) -> RuleViolation:
    return RuleViolation.one(msgid, field, **params)


# --- mail -------------------------------------------------------------------------------------

def mailbox_local_part(local: str, field: str = "local_part") -> str:
    """The part before @ of a hosted mailbox, alias or list: a-z, 0-9, '.', '_', '-'.

    '+' is refused: it is the recipient delimiter (name+tag@domain reaches name@domain).
    """
    local = (local or "").strip().lower()
    if not local:
        raise _fail(N_("Enter the part before the @."), field)
    if len(local) > MAX_LOCAL_PART:
        raise _fail(N_("The part before the @ may have at most %(n)s characters."), field, n=MAX_LOCAL_PART)
    if ".." in local or not _LOCAL_PART.match(local):
        raise _fail(N_("Use lower-case letters, digits, '.', '_' and '-' before the @, "
                       "starting and ending with a letter or digit."), field)
    return local


def hosted_address(address: str, field: str = "address") -> str:
    """An address on a domain we host (mailbox, alias, list): normalised local part @ punycode."""
    local, domain = _split_address(address, field)
    result = f"{mailbox_local_part(local, field)}@{to_ascii(domain, field)}"
    if len(result) > MAX_ADDRESS:
        raise _fail(N_("An e-mail address may have at most %(n)s characters."), field, n=MAX_ADDRESS)
    return result


def email_address(address: str, field: str = "address") -> str:
    """Any deliverable address (a forward or list member): dot-atom local part @ punycode domain.

    Quoted local parts, comments and IP literals are refused; they are legal but never needed and
    they break map files.
    """
    local, domain = _split_address(address, field)
    if len(local) > MAX_LOCAL_PART or not _ATEXT.match(local):
        raise _fail(N_("%(address)s is not a valid e-mail address."), field, address=address.strip())
    result = f"{local}@{to_ascii(domain, field)}"
    if len(result) > MAX_ADDRESS:
        raise _fail(N_("An e-mail address may have at most %(n)s characters."), field, n=MAX_ADDRESS)
    return result


def _split_address(address: str, field: str) -> tuple[str, str]:
    address = (address or "").strip() if isinstance(address, str) else ""
    if address.count("@") != 1:
        raise _fail(N_("Enter an e-mail address such as name@example.com."), field)
    local, domain = address.split("@")
    if not local or not domain:
        raise _fail(N_("Enter an e-mail address such as name@example.com."), field)
    return local, domain


# --- FTP, htpasswd ----------------------------------------------------------------------------

def service_user(name: str, field: str = "name", max_length: int = 32) -> str:
    """An FTP/SSH user name: starts with a letter; a-z, 0-9, '.', '_', '-'; at most 32 chars."""
    name = (name or "").strip().lower()
    if not name:
        raise _fail(N_("Enter a user name."), field)
    if len(name) > max_length:
        raise _fail(N_("The user name may have at most %(n)s characters."), field, n=max_length)
    if not _SERVICE_USER.match(name) or name[-1] in ".-":
        raise _fail(N_("Use lower-case letters, digits, '.', '_' and '-', starting with a letter."), field)
    if name in RESERVED_USERS:
        raise _fail(N_("The name %(name)s is reserved."), field, name=name)
    return name


def htpasswd_user(name: str, field: str = "name") -> str:
    """A user of a password-protected directory: letters, digits, '.', '_', '@', '-'; 1..64."""
    name = (name or "").strip()
    if not name:
        raise _fail(N_("Enter a user name."), field)
    if len(name) > 64:
        raise _fail(N_("The user name may have at most %(n)s characters."), field, n=64)
    if not _HTPASSWD_USER.match(name):
        raise _fail(N_("Use letters, digits, '.', '_', '@' and '-' in the user name."), field)
    return name


def auth_realm(text: str, field: str = "realm") -> str:
    """The text a browser shows when asking for a password: printable, at most 64 characters."""
    text = (text or "").strip()
    if not text:
        raise _fail(N_("Enter the text shown in the password prompt."), field)
    if len(text) > 64:
        raise _fail(N_("The prompt text may have at most %(n)s characters."), field, n=64)
    if any(ord(c) < 0x20 or c in '"\\$;{}\x7f' for c in text):
        raise _fail(N_('The prompt text must not contain quotes, backslashes, "$", ";", braces '
                       "or control characters."), field)
    return text


# --- databases --------------------------------------------------------------------------------

def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise _fail(N_("Choose MariaDB or PostgreSQL."), "engine")
    return engine


def database_name(name: str, engine: str, field: str = "name") -> str:
    """A database name valid (and identical quoted or not) on ``engine``."""
    limit = MAX_NAME[_engine(engine)]["database"]
    name = (name or "").strip()
    _db_identifier(name, limit, field)
    if engine == "mariadb" and len(name) + name.count("_") > limit:
        # GRANT ... ON `db`.* needs '_' escaped as '\_' (else it is a wildcard), and the escaped
        # form must fit in 64 characters too.
        raise _fail(N_("The name may have at most %(n)s characters, each '_' counting as two."), field, n=limit)
    if name in RESERVED_DATABASE_NAMES:
        raise _fail(N_("The name %(name)s is reserved."), field, name=name)
    return name


def database_user(name: str, engine: str, field: str = "user") -> str:
    """A database user (MariaDB account name / PostgreSQL role) valid on ``engine``."""
    limit = MAX_NAME[_engine(engine)]["user"]
    name = (name or "").strip()
    _db_identifier(name, limit, field)
    if name in RESERVED_USERS or name.startswith("pg_") or name.startswith("mariadb"):
        raise _fail(N_("The name %(name)s is reserved."), field, name=name)
    return name


def _db_identifier(name: str, limit: int, field: str) -> None:
    if not name:
        raise _fail(N_("Enter a name."), field)
    if len(name) > limit:
        raise _fail(N_("The name may have at most %(n)s characters."), field, n=limit)
    if not _DB_IDENT.match(name):
        raise _fail(N_("Use lower-case letters, digits and '_', starting with a letter."), field)


# --- paths under a home -----------------------------------------------------------------------

def relative_path(path: str, field: str = "path") -> str:
    """A path below a customer's home, normalised ('' is the home itself).

    Refused: absolute paths, '..', NUL and control characters, backslashes, and characters other
    than letters, digits and ``. _ ~ @ + -``. '.' segments and repeated slashes are dropped.
    """
    if not isinstance(path, str):
        raise _fail(N_("Enter a folder path."), field)
    if "\x00" in path or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        raise _fail(N_("The path must not contain control characters."), field)
    path = path.strip()
    if path.startswith("/") or path.startswith("~"):
        raise _fail(N_("Enter a path relative to your home folder, without a leading '/' or '~'."), field)
    if "\\" in path:
        raise _fail(N_("Use '/' to separate folders."), field)
    if len(path) > MAX_PATH:
        raise _fail(N_("The path may have at most %(n)s characters."), field, n=MAX_PATH)
    segments = [s for s in path.split("/") if s not in ("", ".")]
    for segment in segments:
        if segment == "..":
            raise _fail(N_("The path must not contain '..'."), field)
        if len(segment) > MAX_SEGMENT:
            raise _fail(N_("Each folder name may have at most %(n)s characters."), field, n=MAX_SEGMENT)
        if not _SEGMENT.match(segment):
            raise _fail(N_("Use letters, digits and . _ ~ @ + - in folder names: %(segment)s."),
                        field, segment=segment)
    return "/".join(segments)


def resolve_under(home: Path | str, path: str, field: str = "path", realpath=os.path.realpath) -> Path:
    """The absolute path of ``path`` under ``home``, symlinks followed; refused if it leaves home.

    Reads the file system (to follow symlinks that exist) but changes nothing. A path that does
    not exist yet resolves lexically below its deepest existing ancestor. ``realpath``: how paths
    are resolved on the host that holds them (another server's, for a home on another server).
    """
    home_real = realpath(str(home))
    relative = relative_path(path, field)
    target = realpath(posixpath.join(home_real, relative)) if relative else home_real
    if target != home_real and not target.startswith(home_real.rstrip("/") + "/"):
        raise _fail(N_("The path %(path)s leads outside your home folder."), field, path=relative)
    return Path(target)


# --- service password hashes ------------------------------------------------------------------

def _checked(password: str, field: str) -> str:
    problems = password_problems(password or "", field=field)
    if problems:
        raise RuleViolation(problems)
    return password


def mail_password_hash(password: str, field: str = "password") -> str:
    """Dovecot passwd-file hash: ``{ARGON2ID}$argon2id$...`` (verified by ``doveadm pw -t``)."""
    from argon2 import PasswordHasher

    return "{ARGON2ID}" + PasswordHasher(parallelism=1).hash(_checked(password, field))


def bcrypt_password_hash(password: str, field: str = "password") -> str:
    """A ``$2b$`` bcrypt hash: accepted by nginx auth_basic (system crypt) and pure-ftpd."""
    import bcrypt

    password = _checked(password, field)
    if len(password.encode()) > 72:  # bcrypt reads 72 bytes at most
        raise _fail(N_("Use at most %(n)s characters."), field, n=72)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12)).decode("ascii")


web_password_hash = bcrypt_password_hash
ftp_password_hash = bcrypt_password_hash
