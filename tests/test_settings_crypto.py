"""Secrets: generated once into instance/ with 0600, never hard-coded; sealed values bound to their row."""
import stat

import pytest
from cryptography.fernet import Fernet

from tenants.crypto import SecretBox
from tenants.settings import load_settings


def test_keys_are_generated_once_with_owner_only_permissions(tmp_path):
    first = load_settings({"instance_path": tmp_path}, environ={})
    for name in ("secret_key", "encryption_keys"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, name
    again = load_settings({"instance_path": tmp_path}, environ={})
    assert (again.secret_key, again.encryption_keys) == (first.secret_key, first.encryption_keys)
    other = load_settings({"instance_path": tmp_path / "other"}, environ={})
    assert other.secret_key != first.secret_key  # no shared fallback secret


def test_environment_overrides_defaults(tmp_path):
    key = Fernet.generate_key().decode()
    s = load_settings(environ={"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgresql+psycopg://db/x",
                               "REDIS_URL": "redis://r:6379/2", "SECRET_KEY": "k" * 40,
                               "ENCRYPTION_KEYS": f"{key}, {Fernet.generate_key().decode()}"})
    assert s.database_url == "postgresql+psycopg://db/x"
    assert s.redis_url == "redis://r:6379/2"
    assert s.encryption_keys[0] == key and len(s.encryption_keys) == 2
    assert not (tmp_path / "secret_key").exists()
    default = load_settings(environ={"INSTANCE_PATH": str(tmp_path)})
    assert default.database_url == f"sqlite:///{tmp_path / 'panel.db'}"


def test_sealed_secret_opens_only_for_its_row_and_field():
    box = SecretBox([Fernet.generate_key().decode()])
    token = box.seal("db-admin-pass", owner="server:1", field="driver_config")
    assert "db-admin-pass" not in token
    assert box.open(token, owner="server:1", field="driver_config") == "db-admin-pass"
    for owner, field in (("server:2", "driver_config"), ("server:1", "api_token")):
        with pytest.raises(ValueError):
            box.open(token, owner=owner, field=field)


def test_keys_rotate():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = SecretBox([old]).seal("v", owner="o", field="f")
    rotated = SecretBox([new, old]).rotate(token)
    assert SecretBox([new]).open(rotated, owner="o", field="f") == "v"
    with pytest.raises(ValueError):
        SecretBox([new]).open(token, owner="o", field="f")
