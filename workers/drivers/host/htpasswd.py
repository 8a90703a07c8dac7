"""``.htpasswd`` user files for nginx ``auth_basic_user_file``.

nginx verifies ``$apr1$``, ``{SHA}``, ``{SSHA}`` and ``{PLAIN}`` itself and hands anything else to
the system crypt(3) (libxcrypt on Debian 12: bcrypt ``$2b$``/``$2y$``, ``$6$``, ``$5$``, ``$y$``).
argon2 is not among them, and ``{PLAIN}`` we refuse on principle. The panel issues bcrypt
(tenants.account_names.web_password_hash); the other forms are for users imported from an
existing ``.htpasswd``. The files live in the config directory, never inside a web root, so they
cannot be downloaded; ``nginx.render_protected`` writes them with the snippets that use them.
"""
from __future__ import annotations

import re
from typing import Sequence

from tenants.hosting import account_names
from workers.drivers.host.spec import ApplyError, checked

HTPASSWD_HASH = re.compile(
    r"^(\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}|\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}"
    r"|\$[56]\$(rounds=[0-9]+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}|\$y\$[./A-Za-z0-9$]+"
    r"|\{SHA\}[A-Za-z0-9+/]{27}=|\{SSHA\}[A-Za-z0-9+/=]{28,})$")


def accepted_hash(hashed: str) -> bool:
    """Whether nginx on this platform verifies ``hashed`` (and we allow it)."""
    return isinstance(hashed, str) and bool(HTPASSWD_HASH.match(hashed))


def check_users(users: Sequence[tuple[str, str]], where: str) -> list[tuple[str, str]]:
    out, names = [], set()
    for name, hashed in users:
        name = checked(account_names.htpasswd_user, name, "name")
        if name in names:
            raise ApplyError(f"refused: the user {name} is listed twice for {where}")
        names.add(name)
        if not accepted_hash(hashed):
            raise ApplyError(f"refused: the password hash of {name} is not one nginx accepts "
                             "(bcrypt, apr1, SHA-crypt or {SHA}; not argon2 or plain text)")
        out.append((name, hashed))
    return out


def render_users(users: Sequence[tuple[str, str]], where: str = "this directory") -> str:
    """The ``.htpasswd`` text: one ``name:hash`` line per user."""
    return "".join(f"{name}:{hashed}\n" for name, hashed in check_users(users, where))
