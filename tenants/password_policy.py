"""The password policy every principal's password (and every issued mail/FTP/DB password) meets."""
from __future__ import annotations

import secrets
import string

from tenants.errors import N_, Problem

MIN_LENGTH = 10
MAX_LENGTH = 128
_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def password_problems(password: str, login_id: str | None = None, field: str = "password") -> list[Problem]:
    """Why a password is refused; an empty list means it is accepted."""
    problems: list[Problem] = []
    if len(password) < MIN_LENGTH:
        problems.append(Problem(N_("Use at least %(n)s characters."), field, {"n": MIN_LENGTH}))
    if len(password) > MAX_LENGTH:
        problems.append(Problem(N_("Use at most %(n)s characters."), field, {"n": MAX_LENGTH}))
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in password):
        problems.append(Problem(N_("Use printable ASCII characters only, without spaces."), field))
    kinds = sum(any(c in cls for c in password) for cls in _CLASSES)
    if kinds < 3:
        problems.append(Problem(N_("Mix lower-case letters, upper-case letters and digits."), field))
    if login_id and login_id.lower() in password.lower():
        problems.append(Problem(N_("The password must not contain the login ID."), field))
    return problems


def generate_password(length: int = 16) -> str:
    """A random password that meets the policy (shown once to whoever issues it)."""
    alphabet = string.ascii_letters + string.digits + "-_.!"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not password_problems(candidate):
            return candidate
