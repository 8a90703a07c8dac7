"""SFTP/SSH accounts of an end user (issue 16 item 4; the OEM spec's "FTP/SSH" accounts): checked
here, saved as wanted state; the "ssh" job makes each a login on the customer's server that runs
as the customer's own system user (workers/drivers/host/ssh.py).

A login has a password (kept as a bcrypt crypt(3) hash, which the server's libxcrypt verifies), one
or more OpenSSH public keys, or both. A key is parsed (``cryptography``): one that does not parse
is refused beside the field and nothing is saved. Counted with the FTP accounts against the
course's FTP/SSH limit; a shell only where the course allows it (``shell_allowed``), else the
account is chrooted SFTP only."""
from __future__ import annotations

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting import account_names
from tenants.hosting.sftp_models import SftpAccount
from tenants.hosting.wanted import Work, check_limit, checked_all, need_server, taken_anywhere
from tenants.models import Course, Customer

MAX_KEYS = 20
MAX_KEY_LINE = 16384
MIN_RSA_BITS = 2048
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")


def _key_line(line: str, field: str) -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    parts = line.split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES or len(line) > MAX_KEY_LINE:
        raise RuleViolation.one(N_("This is not an OpenSSH public key (ssh-ed25519, ssh-rsa or ecdsa-sha2-…, one "
                                   "per line, without options): %(line)s"), field, line=line[:60])
    try:
        key = load_ssh_public_key(f"{parts[0]} {parts[1]}".encode("ascii"))
    except (ValueError, UnicodeError, TypeError):
        raise RuleViolation.one(N_("This public key does not parse: %(line)s"), field, line=line[:60]) from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise RuleViolation.one(N_("An RSA key needs at least %(n)s bits."), field, n=MIN_RSA_BITS)
    comment = "".join(c for c in (parts[2] if len(parts) > 2 else "") if c.isprintable())[:100].strip()
    return " ".join(p for p in (parts[0], parts[1], comment) if p)


def check_keys(text: str, field: str = "public_keys") -> str:
    """The keys typed, one per line (blank lines and # comments skipped), each parsed and written
    back as ``type base64 [comment]``: nothing else reaches the authorized keys file."""
    lines = [line.strip() for line in (text or "").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line and not line.startswith("#")]
    if len(lines) > MAX_KEYS:
        raise RuleViolation.one(N_("Enter at most %(n)s keys."), field, n=MAX_KEYS)
    keys = [_key_line(line, field) for line in lines]
    return "".join(key + "\n" for key in dict.fromkeys(keys))


def check_shell(session, customer: Customer, shell: bool, field: str = "shell") -> bool:
    if shell and not session.get(Course, customer.course_id).shell_allowed:
        raise RuleViolation.one(N_("Your course does not include shell access; the account can use SFTP."), field)
    return bool(shell)


def create_sftp(session, actor, customer: Customer, name: str, password: str = "", public_keys: str = "",
                shell: bool = False) -> tuple[SftpAccount, list[Work]]:
    need_server(customer, "name")
    user, hashed, keys, shell = checked_all(
        lambda: account_names.service_user(name),
        lambda: account_names.bcrypt_password_hash(password) if password else None,
        lambda: check_keys(public_keys), lambda: check_shell(session, customer, shell))
    if hashed is None and not keys:
        raise RuleViolation.one(N_("Enter a password, a public key or both."), "password")
    if taken_anywhere(session, SftpAccount, SftpAccount.name == user):
        raise RuleViolation.one(N_("The user name %(name)s is already taken."), "name", name=user)
    check_limit(session, customer, "sftp_accounts")
    account = SftpAccount(customer_id=customer.id, reseller_id=customer.reseller_id, name=user, password_hash=hashed,
                          public_keys=keys, shell=shell)
    session.add(account)
    session.flush()
    audit.record(session, actor, "sftp.create", account, f"added SFTP/SSH user {user}", customer_id=customer.id)
    return account, [Work.service(customer, "ssh")]


def update_sftp(session, actor, customer: Customer, account: SftpAccount, password: str = "", public_keys: str = "",
                shell: bool = False, remove_password: bool = False) -> list[Work]:
    """A new password (empty: kept, unless ``remove_password``), the keys as typed (empty: none),
    shell on or off."""
    hashed, keys, shell = checked_all(
        lambda: account_names.bcrypt_password_hash(password) if password else None,
        lambda: check_keys(public_keys), lambda: check_shell(session, customer, shell))
    kept = None if remove_password else account.password_hash
    if (hashed or kept) is None and not keys:
        raise RuleViolation.one(N_("Enter a password, a public key or both."), "password")
    account.password_hash = hashed or kept
    account.public_keys, account.shell = keys, shell
    account.want_changed()
    audit.record(session, actor, "sftp.update", account, f"changed SFTP/SSH user {account.name}",
                 customer_id=customer.id)
    return [Work.service(customer, "ssh")]


def delete_sftp(session, actor, customer: Customer, account: SftpAccount) -> list[Work]:
    account.want_gone()
    audit.record(session, actor, "sftp.delete", account, f"removed SFTP/SSH user {account.name}",
                 customer_id=customer.id)
    return [Work.service(customer, "ssh")]
