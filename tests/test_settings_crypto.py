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


def test_every_variable_is_read_once_at_start(tmp_path):
    s = load_settings(environ={"INSTANCE_PATH": str(tmp_path), "NOTIFY_AFTER_MINUTES": "30",
                               "MONITOR_KEEP_RESULTS_DAYS": "7", "MONITOR_KEEP_HOURLY_DAYS": "90",
                               "PROBE_PROCESSES": "1", "CUSTOMER_HOME_ROOT": "/srv/homes",
                               "PANEL_PG_HOST": "db.internal", "PANEL_PG_PORT": "6432"})
    assert (s.notify_after_minutes, s.monitor_keep_results_days, s.monitor_keep_hourly_days, s.probe_processes) \
        == (30, 7, 90, 1)
    assert str(s.customer_home_root) == "/srv/homes"
    assert s.local_db_admin["postgresql"] == {"host": "db.internal", "port": 6432, "user": "postgres", "password": ""}
    defaults = load_settings(environ={"INSTANCE_PATH": str(tmp_path)})
    assert (defaults.notify_after_minutes, defaults.monitor_keep_results_days, defaults.probe_processes) == (10, 35, None)


def test_a_variable_that_is_not_a_number_is_named_at_start(tmp_path):
    with pytest.raises(ValueError, match="PROBE_PROCESSES must be a whole number, not 'two'"):
        load_settings(environ={"INSTANCE_PATH": str(tmp_path), "PROBE_PROCESSES": "two"})


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
