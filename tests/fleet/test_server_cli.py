"""`flask --app app server add | test | retire` on a real remote host: the same rules as the screens —
bad values refused with nothing saved, the authorized_keys line printed, the host key pinned only
with the fingerprint the provider confirmed, a server with customers not retired."""
from __future__ import annotations

from sqlalchemy import select

from tenants.models import Customer, Server
from tenants.servers.ssh_keys import fingerprint
from tenants.tenancy import Scope
from tests.fleet.hosts import TwoHosts
from tests.support import scoped_session


def server_cli(app, *args):
    return app.test_cli_runner().invoke(args=["server", *args])


def row(app, hostname):
    with scoped_session(app, Scope.system()) as s:
        server = s.execute(select(Server).where(Server.hostname == hostname)).scalar_one_or_none()
        if server is not None:
            s.expunge(server)
        return server


def test_add_test_pin_and_retire_from_the_command_line(app, world):
    with TwoHosts() as hosts:
        host = hosts["a"]
        name = f"cli-{hosts.tag}.fleet.example"
        bad = server_cli(app, "add", name, host.address, "--port", "abc", "--config-dir", "/etc/x/../y")
        assert bad.exit_code != 0 and "Nothing was saved" in bad.output
        assert "ssh_port" in bad.output and "config_dir" in bad.output
        assert row(app, name) is None

        app.config["SETTINGS"].ssh_from_address = hosts.panel_address
        try:
            added = server_cli(app, "add", name, host.address, "--config-dir", str(host.root / "cfg"),
                               "--homes-root", str(host.root / "homes"), "--reseller", "acme")
        finally:
            app.config["SETTINGS"].ssh_from_address = ""
        assert added.exit_code == 0, added.output
        line = next(x for x in added.output.splitlines() if x.startswith("from="))
        assert line.startswith(f'from="{hosts.panel_address}",') and "ssh-ed25519 " in line
        (host.ssh_dir / "authorized_keys").write_text(line + "\n")

        first = server_cli(app, "test", name)
        assert first.exit_code != 0 and f"{fingerprint(host.host_key)} (not pinned yet)" in first.output
        wrong = server_cli(app, "test", name, "--pin", "SHA256:" + "A" * 43)
        assert wrong.exit_code != 0 and "nothing was pinned" in wrong.output
        assert row(app, name).host_key is None
        pinned = server_cli(app, "test", name, "--pin", fingerprint(host.host_key))
        assert pinned.exit_code == 0, pinned.output
        assert "(the pinned one)" in pinned.output and "Tools present:" in pinned.output
        assert "nginx" in pinned.output.split("Tools present:", 1)[1].splitlines()[0]
        server = row(app, name)
        assert server.host_key_fingerprint == fingerprint(host.host_key)

        with scoped_session(app, Scope.system()) as s:
            s.get(Customer, world.acme_customer).server_id = server.id
            s.commit()
        refused = server_cli(app, "retire", name)
        assert refused.exit_code != 0 and "Nothing was saved" in refused.output
        with scoped_session(app, Scope.system()) as s:
            assert s.get(Customer, world.acme_customer).contractor_name in refused.output
            s.get(Customer, world.acme_customer).server_id = world.server
            s.commit()
        assert row(app, name).status == "active"
        assert server_cli(app, "retire", name).exit_code == 0
        assert row(app, name).status == "retired"
