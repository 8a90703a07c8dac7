"""`flask --app app server add | test | retire`: the provider's server screens on the command line,
with the same rules (tenants/servers/) — nothing is saved while a value is wrong, the host key is
pinned only with the fingerprint the provider confirmed, a server with customers is not retired."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

PATH_OPTIONS = ("config_dir", "homes_root", "mail_root", "mail_log")


def _refuse(exc) -> click.ClickException:
    for problem in exc.problems:
        click.echo(f"{problem.field + ': ' if problem.field else ''}{problem.render()}", err=True)
    return click.ClickException("Nothing was saved.")


def _server(s, hostname: str):
    from tenants.models import Server

    server = s.execute(select(Server).where(Server.hostname == hostname.strip().lower())).scalar_one_or_none()
    if server is None:
        raise click.ClickException(f"No server {hostname!r} is registered.")
    return server


def _report(report: dict) -> None:
    if report["fingerprint"]:
        state = {True: "the pinned one", False: "NOT the pinned one", None: "not pinned yet"}[report["host_key_matches"]]
        click.echo(f"Host key: {report['fingerprint']} ({state})")
    if report["ok"]:
        click.echo(f"Operating system: {report['os']}")
        click.echo(f"Tools present: {', '.join(report['present']) or '-'}")
        click.echo(f"Tools missing: {', '.join(report['missing']) or '-'}")


server_group = AppGroup("server", help="Register, test and retire the servers the panel runs.")


@server_group.command("add")
@click.argument("hostname")
@click.argument("address")
@click.option("--local", "local", is_flag=True, help="The machine the panel runs on (no SSH).")
@click.option("--port", default="22", show_default=True, help="SSH port.")
@click.option("--user", default="root", show_default=True, help="SSH user.")
@click.option("--config-dir", default="", help="Where the panel's service configuration lives on the server.")
@click.option("--homes-root", default="", help="The customers' homes.")
@click.option("--mail-root", default="", help="The mailboxes.")
@click.option("--mail-log", default="", help="The mail log (default /var/log/mail.log).")
@click.option("--key-file", type=click.File("r"), default=None,
              help="Use this private key (else the panel generates an ed25519 key for the server).")
@click.option("--reseller", "resellers", multiple=True, help="Code of a reseller that may place customers on it.")
def add(hostname, address, local, port, user, config_dir, homes_root, mail_root, mail_log, key_file, resellers):
    """Register a server and its connection settings; prints the authorized_keys line to paste."""
    from tenants.errors import N_, RuleViolation
    from tenants.models import Reseller
    from tenants.servers import connection, rules
    from workers.runtime import job_session

    box = current_app.extensions["panel.box"]
    with job_session() as s:
        try:
            server = rules.register_server(s, None, {"hostname": hostname, "address": address, "role": "all-in-one",
                                                     "kind": "oem", "driver": "local" if local else "ssh"})
            values = {"config_dir": config_dir, "homes_root": homes_root, "mail_root": mail_root, "mail_log": mail_log}
            connection.apply_connection(s, None, server, box, {"ssh_port": port, "ssh_user": user} | values)
            ids = set(s.execute(select(Reseller.id).where(Reseller.code.in_(resellers))).scalars())
            if len(ids) != len(set(resellers)):
                raise RuleViolation.one(N_("Unknown reseller."), "reseller")
            rules.assign_resellers(s, None, server, ids)
            if not local:
                if key_file is not None:
                    connection.upload_server_key(s, None, server, box, key_file.read())
                else:
                    connection.generate_server_key(s, None, server, box)
        except RuleViolation as exc:
            s.rollback()
            raise _refuse(exc) from None
        s.commit()
        click.echo(f"Server {server.hostname} registered.")
        if not local:
            address = current_app.config["SETTINGS"].ssh_from_address or "<panel address>"
            click.echo("Paste this line into /root/.ssh/authorized_keys on the server:")
            click.echo(connection.authorized_keys_line(server, address))
            click.echo(f"Then: flask --app app server test {server.hostname}")


@server_group.command("test")
@click.argument("hostname")
@click.option("--pin", "confirmed", default=None, metavar="SHA256:…",
              help="Pin the host key the server presents if its fingerprint is this one.")
def test(hostname, confirmed):
    """Test the connection: host key, OS, tools present and missing. Nothing is applied."""
    import workers.api
    from tenants.servers import connection
    from workers.runtime import job_session

    box = current_app.extensions["panel.box"]
    with job_session() as s:
        server = _server(s, hostname)
        report = workers.api.test_connection(server, box)
        if confirmed and report["host_key"] and not report["host_key_matches"]:
            if report["fingerprint"] != confirmed.strip():
                _report(report)
                raise click.ClickException(f"The server presents {report['fingerprint']}, not {confirmed}: "
                                           "nothing was pinned.")
            connection.pin_host_key(s, None, server, report["host_key"])
            s.commit()
            click.echo(f"Host key {server.host_key_fingerprint} pinned.")
            report = workers.api.test_connection(server, box)
        _report(report)
        if not report["ok"]:
            raise click.ClickException(f"{report['field'] or 'connection'}: {report['error']}")


@server_group.command("retire")
@click.argument("hostname")
def retire(hostname):
    """Retire a server (refused while customers are on it)."""
    from tenants.errors import RuleViolation
    from tenants.servers import rules
    from workers.runtime import job_session

    with job_session() as s:
        server = _server(s, hostname)
        try:
            rules.retire_server(s, None, server)
        except RuleViolation as exc:
            s.rollback()
            raise _refuse(exc) from None
        s.commit()
        click.echo(f"Server {server.hostname} retired.")


test.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when a test module imports it
