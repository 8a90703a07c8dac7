"""How the panel reaches a server: its connection settings, checked field by field, and its keys.

Non-secret settings the provider sees are columns (``ssh_port``, ``ssh_user``, ``ssh_public_key``,
``host_key`` and its fingerprint); everything else — paths, reload commands, the DB administrator's
credentials and the SSH private key — lives in the server's sealed driver settings
(``driver_config_secret``, tenants.crypto), bound to the server row. Secrets are write-only: an
empty password field keeps the one stored.

Every bad value is a Problem beside its field, and nothing is saved while any is left.
"""
from __future__ import annotations

import ipaddress
import re
import shlex

from tenants import audit
from tenants.crypto import SecretBox
from tenants.errors import N_, Problem, RuleViolation
from tenants.hosting.system_users import DEFAULT_FIRST_UID, DEFAULT_LAST_UID, prefix_ok
from tenants.models import Server
from tenants.servers.rules import open_driver_config, seal_driver_config
from tenants.servers.ssh_keys import fingerprint, generate_key_pair, parse_public, public_line

PATH_FIELDS = ("config_dir", "homes_root", "mail_root", "mail_log",
               # issue 16: PHP-FPM programs and sockets, the cron file customers' jobs are written to
               "php_fpm_dir", "php_socket_dir", "cron_file",
               # issue 16 item 4: sshd's config, the panel's drop-in and the logins' key files
               "sshd_config", "sshd_dropin", "ssh_keys_dir")
# issue 16: the customers' system users on this server (tenants/hosting/system_users.py)
HOSTING_FIELDS = ("web_group", "system_user_prefix", "uid_min", "uid_max", "sftp_group", "ssh_group",
                  "dkim_group", "dkim_trusted_hosts")  # issue 17: OpenDKIM's key group, hosts whose mail it signs
LOWEST_UID = 1000            # below: the system's own users (Debian policy)
HIGHEST_UID = 4_294_967_294  # 2**32 - 2: (uid_t) -1 is "no user"
RELOAD_FIELDS = {"reload_web": "reload-web", "reload_mail": "reload-mail", "reload_ftp": "reload-ftp",
                 "reload_dns": "reload-dns",
                 # issue 16: a stopped customer's open sessions end (workers/drivers/host/sessions.py)
                 "kick_mail": "doveadm", "list_ftp": "pure-ftpwho", "kill_ftp": "kill",
                 "reload_dkim": "reload-dkim",  # issue 17: OpenDKIM re-reads its tables
                 "reload_ssh": "reload-ssh", "kill_ssh": "pkill"}  # sshd re-reads its drop-in; stopped logins end
DB_ENGINES = ("mariadb", "postgresql")
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_DB_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,79}$")
_PATH = re.compile(r"^/[A-Za-z0-9._~@+/-]*$")
_PROGRAM = re.compile(r"^[A-Za-z0-9._/+-]+$")


def _port(value) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and 1 <= int(text) <= 65535 else None


def safe_config_path(value: str) -> bool:
    """Absolute, no ``..`` or ``.`` step, letters, digits and . _ ~ @ + - / only (no quoting needed)."""
    parts = value.split("/")[1:]
    return bool(_PATH.match(value)) and value != "/" and all(p not in ("", ".", "..") for p in parts)


def command_argv(text: str) -> list[str] | None:
    """A reload command as an argument list (no shell runs it); None if it is not one."""
    try:
        argv = shlex.split(text)
    except ValueError:
        return None
    if not argv or not _PROGRAM.match(argv[0]) or ".." in argv[0].split("/") \
            or any(c in arg for arg in argv for c in "\x00\n\r"):
        return None
    return argv


def connection_problems(data: dict) -> list[Problem]:
    """Every problem of the submitted connection settings, each beside its field."""
    problems: list[Problem] = []
    if "ssh_port" in data and _port(data["ssh_port"]) is None:
        problems.append(Problem(N_("Enter a port number from 1 to 65535."), "ssh_port"))
    if "ssh_user" in data and not _USER.match(str(data["ssh_user"] or "").strip()):
        problems.append(Problem(N_("Enter a user name such as root."), "ssh_user"))
    for name in PATH_FIELDS:
        value = str(data.get(name) or "").strip()
        if value and not safe_config_path(value):
            problems.append(Problem(N_("Enter an absolute path without “..”, such as /etc/panel."), name))
    for name in RELOAD_FIELDS:
        value = str(data.get(name) or "").strip()
        if value and command_argv(value) is None:
            problems.append(Problem(N_("Enter a command such as systemctl reload nginx."), name))
    problems += _hosting_problems(data)
    for engine in DB_ENGINES:
        user = str(data.get(f"{engine}_user") or "").strip()
        if user and not _DB_USER.match(user):
            problems.append(Problem(N_("Enter a database user name such as root."), f"{engine}_user"))
    if str(data.get("host_key") or "").strip():
        try:
            parse_public(str(data["host_key"]), "host_key")
        except RuleViolation as exc:
            problems += exc.problems
    return problems


def trusted_hosts(value) -> list[str] | None:
    """Addresses or networks separated by blanks or commas (OpenDKIM's TrustedHosts); None if one
    is neither."""
    items = str(value or "").replace(",", " ").split()
    try:
        return [str(ipaddress.ip_network(item, strict=False)) if "/" in item else str(ipaddress.ip_address(item))
                for item in items]
    except ValueError:
        return None


def _uid(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and LOWEST_UID <= int(text) <= HIGHEST_UID else None


def _hosting_problems(data: dict) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("web_group", "dkim_group", "sftp_group", "ssh_group"):
        group = str(data.get(name) or "").strip()
        if group and not _USER.match(group):
            problems.append(Problem(N_("Enter a group name such as www-data."), name))
    if trusted_hosts(data.get("dkim_trusted_hosts")) is None:
        problems.append(Problem(N_("Enter addresses or networks such as 127.0.0.1 192.0.2.0/24, separated by "
                                   "spaces."), "dkim_trusted_hosts"))
    prefix = str(data.get("system_user_prefix") or "").strip()
    if prefix and not prefix_ok(prefix):
        problems.append(Problem(N_("Use up to 16 lower-case letters, digits, _ and -, starting with a letter or _."),
                                "system_user_prefix"))
    bounds = {}
    for name in ("uid_min", "uid_max"):
        if str(data.get(name) or "").strip():
            bounds[name] = _uid(data[name])
            if bounds[name] is None:
                problems.append(Problem(N_("Enter a number from %(low)s to %(high)s."), name,
                                        {"low": LOWEST_UID, "high": HIGHEST_UID}))
    low = bounds.get("uid_min", DEFAULT_FIRST_UID)
    high = bounds.get("uid_max", DEFAULT_LAST_UID)
    if low is not None and high is not None and low >= high:
        problems.append(Problem(N_("The highest uid must be above the lowest (%(low)s)."), "uid_max", {"low": low}))
    return problems


def connection_values(box: SecretBox, server: Server) -> dict:
    """The settings as the provider's form shows them: every value except the secrets (the DB
    administrators' passwords and the private key are never shown again)."""
    config = open_driver_config(box, server)
    tools = config.get("tools") or {}
    admins = config.get("db_admin") or {}
    values = {"ssh_port": str(server.ssh_port or 22), "ssh_user": server.ssh_user or "root"}
    values |= {name: str(config.get(name) or "") for name in PATH_FIELDS}
    values |= {name: " ".join(config[name]) if isinstance(config.get(name), list) else str(config.get(name) or "")
               for name in HOSTING_FIELDS}
    values |= {name: shlex.join(tools[tool]) if tools.get(tool) else "" for name, tool in RELOAD_FIELDS.items()}
    values |= {f"{engine}_user": str((admins.get(engine) or {}).get("user") or "") for engine in DB_ENGINES}
    return values


def stored_secrets(box: SecretBox, server: Server) -> set[str]:
    """Which write-only fields hold a stored secret (shown as "stored", never as the value)."""
    config = open_driver_config(box, server)
    admins = config.get("db_admin") or {}
    found = {f"{engine}_password" for engine in DB_ENGINES if (admins.get(engine) or {}).get("password")}
    return found | ({"ssh_private_key"} if config.get("ssh_private_key") else set())


def apply_connection(session, actor, server: Server, box: SecretBox, data: dict) -> Server:
    """Check and store the connection settings; nothing is saved while a field is wrong."""
    problems = connection_problems(data)
    if problems:
        raise RuleViolation(problems)
    if "ssh_port" in data:
        server.ssh_port = int(str(data["ssh_port"]).strip())  # checked above
    if "ssh_user" in data:
        server.ssh_user = str(data["ssh_user"]).strip()
    if str(data.get("host_key") or "").strip():
        _pin(server, str(data["host_key"]))
    config = open_driver_config(box, server)
    for name in PATH_FIELDS:
        if name in data:
            value = str(data[name] or "").strip()
            config.pop(name, None) if not value else config.__setitem__(name, value)
    for name in HOSTING_FIELDS:
        if name in data:
            value = str(data[name] or "").strip()
            if not value:
                config.pop(name, None)
            else:
                config[name] = int(value) if name.startswith("uid_") else \
                    trusted_hosts(value) if name == "dkim_trusted_hosts" else value
    tools = dict(config.get("tools") or {})
    for name, tool in RELOAD_FIELDS.items():
        if name in data:
            value = str(data[name] or "").strip()
            tools.pop(tool, None) if not value else tools.__setitem__(tool, command_argv(value))
    config["tools"] = tools
    admins = dict(config.get("db_admin") or {})
    for engine in DB_ENGINES:
        user, password = data.get(f"{engine}_user"), data.get(f"{engine}_password")
        if user is not None or password:
            admin = dict(admins.get(engine) or {})
            if user is not None:
                admin["user"] = str(user).strip()
            if password:  # write-only: an empty field keeps the stored password
                admin["password"] = str(password)
            admins[engine] = admin
    config["db_admin"] = admins
    seal_driver_config(box, server, config)
    audit.record(session, actor, "server.connection", server, f"connection settings of {server.hostname} changed")
    return server


def _pin(server: Server, line: str) -> str:
    key_type, _blob = parse_public(line, "host_key")
    server.host_key = f"{key_type} {line.strip().split()[1]}"
    server.host_key_fingerprint = pinned = fingerprint(server.host_key)
    return pinned


def pin_host_key(session, actor, server: Server, line: str) -> str:
    """Pin the host key the provider confirmed (by its fingerprint) for this server."""
    pinned = _pin(server, line)
    audit.record(session, actor, "server.host_key", server, f"host key of {server.hostname} pinned: {pinned}")
    return pinned


def generate_server_key(session, actor, server: Server, box: SecretBox) -> str:
    """A new ed25519 key pair for this server: the private key sealed, the public line returned
    (and kept on the row) for the provider to paste into the server's authorized_keys."""
    private, public = generate_key_pair(f"panel@{server.hostname}")
    _store_key(box, server, private, public)
    audit.record(session, actor, "server.ssh_key", server, f"new SSH key for {server.hostname}")
    return public


def upload_server_key(session, actor, server: Server, box: SecretBox, private_pem: str) -> str:
    """Use the provider's own private key for this server (sealed); its public line is returned."""
    public = public_line(private_pem or "", f"panel@{server.hostname}")
    _store_key(box, server, private_pem, public)
    audit.record(session, actor, "server.ssh_key", server, f"uploaded SSH key for {server.hostname}")
    return public


def _store_key(box: SecretBox, server: Server, private: str, public: str) -> None:
    config = open_driver_config(box, server)
    config["ssh_private_key"] = private
    seal_driver_config(box, server, config)
    server.ssh_public_key = public


def authorized_keys_line(server: Server, panel_address: str) -> str:
    """The line the provider pastes into root's authorized_keys on the server (README: "Adding a
    server"): the panel's key for this server, usable only from the panel's address."""
    if not server.ssh_public_key:
        raise RuleViolation.one(N_("Generate or upload this server's SSH key first."), "ssh_public_key")
    return (f'from="{panel_address}",no-agent-forwarding,no-port-forwarding,no-X11-forwarding '
            f"{server.ssh_public_key}")
