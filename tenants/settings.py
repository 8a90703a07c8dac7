"""Configuration from environment variables with safe embedded defaults (DESIGN.md conventions):
every variable is read here, once, when the process starts; nothing else reads os.environ.

Secrets are never hard-coded: when SECRET_KEY or ENCRYPTION_KEYS are not given, they are generated
once into the instance folder with 0600 permissions and read from there afterwards.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


@dataclass
class Settings:
    instance_path: Path
    database_url: str
    redis_url: str
    secret_key: str
    encryption_keys: list[str]
    monitor_interval_minutes: int = 10
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    mail_from: str = "noreply@localhost"
    provider_name: str = "OEM Hosting"
    default_locale: str = "ja"
    notify_after_minutes: int = 10     # OEM spec 障害連絡: unavailable this long, the fault contacts hear
    monitor_keep_results_days: int = 35   # every single check result is kept this long ...
    monitor_keep_hourly_days: int = 400   # ... and the hourly roll-ups this long
    probe_processes: int | None = None    # processes one check job spreads over (None: one per core)
    customer_home_root: Path | None = None  # customers' homes on a local server without driver settings
    # the local server's database admin logins the demo seed seals into its driver settings
    local_db_admin: dict = field(default_factory=dict)
    session_idle_minutes: int = 120    # a login session unused this long ends
    session_max_hours: int = 12        # and none lasts longer than this
    trusted_proxies: int = 0           # reverse proxies in front whose X-Forwarded-For names the client
    ssh_from_address: str = ""         # the panel's address as servers see it (from= of authorized_keys)
    public_url: str | None = None      # the panel's address as users reach it (password reset links)
    acme_directory: str = "letsencrypt"  # issue 17: a preset (letsencrypt, letsencrypt-staging), a URL or "off"
    acme_contact: str = ""             # the provider's address the CA writes to (expiry, policy changes)
    acme_ca_bundle: str | None = None  # a CA file to trust for the ACME directory (a private or test CA)
    oncall_webhook_url: str = ""       # issue 20: the provider's on-call hears of every incident here (signed JSON)
    oncall_webhook_secret: str = ""    # ... signed with this (HMAC-SHA256)
    extra: dict = field(default_factory=dict)


def _secret_file(instance: Path, name: str, make) -> str:
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _whole(env, name: str, default):
    """A whole-number variable; a clear error naming it when it is something else."""
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


def local_db_admin(env) -> dict:
    """PANEL_MARIADB_* / PANEL_PG_*: the admin logins of this machine's database servers."""
    return {
        "mariadb": {"host": env.get("PANEL_MARIADB_HOST", "127.0.0.1"), "port": _whole(env, "PANEL_MARIADB_PORT", 3306),
                    "user": env.get("PANEL_MARIADB_USER", "root"), "password": env.get("PANEL_MARIADB_PASSWORD", "")},
        "postgresql": {"host": env.get("PANEL_PG_HOST", "127.0.0.1"), "port": _whole(env, "PANEL_PG_PORT", 5432),
                       "user": env.get("PANEL_PG_USER", "postgres"), "password": env.get("PANEL_PG_PASSWORD", "")},
    }


def load_settings(overrides: dict | None = None, environ=None) -> Settings:
    env = os.environ if environ is None else environ
    o = dict(overrides or {})
    instance = Path(o.pop("instance_path", None) or env.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
    instance.mkdir(parents=True, exist_ok=True)
    db_url = o.pop("database_url", None) or env.get("DATABASE_URL") or f"sqlite:///{instance / 'panel.db'}"
    redis_url = o.pop("redis_url", None) or env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    secret = o.pop("secret_key", None) or env.get("SECRET_KEY") or _secret_file(
        instance, "secret_key", lambda: secrets.token_urlsafe(48))
    keys = o.pop("encryption_keys", None) or env.get("ENCRYPTION_KEYS") or _secret_file(
        instance, "encryption_keys", lambda: Fernet.generate_key().decode())
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    s = Settings(
        instance_path=instance,
        database_url=db_url,
        redis_url=redis_url,
        secret_key=secret,
        encryption_keys=list(keys),
        monitor_interval_minutes=_whole(env, "MONITOR_INTERVAL_MINUTES", 10),
        smtp_host=env.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=_whole(env, "SMTP_PORT", 25),
        mail_from=env.get("MAIL_FROM", "noreply@localhost"),
        provider_name=env.get("PROVIDER_NAME", "OEM Hosting"),
        default_locale=env.get("DEFAULT_LOCALE", "ja"),
        notify_after_minutes=_whole(env, "NOTIFY_AFTER_MINUTES", 10),
        oncall_webhook_url=env.get("ONCALL_WEBHOOK_URL", ""),
        oncall_webhook_secret=env.get("ONCALL_WEBHOOK_SECRET", ""),
        monitor_keep_results_days=_whole(env, "MONITOR_KEEP_RESULTS_DAYS", 35),
        monitor_keep_hourly_days=_whole(env, "MONITOR_KEEP_HOURLY_DAYS", 400),
        probe_processes=_whole(env, "PROBE_PROCESSES", None),
        customer_home_root=Path(env["CUSTOMER_HOME_ROOT"]) if env.get("CUSTOMER_HOME_ROOT") else None,
        local_db_admin=local_db_admin(env),
        session_idle_minutes=int(env.get("SESSION_IDLE_MINUTES", 120)),
        session_max_hours=int(env.get("SESSION_MAX_HOURS", 12)),
        trusted_proxies=int(env.get("TRUSTED_PROXIES", 0)),
        ssh_from_address=env.get("PANEL_SSH_FROM", ""),
        public_url=env.get("PUBLIC_URL") or None,
        acme_directory=env.get("ACME_DIRECTORY", "letsencrypt"),
        acme_contact=env.get("ACME_CONTACT", ""),
        acme_ca_bundle=env.get("ACME_CA_BUNDLE") or None,
    )
    for key, value in o.items():
        if hasattr(s, key):
            setattr(s, key, value)
        else:
            s.extra[key] = value
    return s
