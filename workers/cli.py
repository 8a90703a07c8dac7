"""Operations commands: `flask --app app migrate | create-admin | seed-demo | worker | scheduler | run-all`
(and `server add | test | retire`, workers/server_cli.py)."""
from __future__ import annotations

import click
from flask import current_app

from tenants import MIGRATIONS
from workers.queues import QUEUES


def alembic_config(database_url: str):
    from alembic.config import Config

    cfg = Config()  # no alembic.ini needed: the chain ships inside the tenants package
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = database_url
    return cfg


def migrate_database(database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def schema_is_current(engine, database_url: str) -> bool:
    """Whether the database has been migrated to this release's schema (alembic head)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


FIELD_LABELS = {"login_id": "Login ID", "password": "Password", "confirm_password": "Password (again)",
                "email": "Email"}


def _refuse(exc) -> click.ClickException:
    for problem in exc.problems:
        label = FIELD_LABELS.get(problem.field or "", "")
        click.echo(f"{label + ': ' if label else ''}{problem.render()}", err=True)
    return click.ClickException("Nothing was saved.")


def create_admin(login_id: str | None, name: str, email: str | None, generate: bool) -> None:
    """`create-admin`: a provider login made on the command line, the first one of a new installation
    (or another one, e.g. when nobody can log in any more). Nothing is saved unless all is right."""
    from tenants.accounts import staff
    from tenants.errors import RuleViolation
    from workers.runtime import job_session

    settings = current_app.config["SETTINGS"]
    if not schema_is_current(current_app.extensions["panel.engine"], settings.database_url):
        raise click.ClickException("The database is not set up for this release: run "
                                   "`flask --app app migrate` first. Nothing was saved.")
    login_id = (login_id if login_id is not None else click.prompt("Login ID")).strip().lower()
    with job_session() as s:
        problems = staff.new_login_id_problems(s, login_id)
    if problems:  # said before the password is typed
        raise _refuse(RuleViolation(problems))
    password = confirm = None
    if not generate:
        password = click.prompt("Password", hide_input=True)
        confirm = click.prompt("Password (again)", hide_input=True)
    with job_session() as s:
        try:
            principal, generated = staff.create_staff(s, None, login_id, password, confirm=confirm,
                                                      display_name=name, email=email,
                                                      how="created on the command line (create-admin)")
        except RuleViolation as exc:
            s.rollback()
            raise _refuse(exc) from None
        s.commit()
        click.echo(f"Provider login {principal.login_id!r} created. Log in at /admin/login.")
    if generated:
        click.echo(f"Its password (shown only this once; keep it safe): {generated}")


def answering(specs: list[dict], address: str) -> list[dict]:
    """The endpoints (MonitoredEndpoint fields) whose service answers now, asked with the very
    probes the monitoring cycle uses; `address` is the server's."""
    from workers.probes import Endpoint, run_probes

    targets = [Endpoint(protocol=spec["protocol"], host=spec.get("host") or address, port=spec.get("port"),
                        timeout=spec.get("timeout_seconds", 5.0)) for spec in specs]
    return [spec for spec, result in zip(specs, run_probes(targets, max(1, len(targets)))) if result.up]


def _label(spec: dict) -> str:
    return spec["protocol"] if spec.get("port") is None else f"{spec['protocol']}:{spec['port']}"


def seed_empty_database(host: str = "127.0.0.1", port: int = 5000) -> list[str] | None:
    """Seed the demo if the app's database is empty (see seed/demo.py), its server monitored on the
    panel's own web port (`host`, `port`: where the panel is about to be served) and on whatever else
    of this machine answers now (ping, MariaDB, PostgreSQL). Returns what is monitored, or None
    when the database held data and nothing was done."""
    from seed.demo import (
        DEMO_SERVER_ADDRESS,
        is_empty_installation,
        machine_endpoints,
        panel_endpoint,
        seed_demo_if_empty,
    )
    from workers.runtime import job_session

    settings = current_app.config["SETTINGS"]
    with job_session() as s:
        if not is_empty_installation(s):
            return None
    endpoints = [panel_endpoint(host, port)] + answering(machine_endpoints(settings.local_db_admin),
                                                         DEMO_SERVER_ADDRESS)
    with job_session() as s:  # empty: looked at again in the transaction that seeds
        seeded = seed_demo_if_empty(s, current_app.extensions["panel.box"], settings.instance_path,
                                    settings.local_db_admin, endpoints)
        s.commit()
    if not seeded:
        return None
    return [f"{_label(endpoints[0])} (this panel)"] + [_label(e) for e in endpoints[1:]]


def seed_on_first_start(echo, host: str = "127.0.0.1", port: int = 5000) -> bool:
    """What `make run` does before starting: the demo (and its logins, printed) on a first start,
    and one line saying the data was left alone on every later one."""
    from seed.demo import DEMO_LOGINS

    monitored = seed_empty_database(host, port)
    if monitored is None:
        echo("The database already holds data: it is kept as it is and the demo was not seeded.")
        return False
    base_url = f"http://{host}:{port}"
    echo("\nDemo logins (demo data only; change or remove them on a real installation):")
    for panel, path, login_id, password in DEMO_LOGINS:
        echo(f"  {panel:<16} {base_url}{path:<14} {login_id:<10} {password}")
    echo(f"The demo server 'localhost' is monitored on {', '.join(monitored)}: {base_url}/admin/monitoring")
    return True


def _queue_names(_ctx, _param, value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        raise click.BadParameter(f"choose from {', '.join(QUEUES)}; unknown: {', '.join(unknown) or '(none given)'}")
    return names


def register_commands(app) -> None:
    from workers.server_cli import server_group

    app.cli.add_command(server_group)

    @app.cli.command("migrate")
    def migrate():
        """Bring the database schema up to date (alembic upgrade head)."""
        migrate_database(current_app.config["SETTINGS"].database_url)
        click.echo("Database is up to date.")

    @app.cli.command("create-admin")
    @click.option("--login-id", help="The new login's ID (asked for when not given).")
    @click.option("--name", default="", help="The name shown for this login in the provider admin.")
    @click.option("--email", default=None, help="The login's email address (optional).")
    @click.option("--generate", is_flag=True,
                  help="Generate a strong password and show it once, instead of asking for one twice.")
    def create_admin_command(login_id, name, email, generate):
        """Create a provider admin login (the first one of a new installation)."""
        create_admin(login_id, name, email, generate)

    @app.cli.command("seed-demo")
    @click.option("--host", default="127.0.0.1", help="The address the panel will be served on (monitored).")
    @click.option("--port", default=5000, type=int, help="The port the panel will be served on (monitored).")
    def seed_demo_command(host, port):
        """Create the demo provider, resellers, courses, server and customers in an empty database."""
        from seed.demo import DEMO_LOGINS

        monitored = seed_empty_database(host, port)
        if monitored is None:
            raise click.ClickException("The database already holds data (resellers or logins); the demo is "
                                       "seeded only into an empty database. Nothing was changed.")
        for panel, path, login_id, password in DEMO_LOGINS:
            click.echo(f"  {panel:<16} {path:<18} {login_id:<10} {password}")
        click.echo(f"The demo server 'localhost' is monitored on {', '.join(monitored)}.")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
    @click.option("--queues", "names", default=",".join(QUEUES), show_default=True, callback=_queue_names,
                  help="Comma-separated queues to work on, in this order.")
    def worker(burst, names):
        """Start one RQ worker (forked work horses inherit this app's set-up)."""
        from rq import Worker

        from workers.queues import connection

        Worker(names, connection=connection()).work(burst=burst, with_scheduler=True)

    @app.cli.command("scheduler")
    def scheduler():
        """Start THE periodic scheduler (run exactly one)."""
        from workers.queues import connection
        from workers.schedule import build_scheduler

        build_scheduler(connection()).start()

    @app.cli.command("run-all")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def run_all_command(host, port):
        """Migrate, seed the demo into an empty database, and run web + workers + scheduler (+ Redis
        if none answers)."""
        from workers.supervisor import run_all

        settings = current_app.config["SETTINGS"]
        migrate_database(settings.database_url)
        seed_on_first_start(click.echo, host, port)
        raise SystemExit(run_all(settings, host, port, echo=click.echo))
