"""nginx configuration: a self-contained master file plus one server file per virtual host.

Layout under the config directory (everything nginx needs is inside it, so
``nginx -t -c <dir>/nginx.conf -p <dir>/`` validates without touching /etc, /run or /var):

  nginx.conf, mime.types          master file and the types it includes
  sites/<domain>.conf             one per virtual host
  protect/<key>/<n>.conf          auth_basic snippets of a web root's protected directories
  htpasswd/<key>/<n>.htpasswd     their user files (key: a digest of the web root path)
  run/ logs/ tmp/                 pid file, logs, temp paths
  certs/<domain>.pem, .key        a site's own certificate (full chain) and key, from the panel
  acme/.well-known/acme-challenge/<token>   HTTP-01 answers, served for every site
  logs/traffic.log                every virtual host's requests in TRAFFIC_FORMAT, the site's name
                                  first (read by workers/drivers/host/traffic.py for per-customer
                                  traffic)
"""
from __future__ import annotations

import hashlib
import html
import os
import re
from pathlib import Path
from typing import Sequence

from tenants.hosting import account_names, hostnames
from workers.drivers.host import htpasswd
from workers.drivers.host.files import file_name
from workers.drivers.host.spec import ApplyError, ProtectedDir, VirtualHost, checked

_SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~@+/-]*$")
_LISTEN = re.compile(r"^(?:\[[0-9a-fA-F:]+\]:|[0-9.]+:)?[0-9]{1,5}$")
_SYSTEM_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
MIME_TYPES = """types {
    text/html html htm;
    text/css css;
    text/plain txt;
    application/javascript js;
    application/json json;
    image/png png;
    image/jpeg jpeg jpg;
    image/gif gif;
    image/svg+xml svg;
    image/x-icon ico;
    image/webp webp;
    font/woff2 woff2;
    application/pdf pdf;
    application/xml xml;
}
"""
# OEM spec "サーバ利用状況" (network traffic per customer): one access log for every virtual host, set
# once in the http block, each line "<site> <time> <status> <bytes received> <bytes sent>" (request and
# response, headers included; <site>: $server_name, the first name of the server block, never the
# client's Host header). One log, not one per site: nginx opens one file instead of thousands
# (``nginx -t`` at 5,000 sites: 0.46 s against 0.72 s), and the metrics job reads one file per server.
TRAFFIC_FORMAT = "panel_traffic"
TRAFFIC_FIELDS = "$server_name $msec $status $request_length $bytes_sent"
TRAFFIC_LOG = "traffic.log"


def traffic_log(config_dir: Path | str) -> Path:
    """The access log all virtual hosts of the server write to."""
    return Path(f"{config_dir}/logs/{TRAFFIC_LOG}")


def safe_path(path: str | None, what: str) -> str:
    """An absolute, normalised path that needs no quoting and holds no nginx variables."""
    if not path or not _SAFE_PATH.match(path) or os.path.normpath(path) != path or path == "/":
        raise ApplyError(f"refused: the {what} {path!r} is not an absolute path made of letters, "
                         "digits and . _ ~ @ + - /")
    return path


def listen_address(value: str) -> str:
    if not _LISTEN.match(value):
        raise ApplyError(f"refused: {value!r} is not a listen address such as 80 or 127.0.0.1:8080")
    return value


def system_user(value: str) -> str:
    if not isinstance(value, str) or not _SYSTEM_USER.match(value):
        raise ApplyError(f"refused: {value!r} is not a system user name")
    return value


# A stopped customer's site (tenants/hosting/suspension.py): 503 with Retry-After, a page that names
# only the reseller's brand. nginx serves it itself, so nothing of the customer's files is read.
SUSPENDED_RETRY_AFTER = 3600
SUSPENDED_PAGE = ("<!doctype html><html><head><meta charset=utf-8><title>{brand}</title></head><body>"
                  "<h1>{brand}</h1><p lang=ja>このサイトは現在ご利用を停止しています。</p>"
                  "<p lang=en>This site is temporarily suspended.</p></body></html>")


def suspended_page(brand: str) -> str:
    """The page's HTML as an nginx string: the brand escaped for HTML, and no $, backslash or
    quote left for nginx to read as a variable or the string's end."""
    if not isinstance(brand, str) or not brand.strip() or len(brand) > 200 or any(ord(c) < 32 for c in brand):
        raise ApplyError(f"refused: {brand!r} is not a brand name for the suspended page")
    text = html.escape(brand, quote=True).replace("\\", "&#92;").replace("$", "&#36;")
    return SUSPENDED_PAGE.format(brand=text)


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
PEM_CERT, PEM_KEY = "-----BEGIN CERTIFICATE-----", "-----BEGIN "


def acme_token(token: str) -> str:
    """An ACME HTTP-01 token (base64url, RFC 8555 §8.3), safe as a file name."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise ApplyError(f"refused: {token!r} is not an ACME token")
    return token


def challenge_dir(config_dir: Path) -> Path:
    return Path(config_dir) / "acme" / ".well-known" / "acme-challenge"


def cert_paths(config_dir: Path, domain: str) -> tuple[Path, Path]:
    """Where a site's own certificate (full chain) and key are written."""
    certs = Path(config_dir) / "certs"
    return certs / file_name(domain, ".pem"), certs / file_name(domain, ".key")


def check_pem(vhost: VirtualHost) -> tuple[str, str]:
    pem, key = vhost.certificate or ("", "")
    if not (isinstance(pem, str) and pem.lstrip().startswith(PEM_CERT) and isinstance(key, str)
            and key.lstrip().startswith(PEM_KEY) and "PRIVATE KEY-----" in key):
        raise ApplyError(f"refused: the certificate of {vhost.domain} is not PEM")
    return pem, key


def check_vhost(vhost: VirtualHost) -> VirtualHost:
    domain = checked(hostnames.domain, vhost.domain, "domain")
    if domain != vhost.domain:
        raise ApplyError(f"refused: the domain {vhost.domain!r} is not in its ASCII form ({domain})")
    for alias in vhost.aliases:
        if checked(hostnames.domain, alias, "domain") != alias:
            raise ApplyError(f"refused: the name {alias!r} is not in its ASCII form")
    if vhost.certificate is not None:
        check_pem(vhost)
    safe_path(vhost.docroot, "document root")
    if vhost.suspended_by is not None:
        suspended_page(vhost.suspended_by)
    if vhost.https and vhost.certificate is None:
        safe_path(vhost.cert_file, "certificate file")
        safe_path(vhost.key_file, "key file")
    return vhost


def unique_vhosts(vhosts: Sequence[VirtualHost]) -> list[VirtualHost]:
    """The virtual hosts, each domain once (each is checked with check_vhost when rendered)."""
    seen: set[str] = set()
    for vhost in vhosts:
        if vhost.domain in seen:
            raise ApplyError(f"refused: the domain {vhost.domain} is listed twice")
        seen.add(vhost.domain)
    return list(vhosts)


def protect_key(web_root: str) -> str:
    return hashlib.sha256(os.path.normpath(web_root).encode()).hexdigest()[:20]


def render_master(config_dir: Path, user: str | None = None, include_dir: Path | None = None) -> str:
    """``include_dir``: where mime.types and sites/ are read from (default: the config directory;
    another folder to check a candidate set of virtual hosts against the same master)."""
    root = safe_path(str(config_dir), "config directory")
    includes = safe_path(str(include_dir or config_dir), "include directory")
    lines = ["# Written by the hosting panel's local driver; edits here are overwritten."]
    if user is not None:
        lines.append(f"user {system_user(user)};")
    lines += [
        "worker_processes auto;",
        f"pid {root}/run/nginx.pid;",
        f"error_log {root}/logs/error.log;",
        "events {",
        "    worker_connections 1024;",
        "}",
        "http {",
        f"    include {includes}/mime.types;",
        "    default_type application/octet-stream;",
        f"    log_format {TRAFFIC_FORMAT} '{TRAFFIC_FIELDS}';",
        f"    access_log {traffic_log(root)} {TRAFFIC_FORMAT};",  # every site's, inherited by each
    ]
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        lines.append(f"    {kind}_temp_path {root}/tmp/{kind};")
    lines += [
        "    server_names_hash_bucket_size 512;",
        "    server_names_hash_max_size 8192;",
        "    server_tokens off;",
        "    sendfile on;",
        f"    include {includes}/sites/*.conf;",
        "}",
        "",
    ]
    return "\n".join(lines)


def render_vhost(vhost: VirtualHost, config_dir: Path, http_listen: Sequence[str],
                 https_listen: Sequence[str]) -> str:
    check_vhost(vhost)
    root = safe_path(str(config_dir), "config directory")
    body = [
        f'    root "{vhost.docroot}";',
        # a customer's symlink to what another user owns (e.g. /etc) is not followed
        "    disable_symlinks if_not_owner;",
        "    index index.html index.htm;",
        "    location / {",
        "        try_files $uri $uri/ =404;",
        "    }",
        "    location ~ /\\.ht {",
        "        deny all;",
        "    }",
        f"    include {root}/protect/{protect_key(vhost.docroot)}/*.conf;",
    ]
    if vhost.php_socket is not None:  # a PHP site: *.php to the customer's own pool (issue 16)
        from workers.drivers.host.php import fastcgi_lines

        body[2] = "    index index.php index.html index.htm;"
        body += fastcgi_lines(vhost.php_socket, vhost.php_memory_mb)
    if vhost.suspended_by is not None:  # the same server names and logs; no root, no protection
        body = [
            "    types { }",
            '    default_type "text/html; charset=utf-8";',
            f"    add_header Retry-After {SUSPENDED_RETRY_AFTER} always;",
            '    add_header Cache-Control "no-store" always;',
            "    location / {",
            f'        return 503 "{suspended_page(vhost.suspended_by)}";',
            "    }",
        ]
    head = [f"# {hostnames.to_unicode(vhost.domain)}"]
    names = f"    server_name {' '.join([vhost.domain, *vhost.aliases])};"
    # HTTP-01 answers (issue 17), for every site, also while it is suspended or redirected to HTTPS
    acme = ["    location ^~ /.well-known/acme-challenge/ {", f'        root "{root}/acme";',
            "        default_type text/plain;", "        auth_basic off;", "        try_files $uri =404;", "    }"]
    plain = [f"    listen {listen_address(a)};" for a in http_listen]
    if not vhost.https:
        return "\n".join(head + ["server {"] + plain + [names] + acme + body + ["}", ""])
    cert_file, key_file = vhost.cert_file, vhost.key_file
    if vhost.certificate is not None:  # its digest in the text: a new certificate is a changed site file
        cert_file, key_file = (str(p) for p in cert_paths(Path(root), vhost.domain))
        head.append(f"# certificate sha256 {hashlib.sha256(vhost.certificate[0].encode()).hexdigest()[:32]}")
    secure = [f"    listen {listen_address(a)} ssl http2;" for a in https_listen]
    # issue 17: HTTP→HTTPS redirect per domain (off: the site answers on both)
    redirect = ["    location / {", "        return 301 https://$host$request_uri;", "    }"] if vhost.redirect else body
    return "\n".join(head + [
        "server {", *plain, names, *acme, *redirect, "}",
        "server {", *secure, names,
        f'    ssl_certificate "{cert_file}";',
        f'    ssl_certificate_key "{key_file}";',
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        *body, "}", "",
    ])


def check_protected(dirs: Sequence[ProtectedDir]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Each protected directory as (relative path, realm, users), every value checked."""
    out, paths = [], set()
    for item in dirs:
        path = checked(account_names.relative_path, item.path, "path")
        realm = checked(account_names.auth_realm, item.realm, "realm")
        if path in paths:
            raise ApplyError(f"refused: the directory /{path} is protected twice")
        paths.add(path)
        users = htpasswd.check_users(item.users, f"/{path}")
        out.append((path, realm, users))
    return out


def render_protected(dirs: Sequence[ProtectedDir], web_root: str, config_dir: Path,
                     php: list[str] | None = None) -> dict[Path, tuple[str, int]]:
    """The snippet and user files of one web root's protected directories (path → (text, mode)).
    ``php``: a PHP site's fastcgi location, repeated inside each folder's (a ``^~`` location
    would otherwise serve its *.php as files)."""
    safe_path(web_root, "web root")
    root = Path(safe_path(str(config_dir), "config directory"))
    key = protect_key(web_root)
    files: dict[Path, tuple[str, int]] = {}
    for index, (path, realm, users) in enumerate(sorted(check_protected(dirs))):
        user_file = root / "htpasswd" / key / f"{index:04d}.htpasswd"
        files[user_file] = (htpasswd.render_users(users), 0o640)
        auth = [f'auth_basic "{realm}";', f"auth_basic_user_file {user_file};"]
        if path == "":  # the whole site: server-level directives reach every location
            text = "\n".join(["# /"] + auth + [""])
        else:
            text = "\n".join([f"# /{path}/", f"location ^~ /{path}/ {{"] + [f"    {a}" for a in auth]
                             + [f"    {line}" for line in (php or [])]
                             + ["    try_files $uri $uri/ =404;", "    location ~ /\\.ht {", "        deny all;",
                                "    }", "}", ""])
        files[root / "protect" / key / f"{index:04d}.conf"] = (text, 0o644)
    return files
