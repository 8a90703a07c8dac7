"""Creating logins: the rules for login IDs and who may hold one."""
from __future__ import annotations

import re

from tenants.accounts.auth import login_id_taken
from tenants.accounts.models import realm_for
from tenants.accounts.password_policy import password_problems
from tenants.accounts.passwords import hash_password
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Principal, Role

# a login made without a role named: staff from the command line are admins, a reseller's first
# operator (made by the provider) its owner
DEFAULT_ACCESS = {Role.PROVIDER: "admin", Role.OPERATOR: "owner"}
LOGIN_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def login_id_problems(login_id: str, field: str = "login_id") -> list[Problem]:
    if not LOGIN_ID.match(login_id or ""):
        return [Problem(N_("Use 3 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit."), field)]
    return []


def email_problems(email: str | None, field: str = "email", required: bool = False) -> list[Problem]:
    if not email:
        return [Problem(N_("This field is required."), field)] if required else []
    if not EMAIL.match(email):
        return [Problem(N_("Enter a valid email address."), field)]
    return []


def create_principal(session, role: Role, login_id: str, password: str, *, reseller_id=None,
                     customer_id=None, display_name: str = "", email: str | None = None,
                     managed_customer_id=None, access: str | None = None) -> Principal:
    """A new login; the login ID is unique in its realm (staff, operators, or one reseller's end users)."""
    login_id = (login_id or "").strip().lower()
    problems = login_id_problems(login_id) + password_problems(password, login_id)
    problems += email_problems(email)
    if not problems and login_id_taken(session, role, reseller_id, login_id):
        problems.append(Problem(N_("This login ID is already in use."), "login_id"))
    if problems:
        raise RuleViolation(problems)
    principal = Principal(role=role.value, realm=realm_for(role, reseller_id), reseller_id=reseller_id,
                          customer_id=customer_id, managed_customer_id=managed_customer_id, login_id=login_id,
                          password_hash=hash_password(password), display_name=display_name or login_id,
                          email=email or None, access=access or DEFAULT_ACCESS.get(role))
    session.add(principal)
    return principal
