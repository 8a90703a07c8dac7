"""Set-up of the backup tests: the demo server's local driver below tmp_path (mail root too), a
backup plan whose repository is a real BorgBackup repository in the temporary folder, and a real
database of the demo customer on this machine's MariaDB or PostgreSQL."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pymysql
from sqlalchemy import select

from tenants.backups.models import BackupRun
from tenants.backups.plans import save_plan
from tenants.models import Database, Server
from tenants.tenancy import Scope
from tests.hosting.helpers import MARIADB, POSTGRES, update_server_config
from tests.support import scoped_session
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import DatabaseSpec

DAY1 = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)  # 03:00 JST on 12-02


def set_up_plan(app, world, base: Path, repo: Path) -> None:
    update_server_config(app, world.server, mail_root=str(base / "mail"))
    with scoped_session(app, Scope.system()) as s:
        save_plan(s, None, app.extensions["panel.box"], s.get(Server, world.server),
                  {"enabled": True, "target_kind": "path", "target_path": str(repo), "run_at_minute": 180})
        s.commit()


def home(base: Path, customer_id: int) -> Path:
    return base / "homes" / str(customer_id)


def run_day(app, world, n: int, trigger: str = "schedule") -> str:
    from workers.jobs.backups.run import run_backup

    with app.app_context():
        return run_backup(world.server, (DAY1 + timedelta(days=n)).isoformat(), trigger)


def runs(app, world) -> list[BackupRun]:
    with scoped_session(app, Scope.system()) as s:
        rows = s.execute(select(BackupRun).where(BackupRun.server_id == world.server).order_by(BackupRun.id))
        return [r for r in rows.scalars()]


def make_database(app, world, engine: str, made: list) -> tuple[str, str, str]:
    """A real database of the demo customer with a table of rows, and its panel row (applied)."""
    name, user = f"bk{secrets.token_hex(4)}", f"bku{secrets.token_hex(4)}"
    password = "Bk9-" + secrets.token_hex(8) + "Zq7"
    driver = LocalDriver("/nonexistent-unused", db_admin={"mariadb": MARIADB, "postgresql": POSTGRES})
    driver.apply_database(DatabaseSpec(engine, name, user, password))
    made.append((engine, name, user))
    with scoped_session(app, Scope.system()) as s:
        s.add(Database(reseller_id=world.demo, customer_id=world.demo_customer, engine=engine, name=name,
                       db_user=user, state="applied"))
        s.commit()
    execute(engine, name, ["CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(40), body TEXT)"]
            + [f"INSERT INTO items VALUES ({i}, 'row {i}', '{'x' * (i % 50)}')" for i in range(1, 301)])
    return name, user, password


def execute(engine: str, name: str, statements: list[str], fetch: str | None = None):
    if engine == "mariadb":
        conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=MARIADB["user"],
                               password=MARIADB["password"], database=name, autocommit=True)
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            rows = list(cur.execute(fetch) and cur.fetchall()) if fetch else None
        conn.close()
        return rows
    with psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=POSTGRES["user"],
                         password=POSTGRES["password"] or None, dbname=name, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
        return [tuple(r) for r in conn.execute(fetch).fetchall()] if fetch else None


def drop_database_only(engine: str, name: str) -> None:
    """The customer dropped its database by mistake (its user stays)."""
    if engine == "mariadb":
        conn = pymysql.connect(host=MARIADB["host"], port=MARIADB["port"], user=MARIADB["user"],
                               password=MARIADB["password"], autocommit=True)
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE `{name}`")
        conn.close()
        return
    with psycopg.connect(host=POSTGRES["host"], port=POSTGRES["port"], user=POSTGRES["user"],
                         password=POSTGRES["password"] or None, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def drop_all(made: list) -> None:
    driver = LocalDriver("/nonexistent-unused", db_admin={"mariadb": MARIADB, "postgresql": POSTGRES})
    for engine, name, user in made:
        driver.drop_database(DatabaseSpec(engine, name, user))
