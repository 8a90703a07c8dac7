"""PHP-FPM: one pool per customer and PHP version, run as the customer's system user and confined
to its home (issue 16 item 3). Pure rendering; the driver (users.py) writes and validates.

Layout under the config directory, one master per version found on the server:

  php/<version>/php-fpm.conf       the master (pid, log, includes pool.d/*.conf)
  php/<version>/pool.d/<user>.conf one pool per customer using this version
  php/<version>/pool.d/00-idle.conf a pool of nobody, so the master is valid with no customer pool
  php/run/<user>-<version>.sock    the sockets nginx passes *.php to (or in ``php_socket_dir``:
                                   a socket's path must fit in 107 bytes)
  run/php-fpm<version>.pid, logs/php-fpm<version>.log

The provider runs each master from this file (e.g. a systemd drop-in:
``ExecStart=/usr/sbin/php-fpm8.2 --nodaemonize --fpm-config <config_dir>/php/8.2/php-fpm.conf``)
and may set the tool ``reload-php8.2`` (e.g. ``systemctl reload php8.2-fpm``).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from workers.drivers.host.nginx import safe_path, system_user
from workers.drivers.host.spec import ApplyError, PhpPool, SystemUser

VERSION = re.compile(r"^[0-9]{1,2}\.[0-9]{1,2}$")
BINARY = re.compile(r"^php-fpm([0-9]{1,2}\.[0-9]{1,2})$")
IDLE_POOL = "00-idle.conf"
MAX_MEMORY_MB = 65536


def version(value: str) -> str:
    if not isinstance(value, str) or not VERSION.match(value):
        raise ApplyError(f"refused: {value!r} is not a PHP version such as 8.2")
    return value


def versions_in(names: Sequence[str]) -> list[str]:
    """The PHP versions of the php-fpmX.Y programs in a listing of /usr/sbin, oldest first."""
    found = {m.group(1) for name in names if (m := BINARY.match(name))}
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def binary(fpm_dir: str, ver: str) -> str:
    return f"{safe_path(fpm_dir, 'PHP-FPM directory')}/php-fpm{version(ver)}"


def version_dir(config_dir: Path, ver: str) -> Path:
    return Path(config_dir) / "php" / version(ver)


SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes with the final NUL


def socket_path(run_dir: Path, user: str, ver: str) -> str:
    path = str(Path(run_dir) / f"{system_user(user)}-{version(ver)}.sock")
    if len(path.encode()) > SOCKET_PATH_MAX:
        raise ApplyError(f"refused: the PHP socket path {path} is longer than {SOCKET_PATH_MAX} bytes; set a "
                         "shorter php_socket_dir for this server")
    return path


def check_user(user: SystemUser, min_uid: int = 1000) -> SystemUser:
    system_user(user.name)
    safe_path(user.home, "home")
    if not isinstance(user.uid, int) or isinstance(user.uid, bool) or not min_uid <= user.uid < 2 ** 31:
        raise ApplyError(f"refused: the uid of {user.name} must be at least {min_uid}")
    return user


def render_master(config_dir: Path, ver: str) -> str:
    root = version_dir(config_dir, ver)
    return "\n".join([
        "; Written by the hosting panel's driver; edits here are overwritten.",
        "[global]",
        f"pid = {Path(config_dir) / 'run' / f'php-fpm{ver}.pid'}",
        f"error_log = {Path(config_dir) / 'logs' / f'php-fpm{ver}.log'}",
        f"include = {root}/pool.d/*.conf",
        "",
    ])


def render_idle(run_dir: Path, ver: str) -> str:
    """A pool that never starts a process, so the master has a pool when no customer uses this version."""
    return "\n".join([
        "[00-idle]", "user = nobody", "group = nogroup",
        f"listen = {socket_path(run_dir, '_idle', ver)}",
        "listen.mode = 0600", "pm = ondemand", "pm.max_children = 1", "",
    ])


def render_pool(pool: PhpPool, run_dir: Path, web_group: str) -> str:
    """A customer's pool: its user, its socket (its user and the web server's group only), and
    PHP kept inside its home: open_basedir, upload and session files, temp files."""
    user = check_user(pool.user)
    memory = pool.memory_mb
    if not isinstance(memory, int) or isinstance(memory, bool) or not 1 <= memory <= MAX_MEMORY_MB:
        raise ApplyError(f"refused: the PHP memory limit of {user.name} is not a number of MB")
    home, tmp = user.home, f"{user.home}/tmp"
    return "\n".join([
        f"[{user.name}]",
        f"user = {user.name}",
        f"group = {user.name}",
        f"listen = {socket_path(run_dir, user.name, pool.version)}",
        f"listen.owner = {user.name}",
        f"listen.group = {system_user(web_group)}",
        "listen.mode = 0660",
        "pm = ondemand",
        "pm.max_children = 5",
        "pm.process_idle_timeout = 10s",
        "pm.max_requests = 500",
        f"chdir = {home}",
        "security.limit_extensions = .php",
        "clear_env = yes",
        f"env[TMPDIR] = {tmp}",
        f"php_admin_value[open_basedir] = {home}/",
        f"php_admin_value[upload_tmp_dir] = {tmp}",
        f"php_admin_value[sys_temp_dir] = {tmp}",
        f"php_admin_value[session.save_path] = {tmp}",
        f"php_admin_value[memory_limit] = {memory}M",
        "php_admin_flag[allow_url_include] = off",
        "",
    ])


def fastcgi_lines(socket: str, memory_mb: int | None, indent: str = "    ") -> list[str]:
    """The nginx location passing *.php of a site to its pool (nothing else reaches PHP)."""
    safe_path(socket, "PHP socket")
    lines = [
        "location ~ \\.php$ {",
        "    try_files $uri =404;",
        f"    fastcgi_pass unix:{socket};",
        "    fastcgi_index index.php;",
    ]
    for name, value in (("SCRIPT_FILENAME", "$realpath_root$fastcgi_script_name"), ("QUERY_STRING", "$query_string"),
                        ("REQUEST_METHOD", "$request_method"), ("CONTENT_TYPE", "$content_type"),
                        ("CONTENT_LENGTH", "$content_length"), ("SCRIPT_NAME", "$fastcgi_script_name"),
                        ("REQUEST_URI", "$request_uri"), ("DOCUMENT_URI", "$document_uri"),
                        ("DOCUMENT_ROOT", "$realpath_root"), ("SERVER_PROTOCOL", "$server_protocol"),
                        ("REQUEST_SCHEME", "$scheme"), ("HTTPS", "$https if_not_empty"),
                        ("GATEWAY_INTERFACE", "CGI/1.1"), ("REMOTE_ADDR", "$remote_addr"),
                        ("REMOTE_PORT", "$remote_port"), ("SERVER_ADDR", "$server_addr"),
                        ("SERVER_PORT", "$server_port"), ("SERVER_NAME", "$server_name"),
                        ("REDIRECT_STATUS", "200"), ("HTTP_PROXY", '""')):
        lines.append(f"    fastcgi_param {name} {value};")
    if memory_mb is not None:
        if not isinstance(memory_mb, int) or isinstance(memory_mb, bool) or not 1 <= memory_mb <= MAX_MEMORY_MB:
            raise ApplyError("refused: the PHP memory limit of a site is not a number of MB")
        lines.append(f'    fastcgi_param PHP_ADMIN_VALUE "memory_limit={memory_mb}M";')
    lines.append("}")
    return [indent + line for line in lines]


def check_command(fpm: list[str], conf: Path) -> list[str]:
    return [*fpm, "-t", "-y", str(conf)]
