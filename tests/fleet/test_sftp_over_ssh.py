"""SFTP/SSH accounts over SSH (issue 16 item 4): the login, its groups, its keys file and the sshd
drop-in are made on the customer's own host by the same driver code as locally (getent, useradd,
chpasswd, ``sshd -t`` run there); that host's real sshd then lets the login in, chrooted in the
homes root, starting in the customer's home, writing as the customer's user."""
from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import paramiko
from sqlalchemy import select

from tenants.models import Server, SftpAccount, SystemAccount
from tenants.servers.rules import open_driver_config
from tenants.tenancy import Scope
from tests.fleet.conftest import update_config
from tests.fleet.hosts import SSHD
from tests.hosting.helpers import TEST_DB, USER_PREFIX, run_jobs
from tests.support import scoped_session, wait_for

PASSWORD = "Sftp-Pass-2026x"


def _sftp_login(address: str, name: str) -> paramiko.Transport:
    transport = paramiko.Transport((address, 22))
    transport.connect(username=name, password=PASSWORD)
    return transport


def test_an_sftp_login_is_made_on_its_own_host_over_ssh(app, world, fleet, as_taro):
    a = fleet.a
    base = Path(f"/srv/panel-sftp-fleet-{TEST_DB}-{secrets.token_hex(3)}")  # a chroot needs root's folders only
    base.mkdir(mode=0o755)
    base.chmod(0o755)
    homes = base / "homes"
    homes.mkdir(mode=0o711)
    homes.chmod(0o711)
    config, dropin = a.ssh_dir / "sshd_config", a.ssh_dir / "panel.conf"
    config.write_text(config.read_text() + f"Include {dropin}\n")  # host A's sshd: password logins off otherwise
    with scoped_session(app, Scope.system()) as s:
        tools = dict(open_driver_config(app.extensions["panel.box"], s.get(Server, fleet.server_a)).get("tools") or {})
    assert a.sshd is not None
    update_config(app, fleet.server_a, homes_root=str(homes), sshd_config=str(config), sshd_dropin=str(dropin),
                  ssh_keys_dir=str(base / "keys"), sftp_group=f"{USER_PREFIX}sftp", ssh_group=f"{USER_PREFIX}ssh",
                  tools=tools | {"sshd": [SSHD], "reload-ssh": ["kill", "-HUP", str(a.sshd.pid)]})
    name = f"{USER_PREFIX}fleet"
    try:
        assert as_taro.post("/u/demo/ssh", data={"name": name, "password": PASSWORD}).status_code == 302
        run_jobs(app)
        with scoped_session(app, Scope.system()) as s:
            account = s.execute(select(SftpAccount)).scalar_one()
            assert account.state == "applied", account.state_detail
            uid = s.scalar(select(SystemAccount.uid).where(SystemAccount.customer_id == world.demo_customer,
                                                           SystemAccount.server_id == fleet.server_a))
        assert "ChrootDirectory " + str(homes) in dropin.read_text()
        entry = a.exec("getent", "passwd", name).stdout.split(":")
        assert entry[2:4] == [str(uid), str(uid)] and entry[5] == f"/{world.demo_customer}"

        def logged_in() -> paramiko.Transport | None:
            try:
                return _sftp_login(a.address, name)
            except (paramiko.SSHException, OSError):
                return None  # sshd restarting after the reload
        transport = wait_for(logged_in, 15, every=0.2)
        assert transport, (a.ssh_dir / "sshd.log").read_text()[-2000:]
        with transport:
            sftp = paramiko.SFTPClient.from_transport(transport)
            assert sftp.normalize(".") == f"/{world.demo_customer}"
            with sftp.open("hello.txt", "w") as out:
                out.write("over SSH\n")
        written = homes / str(world.demo_customer) / "hello.txt"
        assert written.read_text() == "over SSH\n" and written.stat().st_uid == uid
    finally:
        shutil.rmtree(base, ignore_errors=True)
