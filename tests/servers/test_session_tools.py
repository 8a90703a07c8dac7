"""The provider names the tools that end a stopped customer's open sessions on the server's
connection screen (doveadm, pure-ftpwho, kill); a command that is not an argument list is refused
beside its field and nothing is saved."""
from __future__ import annotations

from tenants.models import Server
from tenants.servers.rules import open_driver_config
from tenants.tenancy import Scope
from tests.servers.test_server_screens import GOOD, error_beside, register, sealed
from tests.support import scoped_session


def test_session_tools_are_saved_as_argument_lists_and_a_bad_one_is_refused(app, as_provider):
    sid = register(as_provider, app)
    tools = {"kick_mail": "doveadm -c /etc/dovecot/dovecot.conf", "list_ftp": "pure-ftpwho", "kill_ftp": "kill"}
    assert as_provider.post(f"/admin/servers/{sid}/connection", data=GOOD | tools).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        config = open_driver_config(app.extensions["panel.box"], s.get(Server, sid))
    assert config["tools"]["doveadm"] == ["doveadm", "-c", "/etc/dovecot/dovecot.conf"]
    assert config["tools"]["pure-ftpwho"] == ["pure-ftpwho"] and config["tools"]["kill"] == ["kill"]
    before = sealed(app, sid)
    r = as_provider.post(f"/admin/servers/{sid}/connection", data=GOOD | tools | {"kick_mail": "doveadm 'kick"})
    assert r.status_code == 400 and error_beside(r.get_data(as_text=True), "kick_mail")
    assert sealed(app, sid) == before
