"""The panel's own database, copied consistently for the backup of the host the panel runs on:
SQLite through its online backup API (a consistent copy while the panel keeps writing),
PostgreSQL through ``pg_dump`` (one snapshot). The restore procedure is in README.md."""
from __future__ import annotations

import os
import sqlite3
import tempfile

from sqlalchemy.engine import make_url

from workers import runtime
from workers.drivers.transport.local import LOCAL

DUMP_TIMEOUT = 3600


def dump_panel_database(folder: str, url: str | None = None) -> list[str]:
    """Write ``panel.sqlite3`` or ``panel.sql`` into ``folder`` (0700); the written paths."""
    parsed = make_url(url or runtime.settings().database_url)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        target = os.path.join(folder, "panel.sqlite3")
        source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        os.chmod(target, 0o600)
        return [target]
    target = os.path.join(folder, "panel.sql")
    argv = ["pg_dump", "--no-password", "--format=plain", "-h", parsed.host or "127.0.0.1",
            "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres", "-f", target, "-d", parsed.database or ""]
    with tempfile.TemporaryDirectory(prefix=".panel-pgpass-") as private:
        if parsed.password:
            pgpass = os.path.join(private, "pgpass")
            with open(os.open(pgpass, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
                handle.write(f"*:*:*:*:{parsed.password}\n")
            argv = ["env", f"PGPASSFILE={pgpass}", *argv]
        done = LOCAL.run(argv, DUMP_TIMEOUT)
    if done.returncode != 0:
        raise OSError(f"dumping the panel's database failed: {done.stderr.strip()[-300:]}")
    os.chmod(target, 0o600)
    return [target]
