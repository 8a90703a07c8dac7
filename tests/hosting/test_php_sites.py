"""Issue 16 items 2 and 3 against the real tools: each customer has its own system user (uid from
the server's range, home 0750 + setgid owned by it, group www-data), PHP runs in a PHP-FPM pool
as that user behind the real nginx, confined to its home; customers cannot read each other's
files; a pool php-fpm refuses leaves every previous file in place; a suspended customer's PHP
site answers the reseller's 503 page."""
from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tenants.models import Domain, Reseller, SystemAccount
from tenants.tenancy import Scope
from tests.hosting.helpers import PHP_SOCKETS, UID_MIN, USER_PREFIX, remove_system_users, run_jobs, update_server_config
from tests.hosting.test_suspension import fetch
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import free_port, need_tool, running, tree
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, PhpPool, SystemUser

PHP_PAGE = """<?php
echo "uid=" . posix_geteuid() . "\\n";
echo "wrote=" . var_export(file_put_contents(dirname(__DIR__, 2) . "/written-by-php.txt", "hi") === 2, true) . "\\n";
echo "memory=" . ini_get("memory_limit") . "\\n";
echo "other=" . var_export(@file_get_contents($_GET["other"] ?? "/nonexistent"), true) . "\\n";
echo "etc=" . var_export(@file_get_contents("/etc/hostname"), true) . "\\n";
"""


@pytest.fixture
def homes():
    """Homes in a folder every user may pass through (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="panel-homes-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def php_fpm(cfg: Path, version: str = "8.2"):
    """The real php-fpm master on the driver's own configuration, in the foreground; stopped after."""
    binary = need_tool(f"php-fpm{version}")
    for stale in Path(PHP_SOCKETS).glob("*.sock"):  # left by an earlier test of this run
        stale.unlink()
    proc = subprocess.Popen([binary, "-F", "-y", str(cfg / "php" / version / "php-fpm.conf")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not list(Path(PHP_SOCKETS).glob("*.sock")) or not (cfg / "run" / f"php-fpm{version}.pid").exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else "php-fpm exited"
            assert time.monotonic() < deadline, "php-fpm did not start"
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def add_php_site(client, code: str, name: str) -> int:
    assert client.post(f"/u/{code}/domains", data={"name": name}).status_code == 302
    domain_id = int(re.search(r'/domains/(\d+)/php', client.get(f"/u/{code}/domains").get_data(as_text=True))[1])
    return domain_id


def as_user(uid: int, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), user=uid, group=uid, extra_groups=[], capture_output=True, text=True,
                          check=False, timeout=10)


def test_a_php_site_runs_as_its_customer_confined_to_its_home(app, world, as_taro, as_hanako, as_demo_operator,
                                                              local_server, homes):
    nginx = need_tool("nginx")
    need_tool("php-fpm8.2")
    port = free_port()
    update_server_config(app, world.server, http_listen=[f"127.0.0.1:{port}"], nginx_user="root",
                         homes_root=str(homes))
    cfg = local_server / "cfg"
    taro_site = add_php_site(as_taro, "demo", "php.example.jp")
    hanako_site = add_php_site(as_hanako, "acme", "other.example.jp")
    run_jobs(app)  # the sites, the users and the PHP versions the server has

    # the end user chooses among the versions found on the server; bad input is refused beside the field
    page = as_taro.get(f"/u/demo/domains/{taro_site}/php").get_data(as_text=True)
    assert re.search(r'<option [^>]*value="8.2"', page)
    as_taro.get("/lang/en")
    for data, message in (({"mode": "php", "php_version": "7.4"}, "PHP 7.4 is not available on your server"),
                          ({"mode": "php", "php_version": "8.2", "php_memory_mb": "99999"},
                           "The memory limit must be between 16 and 256 MB")):
        r = as_taro.post(f"/u/demo/domains/{taro_site}/php", data=data)
        assert r.status_code == 400 and message in r.get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, taro_site).php_version is None  # nothing saved
    for client, code, site in ((as_taro, "demo", taro_site), (as_hanako, "acme", hanako_site)):
        r = client.post(f"/u/{code}/domains/{site}/php", data={"mode": "php", "php_version": "8.2",
                                                              "php_memory_mb": "64"})
        assert r.status_code == 302
    run_jobs(app)

    with scoped_session(app, Scope.system()) as s:
        taro_uid, hanako_uid = (s.scalar(select(SystemAccount.uid).where(SystemAccount.customer_id == c))
                                for c in (world.demo_customer, world.acme_customer))
        assert {s.get(Domain, taro_site).state, s.get(Domain, hanako_site).state} == {"applied"}
        brand = s.get(Reseller, world.demo).brand_name
    assert UID_MIN <= taro_uid < UID_MIN + 10000 and taro_uid != hanako_uid
    taro_home, hanako_home = homes / str(world.demo_customer), homes / str(world.acme_customer)
    info = taro_home.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (taro_uid, grp.getgrnam("www-data").gr_gid, 0o2750)
    assert pwd.getpwuid(taro_uid).pw_name == f"{USER_PREFIX}{taro_uid}"
    (taro_home / "public_html" / "php.example.jp" / "index.php").write_text(PHP_PAGE)
    (taro_home / "public_html" / "php.example.jp" / "hello.txt").write_text("static\n")
    secret = hanako_home / "public_html" / "other.example.jp" / "secret.txt"
    secret.write_text("hanako's secret\n")

    # two customers cannot read each other's files, whatever they run as their user
    assert as_user(taro_uid, "cat", str(secret)).returncode != 0
    assert as_user(hanako_uid, "ls", str(taro_home)).returncode != 0
    assert as_user(hanako_uid, "cat", str(secret)).stdout == "hanako's secret\n"

    with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port), php_fpm(cfg):
        status, _retry, body = fetch(port, "php.example.jp", f"/index.php?other={secret}")
        assert status == 200, body
        assert f"uid={taro_uid}\n" in body and "wrote=true" in body and "memory=64M" in body
        assert "other=false" in body and "etc=false" in body  # open_basedir: nothing outside the home
        assert (taro_home / "written-by-php.txt").stat().st_uid == taro_uid
        assert fetch(port, "php.example.jp", "/hello.txt")[::2] == (200, "static\n")  # nginx reads through the group

    # a suspended customer's PHP site answers the reseller's page; its pool is gone until resumed
    pool = cfg / "php" / "8.2" / "pool.d" / f"{USER_PREFIX}{taro_uid}.conf"
    assert pool.exists()
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
    run_jobs(app)
    assert not pool.exists()
    with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port), php_fpm(cfg):
        status, retry_after, body = fetch(port, "php.example.jp", "/index.php")
        assert (status, retry_after) == (503, "3600") and brand in body and "uid=" not in body
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/resume").status_code == 302
    run_jobs(app)
    assert pool.exists()


def test_ftp_users_write_as_their_customers_user(app, world, as_taro, local_server, homes):
    update_server_config(app, world.server, homes_root=str(homes))
    assert as_taro.post("/u/demo/ftp", data={"name": "taroftp", "password": "Ftp-Passw0rd-2026!",
                                             "directory": ""}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        uid = s.scalar(select(SystemAccount.uid).where(SystemAccount.customer_id == world.demo_customer))
    line = next(x for x in (local_server / "cfg" / "ftp" / "pureftpd.passwd").read_text().splitlines()
                if x.startswith("taroftp:"))
    assert f":{uid}:{uid}::{homes / str(world.demo_customer)}/./" in line


def test_a_pool_php_fpm_refuses_is_not_applied_and_every_file_stays(tmp_path, homes):
    need_tool("php-fpm8.2")
    driver = LocalDriver(tmp_path / "cfg", php_socket_dir=PHP_SOCKETS)
    user = SystemUser(f"{USER_PREFIX}{UID_MIN + 19999}", UID_MIN + 19999, str(homes / "a"))
    try:
        driver.apply_system_users([user])
        assert os.stat(user.home).st_uid == user.uid
        driver.apply_php([PhpPool(user, "8.2", 128)])
        before = tree(tmp_path / "cfg")
        ghost = SystemUser(f"{USER_PREFIX}ghost", UID_MIN + 19998, str(homes / "b"))  # no such user on the machine
        with pytest.raises(ApplyError) as refused:
            driver.apply_php([PhpPool(user, "8.2", 256), PhpPool(ghost, "8.2", 128)])
        assert refused.value.tool == "php-fpm8.2 -t" and "ghost" in refused.value.output
        assert tree(tmp_path / "cfg") == before  # byte for byte, the changed pool included
        with pytest.raises(ApplyError, match="PHP 5.6 is not installed"):
            driver.apply_php([PhpPool(user, "5.6", 128)])
        assert tree(tmp_path / "cfg") == before
    finally:
        remove_system_users()


def test_php_is_refused_beside_the_field_where_the_course_does_not_include_it(app, world, as_taro, local_server):
    from tenants.models import Course, Server

    with scoped_session(app, Scope.system()) as s:
        s.get(Server, world.server).php_versions = "8.2"  # as the web job found them
        s.get(Course, world.demo_course).php_allowed = False
        s.commit()
    site = add_php_site(as_taro, "demo", "nophp.example.jp")
    as_taro.get("/lang/en")
    assert "Your course does not include PHP." in as_taro.get(f"/u/demo/domains/{site}/php").get_data(as_text=True)
    r = as_taro.post(f"/u/demo/domains/{site}/php", data={"mode": "php", "php_version": "8.2"})
    page = r.get_data(as_text=True)
    beside_mode = page.split('id="mode"', 1)[1].split('<div class="field', 1)[0]  # the mode field's own block
    assert r.status_code == 400 and '<p class="error" role="alert">Your course does not include PHP.</p>' in beside_mode
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, site).php_version is None
    assert as_taro.post(f"/u/demo/domains/{site}/php", data={"mode": "static"}).status_code == 302  # static is fine
