"""Dovecot passwd-file for hosted mailboxes (passdb and userdb in one file).

One line per mailbox:  address:{SCHEME}hash:::: <mail_root>/<domain>/<local> ::userdb_quota_rule=...
(a suspended customer's mailbox also gets ``nologin=y``: its password no longer logs in; a
mailbox with an automatic reply names its sieve script, ``userdb_sieve=...``, sieve.py).
uid/gid are left empty so the server's ``mail_uid``/``mail_gid`` (or userdb default_fields)
apply. Dovecot config to use it (given once by the administrator):

  passdb { driver = passwd-file  args = <config>/dovecot/users }
  userdb { driver = passwd-file  args = <config>/dovecot/users }
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Sequence

from workers.drivers.host import sieve
from workers.drivers.host.nginx import safe_path
from workers.drivers.host.spec import ApplyError, Mailbox

# Schemes `doveadm pw -l` lists on Debian 12 that are slow, salted hashes.
SCHEMES = ("ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT", "PBKDF2")
_HASH = re.compile(r"^\{(" + "|".join(re.escape(s) for s in SCHEMES) + r")\}[!-9;-~]{20,}$")


def check_hash(address: str, hashed: str) -> str:
    if not isinstance(hashed, str) or not _HASH.match(hashed):
        raise ApplyError(f"refused: the password hash of {address} must be a dovecot "
                         f"{{SCHEME}} hash with one of {', '.join(SCHEMES)}")
    return hashed


def render_passwd(mailboxes: Sequence[Mailbox], mail_root: str, scripts: Mapping[str, Path] | None = None) -> str:
    """The passwd-file text; ``mailboxes`` must already have passed postfix.check_mail. ``scripts``:
    the sieve script of each mailbox with an automatic reply, by address (sieve.py)."""
    root = safe_path(mail_root, "mail root")
    lines = ["# Written by the hosting panel's local driver; edits here are overwritten."]
    for box in sorted(mailboxes, key=lambda b: b.address):
        local, domain = box.address.split("@")
        extra = f"userdb_quota_rule=*:storage={box.quota_mb}M" if box.quota_mb else ""
        if box.suspended:  # passdb refuses IMAP/POP/SMTP AUTH; the userdb still lets LMTP deliver
            extra = " ".join(x for x in (extra, "nologin=y reason=suspended") if x)
        if scripts and box.address in scripts:
            extra = " ".join(x for x in (extra, sieve.userdb_field(scripts[box.address])) if x)
        lines.append(f"{box.address}:{check_hash(box.address, box.password_hash)}::::"
                     f"{root}/{domain}/{local}::{extra}")
    return "\n".join(lines) + "\n"
