"""Configuration from environment variables with safe embedded defaults (DESIGN.md conventions).

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
    session_idle_minutes: int = 120    # a login session unused this long ends
    session_max_hours: int = 12        # and none lasts longer than this
    trusted_proxies: int = 0           # reverse proxies in front whose X-Forwarded-For names the client
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
        monitor_interval_minutes=int(env.get("MONITOR_INTERVAL_MINUTES", 10)),
        smtp_host=env.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=int(env.get("SMTP_PORT", 25)),
        mail_from=env.get("MAIL_FROM", "noreply@localhost"),
        provider_name=env.get("PROVIDER_NAME", "OEM Hosting"),
        default_locale=env.get("DEFAULT_LOCALE", "ja"),
        session_idle_minutes=int(env.get("SESSION_IDLE_MINUTES", 120)),
        session_max_hours=int(env.get("SESSION_MAX_HOURS", 12)),
        trusted_proxies=int(env.get("TRUSTED_PROXIES", 0)),
    )
    for key, value in o.items():
        if hasattr(s, key):
            setattr(s, key, value)
        else:
            s.extra[key] = value
    return s
