"""A server's connection settings are checked field by field before anything is saved: a clear
problem beside each bad field, nothing stored while one is left; secrets stay sealed and
write-only; the panel's key pair and the pinned host key are kept on the server row."""
from __future__ import annotations

import pytest

from tenants.errors import RuleViolation
from tenants.models import Server
from tenants.servers.connection import (
    apply_connection,
    authorized_keys_line,
    command_argv,
    connection_problems,
    generate_server_key,
    pin_host_key,
    upload_server_key,
)
from tenants.servers.rules import open_driver_config
from tenants.servers.ssh_keys import fingerprint, generate_key_pair, public_line
from tenants.tenancy import Scope
from tests.support import scoped_session


@pytest.mark.parametrize("field, value", [
    ("ssh_port", "twenty-two"), ("ssh_port", "0"), ("ssh_port", "65536"), ("ssh_port", ""),
    ("ssh_user", "root; rm"), ("ssh_user", ""),
    ("config_dir", "/etc/panel/../shadow"), ("config_dir", "relative/dir"), ("homes_root", "/srv/./homes"),
    ("mail_log", "/var/log/mail log"), ("mail_root", "/"),
    ("reload_web", "systemctl 'reload"), ("reload_mail", "../bin/postfix reload"),
    ("mariadb_user", "root'--"), ("host_key", "ssh-ed25519 not-base64!"), ("host_key", "ssh-dss AAAAB3NzaC1kc3M="),
])
def test_each_bad_value_is_a_problem_beside_its_field(field, value):
    problems = connection_problems({field: value})
    assert [p.field for p in problems] == [field]


def test_good_values_pass_and_commands_become_argument_lists():
    _private, public = generate_key_pair()
    assert connection_problems({"ssh_port": "2222", "ssh_user": "root", "config_dir": "/etc/panel",
                                "homes_root": "/srv/homes", "mail_log": "/var/log/maillog",
                                "reload_web": "systemctl reload nginx", "mariadb_user": "root",
                                "host_key": public}) == []
    assert command_argv("/usr/sbin/postfix reload") == ["/usr/sbin/postfix", "reload"]
    assert command_argv("rndc reload 'example.jp'") == ["rndc", "reload", "example.jp"]


def test_nothing_is_saved_while_a_field_is_wrong_and_secrets_are_sealed(app, world):
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        before = (server.ssh_port, server.ssh_user, server.driver_config_secret)
        with pytest.raises(RuleViolation) as caught:
            apply_connection(s, None, server, box, {"ssh_port": "abc", "config_dir": "/etc/x/../y",
                                                     "mariadb_password": "Secret-Pass-1"})
        assert {p.field for p in caught.value.problems} == {"ssh_port", "config_dir"}
        assert (server.ssh_port, server.ssh_user, server.driver_config_secret) == before
        apply_connection(s, None, server, box, {"ssh_port": "2222", "ssh_user": "deploy", "config_dir": "/etc/panel",
                                                "reload_web": "systemctl reload nginx", "mariadb_user": "root",
                                                "mariadb_password": "Secret-Pass-1"})
        apply_connection(s, None, server, box, {"mariadb_user": "root", "mariadb_password": ""})  # kept
        s.commit()
        config = open_driver_config(box, server)
        assert (server.ssh_port, server.ssh_user) == (2222, "deploy")
        assert config["config_dir"] == "/etc/panel" and config["tools"]["reload-web"] == ["systemctl", "reload", "nginx"]
        assert config["db_admin"]["mariadb"] == {"user": "root", "password": "Secret-Pass-1"}
        assert "Secret-Pass-1" not in server.driver_config_secret


def test_a_generated_or_uploaded_key_and_the_pinned_host_key(app, world):
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        with pytest.raises(RuleViolation):
            authorized_keys_line(server, "192.0.2.1")
        public = generate_server_key(s, None, server, box)
        private = open_driver_config(box, server)["ssh_private_key"]
        assert public.startswith("ssh-ed25519 ") and public_line(private).split()[:2] == public.split()[:2]
        assert private not in server.driver_config_secret and server.ssh_public_key == public
        line = authorized_keys_line(server, "192.0.2.1")
        assert line.startswith('from="192.0.2.1",no-agent-forwarding,') and line.endswith(public)
        own_private, own_public = generate_key_pair()
        assert upload_server_key(s, None, server, box, own_private).split()[:2] == own_public.split()[:2]
        with pytest.raises(RuleViolation) as caught:
            upload_server_key(s, None, server, box, "not a key")
        assert caught.value.problems[0].field == "ssh_private_key"
        _p, host = generate_key_pair()
        assert pin_host_key(s, None, server, host) == fingerprint(host) == server.host_key_fingerprint
        assert server.host_key == " ".join(host.split()[:2])
