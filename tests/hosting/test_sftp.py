"""SFTP/SSH accounts (issue 16 item 4): bad input refused beside the field with nothing saved and
nothing written; against Debian's real sshd (started by the test on a port of its own with the
drop-in the driver renders, PAM on, as on Debian) and paramiko as the client: password and key
logins land in the chroot in the customer's home, write there as the customer's user, cannot read
another customer's files; a stopped customer's logins are refused and work again on resume; a
shell only where the course allows it; a drop-in sshd refuses is put back byte for byte."""
from __future__ import annotations

import io
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import paramiko
import pytest
from sqlalchemy import func, select

from tenants.customers.courses import customers_over
from tenants.models import Course, Domain, SftpAccount, SystemAccount
from tenants.servers.ssh_keys import generate_key_pair
from tenants.tenancy import Scope
from tests.hosting.helpers import TEST_DB, USER_PREFIX, remove_system_users, run_jobs, update_server_config
from tests.support import scoped_session, wait_for
from tests.workers.drivers.local_helpers import free_port, need_tool, tree
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError
from workers.drivers.host.ssh import GECOS, SshLogin, SshSettings

SSHD = "/usr/sbin/sshd"
LOGS: dict[int, Path] = {}  # the test sshd's log by its port
PASSWORD = "Sftp-Pass-2026x"


def _accounts(app):
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(SftpAccount))


@pytest.fixture
def chroot_homes():
    """Customers' homes in a root-owned 0711 folder outside /tmp (sshd refuses a chroot below a
    folder others may write to)."""
    base = Path(f"/srv/panel-sftp-{TEST_DB}-{secrets.token_hex(3)}")  # sshd reads keys files as the user: 0755
    base.mkdir(mode=0o755, parents=True)
    base.chmod(0o755)
    (base / "homes").mkdir(mode=0o711)
    (base / "homes").chmod(0o711)
    yield base / "homes"
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def sshd(app, world, local_server, chroot_homes):
    """Debian's sshd on 127.0.0.1:<free port>, its config including the panel's drop-in; the
    server's settings point the driver at them (reload: SIGHUP to this sshd)."""
    need_tool("sshd")
    base = local_server / "ssh"
    base.mkdir()
    private, _public = generate_key_pair("test host key")
    (base / "host_key").write_text(private)
    (base / "host_key").chmod(0o600)
    port = free_port()
    dropin, keys = base / "panel.conf", chroot_homes.parent / "keys"
    config = base / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1", f"Port {port}", f"HostKey {base / 'host_key'}", f"PidFile {base / 'sshd.pid'}",
        "UsePAM yes", "KbdInteractiveAuthentication no", "PasswordAuthentication no", "PermitRootLogin no",
        "AuthorizedKeysFile none", "Subsystem sftp internal-sftp", "LogLevel VERBOSE", f"Include {dropin}", ""]))
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    log = base / "sshd.log"
    daemon = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                              stderr=open(log, "ab"), start_new_session=True)
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    update_server_config(app, world.server, homes_root=str(chroot_homes), sshd_config=str(config),
                         sshd_dropin=str(dropin), ssh_keys_dir=str(keys), sftp_group=f"{USER_PREFIX}sftp",
                         ssh_group=f"{USER_PREFIX}ssh",
                         tools={"sshd": [SSHD], "reload-ssh": ["kill", "-HUP", str(daemon.pid)], "pkill": ["pkill"]})
    LOGS[port] = log
    try:
        yield port, log
    finally:
        LOGS.pop(port, None)
        # a session sshd started may still be ending: its login goes even so (userdel -f), before
        # the fixtures remove the customers' users
        for entry in pwd.getpwall():
            if entry.pw_gecos == GECOS and entry.pw_name.startswith(USER_PREFIX):
                subprocess.run(["userdel", "-f", entry.pw_name], capture_output=True, check=False)
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(10)


def _listening(port: int) -> None:
    """sshd restarts on SIGHUP (the reload): wait until the restarted one listens (its log says so
    once per start), so no login meets the configuration from before."""
    log = LOGS[port]
    deadline = time.monotonic() + 10
    while True:
        text = log.read_text(errors="replace")
        if text.count("Server listening on") == text.count("Received SIGHUP") + 1:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                pass
        assert time.monotonic() < deadline, f"sshd does not listen on {port} again: {text[-2000:]}"
        time.sleep(0.05)


def _login(port: int, name: str, password: str | None = None, key: str | None = None) -> paramiko.Transport:
    _listening(port)
    transport = paramiko.Transport(("127.0.0.1", port))
    try:
        pkey = paramiko.Ed25519Key.from_private_key(io.StringIO(key)) if key else None
        transport.connect(username=name, password=password, pkey=pkey)
    except BaseException:
        transport.close()
        raise
    return transport


def _refused(port: int, name: str, **how) -> bool:
    try:
        _login(port, name, **how).close()
    except paramiko.AuthenticationException:
        return True
    return False


def _uid(app, customer_id: int) -> int:
    with scoped_session(app, Scope.system()) as s:
        return s.execute(select(SystemAccount.uid).where(SystemAccount.customer_id == customer_id)).scalar_one()


def test_bad_sftp_accounts_are_refused_beside_the_field_and_nothing_saved(app, world, as_taro, local_server):
    as_taro.get("/lang/en")
    _private, public = generate_key_pair("taro@laptop")
    name = f"{USER_PREFIX}web"
    for data, message in (
            ({"name": name, "public_keys": "ssh-ed25519 AAAAnot-a-key taro@laptop"}, "This public key does not parse"),
            ({"name": name, "public_keys": f'command="/bin/sh" {public}'}, "This is not an OpenSSH public key"),
            ({"name": name, "public_keys": "-----BEGIN OPENSSH PRIVATE KEY-----"}, "This is not an OpenSSH public key"),
            ({"name": name}, "Enter a password, a public key or both."),
            ({"name": "Root!", "password": PASSWORD}, "Use lower-case letters"),
            ({"name": name, "password": PASSWORD, "shell": "y"}, "does not include shell access")):
        page = as_taro.post("/u/demo/ssh", data=data)
        assert page.status_code == 400 and message in page.get_data(as_text=True), message
    assert _accounts(app) == 0
    assert not Path("/etc/ssh/hosting-panel-keys").exists()  # nothing written (no job ran for a refusal)
    # FTP and SFTP/SSH accounts share the course's FTP/SSH limit (OEM spec: "FTP/SSH accounts")
    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).max_ftp_accounts = 2
        s.commit()
    assert as_taro.post("/u/demo/ftp", data={"name": "taroftp", "password": PASSWORD}).status_code == 302
    assert as_taro.post("/u/demo/ssh", data={"name": name, "public_keys": public}).status_code == 302
    page = as_taro.post("/u/demo/ssh", data={"name": f"{USER_PREFIX}two", "password": PASSWORD})
    assert page.status_code == 400 and "FTP and SFTP/SSH accounts: 2 of 2 used" in page.get_data(as_text=True)
    page = as_taro.post("/u/demo/ftp", data={"name": "taroftp2", "password": PASSWORD})
    assert page.status_code == 400 and "FTP accounts: 2 of 2 used" in page.get_data(as_text=True)
    assert _accounts(app) == 1
    with scoped_session(app, Scope.system()) as s:  # lowering the course's limit sees both kinds
        over = customers_over(s, s.get(Course, world.demo_course), {"max_ftp_accounts": 1})
        assert [(o.customer_id, o.used) for o in over] == [(world.demo_customer, 2)]


def test_sftp_logins_land_in_the_customers_home_and_stop_while_it_is_suspended(
        app, world, as_taro, as_hanako, as_demo_operator, sshd, chroot_homes):
    port, log = sshd
    key_private, key_public = generate_key_pair("taro@laptop")
    web, deploy = f"{USER_PREFIX}web", f"{USER_PREFIX}deploy"
    assert as_taro.post("/u/demo/domains", data={"name": "sftp.example.jp"}).status_code == 302
    assert as_taro.post("/u/demo/ssh", data={"name": web, "password": PASSWORD}).status_code == 302
    assert as_taro.post("/u/demo/ssh", data={"name": deploy, "public_keys": key_public}).status_code == 302
    assert as_hanako.post("/u/acme/ssh", data={"name": f"{USER_PREFIX}hanako", "password": PASSWORD}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        assert {a.state for a in s.execute(select(SftpAccount)).scalars()} == {"applied"}, \
            [(a.name, a.state_detail) for a in s.execute(select(SftpAccount)).scalars()]
        docroot = s.execute(select(Domain.docroot).where(Domain.name == "sftp.example.jp")).scalar_one()
    taro, hanako = world.demo_customer, world.acme_customer
    taro_uid = _uid(app, taro)
    secret = chroot_homes / str(hanako) / "secret.txt"
    secret.write_text("hanako's\n")
    os.chown(secret, _uid(app, hanako), _uid(app, hanako))
    secret.chmod(0o644)

    with _login(port, web, password=PASSWORD) as transport:  # password login, chrooted in the homes root
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp.normalize(".") == f"/{taro}"
        with sftp.open(f"/{taro}/{docroot}/index.html", "w") as out:
            out.write("hello over SFTP\n")
        with pytest.raises(PermissionError):
            sftp.listdir("/")  # the homes root: nobody lists it
        with pytest.raises(PermissionError):
            sftp.open(f"/{hanako}/secret.txt").read()  # another customer's home is closed
        with pytest.raises(IOError):
            sftp.stat("/etc/passwd")  # nothing of the server outside the chroot
    written = chroot_homes / str(taro) / docroot / "index.html"
    assert written.read_text() == "hello over SFTP\n" and written.stat().st_uid == taro_uid
    with _login(port, deploy, key=key_private) as transport:  # key login
        assert f"/{taro}" == paramiko.SFTPClient.from_transport(transport).normalize(".")
        channel = transport.open_session(timeout=10)  # a command: sshd runs internal-sftp instead
        channel.settimeout(10)
        channel.exec_command("id -u")
        channel.shutdown_write()
        said = b"".join(iter(lambda: channel.recv(4096), b""))
        assert str(taro_uid).encode() not in said
    assert _refused(port, web, password="Wrong-Pass-2026x")
    assert _refused(port, deploy, password=PASSWORD)  # keys only: no password to guess

    open_session = _login(port, web, password=PASSWORD)
    paramiko.SFTPClient.from_transport(open_session).listdir(".")
    assert as_demo_operator.post(f"/panel/customers/{taro}/suspend").status_code == 302
    run_jobs(app)
    assert wait_for(lambda: not open_session.is_active(), 10)  # the open session was ended too
    assert _refused(port, web, password=PASSWORD) and _refused(port, deploy, key=key_private)
    _login(port, f"{USER_PREFIX}hanako", password=PASSWORD).close()  # other customers keep theirs
    assert as_demo_operator.post(f"/panel/customers/{taro}/resume").status_code == 302
    run_jobs(app)
    _login(port, web, password=PASSWORD).close()
    _login(port, deploy, key=key_private).close()

    # removed: the login is gone from the server, the customer's files stay
    with scoped_session(app, Scope.system()) as s:
        account_id = s.execute(select(SftpAccount.id).where(SftpAccount.name == web)).scalar_one()
    assert as_taro.post(f"/u/demo/ssh/{account_id}/delete").status_code == 302
    run_jobs(app)
    assert _refused(port, web, password=PASSWORD) and written.exists()
    assert subprocess.run(["getent", "passwd", web], capture_output=True).returncode == 2
    assert "Accepted password" in log.read_text()


def test_a_shell_only_where_the_course_allows_it(app, world, as_taro, sshd, chroot_homes):
    port, _log = sshd
    key_private, key_public = generate_key_pair("taro@laptop")
    name = f"{USER_PREFIX}shell"
    as_taro.get("/lang/en")
    page = as_taro.post("/u/demo/ssh", data={"name": name, "public_keys": key_public, "shell": "y"})
    assert page.status_code == 400 and "does not include shell access" in page.get_data(as_text=True)
    assert 'name="shell"' not in as_taro.get("/u/demo/ssh").get_data(as_text=True)  # not offered
    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).shell_allowed = True
        s.commit()
    assert as_taro.post("/u/demo/ssh", data={"name": name, "public_keys": key_public, "shell": "y"}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        account = s.execute(select(SftpAccount)).scalar_one()
        assert (account.shell, account.state) == (True, "applied"), account.state_detail
    _listening(port)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507 - the test's own sshd
    client.connect("127.0.0.1", port, username=name, pkey=paramiko.Ed25519Key.from_private_key(io.StringIO(key_private)),
                   allow_agent=False, look_for_keys=False)
    try:
        _in, out, _err = client.exec_command("id -u; pwd", timeout=20)
        assert out.read().decode().split() == [str(_uid(app, world.demo_customer)),
                                                str(chroot_homes / str(world.demo_customer))]
    finally:
        client.close()
    # the course stops allowing a shell: at the next apply the login is chrooted SFTP only
    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).shell_allowed = False
        s.commit()
    assert as_taro.post("/u/demo/ssh", data={"name": f"{USER_PREFIX}other", "password": PASSWORD}).status_code == 302
    run_jobs(app)
    entry = subprocess.run(["getent", "passwd", name], capture_output=True, text=True).stdout.strip().split(":")
    assert entry[5:] == [f"/{world.demo_customer}", "/usr/sbin/nologin"]


def _server_config(tmp_path: Path, *lines: str) -> tuple[Path, Path]:
    need_tool("sshd")
    private, _public = generate_key_pair("test host key")
    (tmp_path / "host_key").write_text(private)
    (tmp_path / "host_key").chmod(0o600)
    config, dropin = tmp_path / "sshd_config", tmp_path / "panel.conf"
    config.write_text("\n".join([f"HostKey {tmp_path / 'host_key'}", f"Include {dropin}", *lines, ""]))
    return config, dropin


def test_a_drop_in_sshd_refuses_is_put_back_byte_for_byte(tmp_path, chroot_homes):
    config, dropin = _server_config(tmp_path, "NoSuchKeyword yes")  # the server's own config is broken
    dropin.write_text("# what was there\n")
    driver = LocalDriver(tmp_path / "cfg", tools={"sshd": [SSHD]})
    settings = SshSettings(str(chroot_homes), str(config), str(dropin), str(tmp_path / "keys"),
                           f"{USER_PREFIX}sftp", f"{USER_PREFIX}ssh")
    (chroot_homes / "7").mkdir()
    before = tree(tmp_path)
    try:
        with pytest.raises(ApplyError) as refused:
            driver.apply_ssh([SshLogin(f"{USER_PREFIX}x", 64999, str(chroot_homes / "7"), None,
                                       ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC0 t",))], settings)
        assert refused.value.tool == "sshd -t" and "NoSuchKeyword" in refused.value.output
        assert dropin.read_text() == "# what was there\n"
        assert tree(tmp_path) == before  # no keys file either
        assert subprocess.run(["getent", "passwd", f"{USER_PREFIX}x"], capture_output=True).returncode == 2
        # a server whose sshd does not read the drop-in would not chroot: refused, nothing written
        config.write_text(f"HostKey {tmp_path / 'host_key'}\n")
        before = tree(tmp_path)
        with pytest.raises(ApplyError, match="does not include"):
            driver.apply_ssh([SshLogin(f"{USER_PREFIX}x", 64999, str(chroot_homes / "7"), "*")], settings)
        assert tree(tmp_path) == before
    finally:
        remove_system_users()


def test_a_server_user_the_panel_does_not_manage_is_never_taken_over(tmp_path, chroot_homes):
    config, dropin = _server_config(tmp_path)
    driver = LocalDriver(tmp_path / "cfg", tools={"sshd": [SSHD]})
    settings = SshSettings(str(chroot_homes), str(config), str(dropin), str(tmp_path / "keys"),
                           f"{USER_PREFIX}sftp", f"{USER_PREFIX}ssh", reserved=(f"{USER_PREFIX}",))
    (chroot_homes / "7").mkdir()
    home = str(chroot_homes / "7")
    try:
        result = driver.apply_ssh([SshLogin("root", 64999, home, None, ()),
                                   SshLogin(f"{USER_PREFIX}64999", 64999, home, "*", ())], settings)
        assert set(result.left_out) == {"root", f"{USER_PREFIX}64999"}
        assert "does not manage" in result.left_out["root"].error.message
        assert subprocess.run(["getent", "passwd", "root"], capture_output=True, text=True).stdout.startswith("root:x:0:0")
    finally:
        remove_system_users()


def test_an_accounts_password_and_keys_are_changed_and_bad_ones_refused(app, world, as_taro, local_server):
    as_taro.get("/lang/en")
    _private, public = generate_key_pair("taro@desktop")
    assert as_taro.post("/u/demo/ssh", data={"name": f"{USER_PREFIX}edit", "password": PASSWORD}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        account = s.execute(select(SftpAccount)).scalar_one()
        account_id, old_hash = account.id, account.password_hash
    for data, message in (({"public_keys": "ssh-rsa AAAAB3NzaC1yc2E= broken"}, "This public key does not parse"),
                          ({"remove_password": "y"}, "Enter a password, a public key or both.")):
        page = as_taro.post(f"/u/demo/ssh/{account_id}", data=data)
        assert page.status_code == 400 and message in page.get_data(as_text=True), message
    assert as_taro.post(f"/u/demo/ssh/{account_id}", data={"public_keys": f"# laptop\n{public}\n\n{public}",
                                                          "remove_password": "y"}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        account = s.get(SftpAccount, account_id)
        assert account.password_hash is None and account.keys == [public] and account.state == "pending"
    assert old_hash is not None and public in as_taro.get(f"/u/demo/ssh/{account_id}").get_data(as_text=True)
