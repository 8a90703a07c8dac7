"""Virtual FTP users in pure-ftpd's passwd format, compiled with ``pure-pw mkdb``.

Files under <config>/ftp/: ``pureftpd.passwd`` (text) and ``pureftpd.pdb`` (what pure-ftpd reads:
``pure-ftpd -l puredb:<config>/ftp/pureftpd.pdb``). Each home ends in ``/./``, pure-ftpd's mark
for "chroot here": a user never sees above the directory the panel gave them, and that
directory is always inside the customer's home (symlinks resolved).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Sequence

from tenants.hosting import account_names
from workers.drivers.host.nginx import safe_path
from workers.drivers.host.spec import ApplyError, FtpUser, checked

MIN_ID = 1000  # Debian's first ordinary uid/gid; pure-ftpd refuses system accounts anyway
# crypt(3) forms pure-ftpd verifies (libsodium for argon2, libxcrypt for the rest).
CRYPT_HASH = re.compile(r"^(\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}|\$[56]\$(rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$"
                   r"[./A-Za-z0-9]{43,86}|\$y\$[./A-Za-z0-9$]+|\$argon2id?\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+"
                   r"\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)$")


def home_of(user: FtpUser, realpath=os.path.realpath) -> Path:
    """The FTP user's directory: below the customer's home, symlinks followed (on the host that
    holds it: ``realpath``)."""
    customer_home = safe_path(user.customer_home, "customer home")
    wanted = user.home_dir or ""
    if os.path.isabs(wanted):
        wanted = safe_path(wanted, "FTP home")
        if wanted != customer_home and not wanted.startswith(customer_home.rstrip("/") + "/"):
            raise ApplyError(f"refused: the FTP home {wanted} is not inside {customer_home}")
        wanted = os.path.relpath(wanted, customer_home)
    home = checked(account_names.resolve_under, customer_home, wanted, "home_dir", realpath)
    return Path(safe_path(str(home), "FTP home"))


def check_users(users: Sequence[FtpUser], realpath=os.path.realpath) -> list[tuple[FtpUser, str, Path]]:
    out, names = [], set()
    for user in users:
        name = checked(account_names.service_user, user.name, "name")
        if name in names:
            raise ApplyError(f"refused: the FTP user {name} is listed twice")
        names.add(name)
        if not isinstance(user.password_hash, str) or not CRYPT_HASH.match(user.password_hash):
            raise ApplyError(f"refused: the password hash of {name} is not a crypt(3) hash pure-ftpd "
                             "verifies (bcrypt, SHA-crypt, yescrypt or argon2)")
        for label, value in (("uid", user.uid), ("gid", user.gid)):
            if not isinstance(value, int) or isinstance(value, bool) or not MIN_ID <= value < 2**31:
                raise ApplyError(f"refused: the {label} of {name} must be at least {MIN_ID}")
        out.append((user, name, home_of(user, realpath)))
    return out


def render_passwd(users: Sequence[FtpUser], realpath=os.path.realpath) -> str:
    lines = []
    for user, name, home in sorted(check_users(users, realpath), key=lambda row: row[1]):
        if user.suspended:  # the customer is stopped: no line, no login (its files are not touched)
            continue
        # login:hash:uid:gid:gecos:home/./ then 12 empty limit fields (no per-user limits), as pure-pw writes
        lines.append(f"{name}:{user.password_hash}:{user.uid}:{user.gid}::{home}/./" + ":" * 12)
    return "".join(line + "\n" for line in lines)


def mkdb_command(pure_pw: list[str], passwd: Path, pdb: Path) -> list[str]:
    return [*pure_pw, "mkdb", str(pdb), "-f", str(passwd)]
