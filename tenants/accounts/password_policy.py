"""The password policy every principal's password (and every issued mail/FTP/DB password) meets."""
from __future__ import annotations

import re
import secrets
import string

from zxcvbn import zxcvbn

from tenants.errors import N_, Problem

MIN_LENGTH = 10
MAX_LENGTH = 128
# zxcvbn's score (0-4) from its estimate of the guesses needed: 3 means at least 10^8, which puts the
# password beyond common-password lists, keyboard walks, dates, l33t and reversed words.
MIN_GUESS_SCORE = 3
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
    if password and len(password) <= MAX_LENGTH and too_guessable(password, login_id):
        problems.append(Problem(N_("This password is too common or too easy to guess. Avoid common "
                                   "passwords, words, keyboard patterns, dates and your login ID."), field))
    return problems


def too_guessable(password: str, login_id: str | None = None) -> bool:
    """Common or easily guessed, by zxcvbn's offline lists of common passwords, words and names and its
    patterns (keyboard walks, sequences, dates, l33t, reversed words), the login ID counted as a word."""
    return zxcvbn(password, user_inputs=_login_words(login_id), max_length=MAX_LENGTH)["score"] < MIN_GUESS_SCORE


def _login_words(login_id: str | None) -> list[str]:
    """The login ID as words to avoid: "demo-op" gives demo-op, demoop and demo (shorter parts say nothing)."""
    if not login_id:
        return []
    login = login_id.lower()
    parts = [w for w in re.split(r"[^a-z0-9]+", login) if len(w) >= 3]
    return list(dict.fromkeys([login, re.sub(r"[^a-z0-9]+", "", login), *parts]))


def generate_password(length: int = 16) -> str:
    """A random password that meets the policy (shown once to whoever issues it)."""
    alphabet = string.ascii_letters + string.digits + "-_.!"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not password_problems(candidate):
            return candidate
