"""FTP accounts (confined to a folder under the customer's home) and password-protected directories."""
from __future__ import annotations

from sqlalchemy import select

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting import account_names
from tenants.hosting.wanted import Work, check_limit, checked_all, live_domain, need_server, taken_anywhere
from tenants.models import Customer, FtpAccount, ProtectedDirectory, ProtectedUser


def create_ftp(session, actor, customer: Customer, name: str, password: str,
               directory: str = "") -> tuple[FtpAccount, list[Work]]:
    need_server(customer, "name")
    user, hashed, folder = checked_all(lambda: account_names.service_user(name),
                                       lambda: account_names.ftp_password_hash(password),
                                       lambda: account_names.relative_path(directory or "", "directory"))
    if taken_anywhere(session, FtpAccount, FtpAccount.name == user):
        raise RuleViolation.one(N_("The user name %(name)s is already taken."), "name", name=user)
    check_limit(session, customer, "ftp_accounts")
    account = FtpAccount(customer_id=customer.id, reseller_id=customer.reseller_id, name=user,
                         password_hash=hashed, directory=folder)
    session.add(account)
    session.flush()
    audit.record(session, actor, "ftp.create", account, f"added FTP user {user}", customer_id=customer.id)
    return account, [Work.service(customer, "ftp")]


def update_ftp(session, actor, customer: Customer, account: FtpAccount, password: str = "",
               directory: str = "") -> list[Work]:
    hashed, folder = checked_all(lambda: account_names.ftp_password_hash(password) if password else None,
                                 lambda: account_names.relative_path(directory or "", "directory"))
    if hashed:
        account.password_hash = hashed
    account.directory = folder
    account.want_changed()
    audit.record(session, actor, "ftp.update", account, f"changed FTP user {account.name}", customer_id=customer.id)
    return [Work.service(customer, "ftp")]


def delete_ftp(session, actor, customer: Customer, account: FtpAccount) -> list[Work]:
    account.want_gone()
    audit.record(session, actor, "ftp.delete", account, f"removed FTP user {account.name}", customer_id=customer.id)
    return [Work.service(customer, "ftp")]


# --- protected directories ------------------------------------------------------------------------

def create_protected(session, actor, customer: Customer, domain_id, path: str,
                     realm: str) -> tuple[ProtectedDirectory, list[Work]]:
    need_server(customer, "path")
    domain, folder, prompt = checked_all(lambda: live_domain(session, customer, domain_id),
                                         lambda: account_names.relative_path(path or ""),
                                         lambda: account_names.auth_realm(realm))
    if session.execute(select(ProtectedDirectory.id).where(ProtectedDirectory.domain_id == domain.id,
                                                           ProtectedDirectory.path == folder)).first():
        raise RuleViolation.one(N_("This directory is already protected."), "path")
    directory = ProtectedDirectory(customer_id=customer.id, reseller_id=customer.reseller_id, domain_id=domain.id,
                                   path=folder, realm=prompt)
    session.add(directory)
    session.flush()
    audit.record(session, actor, "protect.create", directory, f"protected {domain.name}/{folder}",
                 customer_id=customer.id)
    return directory, [Work.service(customer, "web")]


def add_protected_user(session, actor, customer: Customer, directory: ProtectedDirectory, name: str,
                       password: str) -> list[Work]:
    user, hashed = checked_all(lambda: account_names.htpasswd_user(name),
                               lambda: account_names.web_password_hash(password))
    existing = next((u for u in directory.users if u.name == user), None)
    if existing is not None:  # the same name again: a new password
        existing.password_hash = hashed
    else:
        directory.users.append(ProtectedUser(customer_id=customer.id, reseller_id=customer.reseller_id,
                                             name=user, password_hash=hashed))
    directory.want_changed()
    audit.record(session, actor, "protect.user", directory, f"{directory.domain.name}/{directory.path}: user {user}",
                 customer_id=customer.id)
    return [Work.service(customer, "web")]


def remove_protected_user(session, actor, customer: Customer, user: ProtectedUser) -> list[Work]:
    directory = user.directory
    directory.users.remove(user)
    directory.want_changed()
    audit.record(session, actor, "protect.user_remove", directory, f"removed user {user.name}",
                 customer_id=customer.id)
    return [Work.service(customer, "web")]


def delete_protected(session, actor, customer: Customer, directory: ProtectedDirectory) -> list[Work]:
    directory.want_gone()
    audit.record(session, actor, "protect.delete", directory, f"unprotected {directory.domain.name}/{directory.path}",
                 customer_id=customer.id)
    return [Work.service(customer, "web")]
