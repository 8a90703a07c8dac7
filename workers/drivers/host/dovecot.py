"""Dovecot passwd-file for hosted mailboxes (passdb and userdb in one file).

One line per mailbox:  address:{SCHEME}hash:::: <mail_root>/<domain>/<local> ::userdb_quota_rule=...
(a suspended customer's mailbox also gets ``nologin=y``: its password no longer logs in).
uid/gid are left empty so the server's ``mail_uid``/``mail_gid`` (or userdb default_fields)
apply. Dovecot config to use it (given once by the administrator):

  passdb { driver = passwd-file  args = <config>/dovecot/users }
  userdb { driver = passwd-file  args = <config>/dovecot/users }
"""
from __future__ import annotations

import re
from typing import Sequence

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


def render_passwd(mailboxes: Sequence[Mailbox], mail_root: str) -> str:
    """The passwd-file text; ``mailboxes`` must already have passed postfix.check_mail."""
    root = safe_path(mail_root, "mail root")
    lines = ["# Written by the hosting panel's local driver; edits here are overwritten."]
    for box in sorted(mailboxes, key=lambda b: b.address):
        local, domain = box.address.split("@")
        extra = f"userdb_quota_rule=*:storage={box.quota_mb}M" if box.quota_mb else ""
        if box.suspended:  # passdb refuses IMAP/POP/SMTP AUTH; the userdb still lets LMTP deliver
            extra = " ".join(x for x in (extra, "nologin=y reason=suspended") if x)
        lines.append(f"{box.address}:{check_hash(box.address, box.password_hash)}::::"
                     f"{root}/{domain}/{local}::{extra}")
    return "\n".join(lines) + "\n"
