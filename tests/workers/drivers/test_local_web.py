"""nginx: rendered virtual hosts and protected directories checked by the real nginx."""
from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tenants.hosting.account_names import web_password_hash
from tests.workers.drivers.local_helpers import (
    OTHER_PASSWORD,
    PASSWORD,
    free_port,
    need_tool,
    running,
    self_signed,
    tree,
    world_readable_dir,
)
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.nginx import traffic_log
from workers.drivers.host.spec import ApplyError, ProtectedDir, VirtualHost
from workers.drivers.host.traffic import parse_line, read_traffic


@pytest.fixture
def nginx_bin():
    return need_tool("nginx")


def nginx_t(nginx_bin, config_dir):
    return subprocess.run([nginx_bin, "-t", "-c", str(config_dir / "nginx.conf"), "-p", f"{config_dir}/"],
                          capture_output=True, text=True)


def hundred_vhosts(tmp_path):
    cert, key = self_signed(tmp_path)
    hosts = [VirtualHost(f"site{i:03d}.example.com", f"/srv/www/c{i:03d}/public_html") for i in range(96)]
    hosts.append(VirtualHost("xn--mnchen-3ya.de", "/srv/www/muenchen/public_html"))
    hosts.append(VirtualHost(".".join(["a" * 61] * 4) + ".com", "/srv/www/long/public_html"))  # 253 chars
    hosts += [VirtualHost(f"secure{i}.example.jp", f"/srv/www/s{i}/public_html", True, cert, key) for i in range(2)]
    return hosts


def test_hundred_vhosts_pass_nginx_t_and_a_second_apply_changes_nothing(tmp_path, nginx_bin):
    config_dir = tmp_path / "cfg"
    driver = LocalDriver(config_dir)
    hosts = hundred_vhosts(tmp_path)
    assert len(hosts) == 100
    result = driver.apply_web(hosts)
    assert result.ok and "100 virtual host(s)" in result.detail
    assert len(list((config_dir / "sites").glob("*.conf"))) == 100
    check = nginx_t(nginx_bin, config_dir)
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr
    # one access log for every virtual host (nginx -t opens it), none of their own
    assert traffic_log(config_dir).exists() and not list((config_dir / "logs").glob("access-*.log"))
    assert all("access_log" not in p.read_text() for p in (config_dir / "sites").glob("*.conf"))
    first = tree(config_dir)
    again = driver.apply_web(hosts)
    assert again.detail.endswith("unchanged")
    assert tree(config_dir) == first


def test_removed_vhost_loses_its_file(tmp_path, nginx_bin):
    driver = LocalDriver(tmp_path / "cfg")
    driver.apply_web([VirtualHost("a.example.com", "/srv/a"), VirtualHost("b.example.com", "/srv/b")])
    driver.apply_web([VirtualHost("a.example.com", "/srv/a")])
    assert sorted(p.name for p in (tmp_path / "cfg" / "sites").iterdir()) == ["a.example.com.conf"]


def test_config_nginx_refuses_leaves_the_previous_files_byte_for_byte(tmp_path, nginx_bin):
    config_dir = tmp_path / "cfg"
    driver = LocalDriver(config_dir)
    good = [VirtualHost("shop.example.com", "/srv/www/shop"), VirtualHost("blog.example.com", "/srv/www/blog")]
    driver.apply_web(good)
    before = tree(config_dir)
    # Valid for the dataclass and the rules, but nginx cannot load the certificate; it is the only
    # virtual host wanted, so there is nothing to apply without it.
    broken = [VirtualHost("new.example.com", "/srv/www/new", True, str(tmp_path / "missing.crt"),
                          str(tmp_path / "missing.key"))]
    with pytest.raises(ApplyError) as caught:
        driver.apply_web(broken)
    assert caught.value.tool == "nginx -t"
    assert "cannot load certificate" in caught.value.output
    assert "previous configuration is still in place" in str(caught.value)
    assert tree(config_dir) == before
    assert nginx_t(nginx_bin, config_dir).returncode == 0


def broken_certificate(tmp_path, name: str) -> tuple[str, str]:
    """A certificate file that is no certificate, as a failed renewal or a bad upload leaves it."""
    cert, key = self_signed(tmp_path, name)
    Path(cert).write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    return cert, key


def test_a_virtual_host_nginx_refuses_is_left_out_and_the_others_are_applied(tmp_path, nginx_bin):
    config_dir = tmp_path / "cfg"
    driver = LocalDriver(config_dir)
    driver.apply_web([VirtualHost("a.example.com", "/srv/a"), VirtualHost("b.example.com", "/srv/b")])
    sites = config_dir / "sites"
    a_before = (sites / "a.example.com.conf").read_bytes()
    cert, key = broken_certificate(tmp_path, "a.example.com")
    result = driver.apply_web([
        VirtualHost("a.example.com", "/srv/a", True, cert, key),          # live: HTTPS with a broken certificate
        VirtualHost("b.example.com", "/srv/b2"),                          # another tenant's change
        VirtualHost("c.example.com", "/srv/c"),                           # another tenant's new site
        VirtualHost("d.example.com", "/srv/d", True, str(tmp_path / "missing.crt"), str(tmp_path / "missing.key")),
    ])
    assert result.ok and sorted(result.left_out) == ["a.example.com", "d.example.com"]
    a, d = result.left_out["a.example.com"], result.left_out["d.example.com"]
    assert a.served and not d.served  # a keeps its previous, working file; d was never served
    assert a.error.tool == "nginx -t" and "a.example.com.crt" in a.error.output
    assert "missing.crt" in d.error.output and "a.example.com" not in d.error.output
    assert (sites / "a.example.com.conf").read_bytes() == a_before
    assert 'root "/srv/b2";' in (sites / "b.example.com.conf").read_text()
    assert (sites / "c.example.com.conf").exists() and not (sites / "d.example.com.conf").exists()
    assert nginx_t(nginx_bin, config_dir).returncode == 0
    assert not list(config_dir.glob(".check-*"))  # the scratch folders are gone


def test_a_live_site_whose_certificate_broke_no_longer_blocks_the_others(tmp_path, nginx_bin):
    config_dir = tmp_path / "cfg"
    driver = LocalDriver(config_dir)
    cert, key = self_signed(tmp_path, "secure.example.com")
    live = [VirtualHost("secure.example.com", "/srv/s", True, cert, key), VirtualHost("plain.example.com", "/srv/p")]
    driver.apply_web(live)
    Path(cert).write_text("garbage\n")  # e.g. a renewal that wrote a broken file in place
    result = driver.apply_web(live + [VirtualHost("new.example.com", "/srv/n")])
    assert list(result.left_out) == ["secure.example.com"] and not result.left_out["secure.example.com"].served
    # nginx would not even start with that file; without it every other site is served
    assert sorted(p.name for p in (config_dir / "sites").glob("*.conf")) == ["new.example.com.conf",
                                                                             "plain.example.com.conf"]
    assert nginx_t(nginx_bin, config_dir).returncode == 0


def test_when_nginx_refuses_even_the_master_nothing_changes(tmp_path, nginx_bin):
    config_dir = tmp_path / "cfg"
    LocalDriver(config_dir).apply_web([VirtualHost("a.example.com", "/srv/a")])
    before = tree(config_dir)
    driver = LocalDriver(config_dir, tools={"nginx": [shutil.which("false")]})
    with pytest.raises(ApplyError, match="nginx -t failed"):
        driver.apply_web([VirtualHost("a.example.com", "/srv/a2"), VirtualHost("b.example.com", "/srv/b")])
    assert tree(config_dir) == before


def test_a_first_apply_that_fails_leaves_no_config(tmp_path, nginx_bin):
    config_dir = tmp_path / "cfg"
    with pytest.raises(ApplyError):
        LocalDriver(config_dir).apply_web([VirtualHost("x.example.com", "/srv/x", True, "/nonexistent.crt",
                                                       "/nonexistent.key")])
    assert tree(config_dir) == {}


@pytest.mark.parametrize("vhost, message", [
    (VirtualHost("münchen.de", "/srv/m"), "not in its ASCII form"),
    (VirtualHost("bad_name.example.com", "/srv/x"), "not allowed in a host name"),
    (VirtualHost("192.0.2.1", "/srv/x"), "not an IP address"),
    (VirtualHost("x.example.com", "/srv/$document_root"), "document root"),
    (VirtualHost("x.example.com", "/srv/a b"), "document root"),
    (VirtualHost("x.example.com", '/srv/x";include /etc/passwd;"'), "document root"),
    (VirtualHost("x.example.com", "srv/relative"), "document root"),
    (VirtualHost("x.example.com", "/srv/../etc"), "document root"),
    (VirtualHost("x.example.com", "/srv/x", True, None, None), "certificate file"),
])
def test_bad_vhosts_are_refused_before_anything_is_written(tmp_path, vhost, message):
    config_dir = tmp_path / "cfg"
    with pytest.raises(ApplyError) as caught:
        LocalDriver(config_dir).apply_web([vhost])
    assert message in str(caught.value)
    assert not config_dir.exists()


def test_duplicate_domains_are_refused(tmp_path):
    with pytest.raises(ApplyError, match="listed twice"):
        LocalDriver(tmp_path).apply_web([VirtualHost("a.example.com", "/srv/a"), VirtualHost("a.example.com", "/b")])


def test_missing_nginx_is_a_clear_error_and_nothing_is_written(tmp_path):
    driver = LocalDriver(tmp_path / "cfg", tools={"nginx": ["no-such-nginx-binary"]})
    with pytest.raises(ApplyError) as caught:
        driver.apply_web([VirtualHost("a.example.com", "/srv/a")])
    assert "no-such-nginx-binary is not installed" in str(caught.value)
    assert "nginx-light" in str(caught.value)
    assert not (tmp_path / "cfg").exists()


def test_reload_command_runs_only_when_something_changed(tmp_path, nginx_bin):
    marker = tmp_path / "reloaded"
    touch = shutil.which("touch")
    driver = LocalDriver(tmp_path / "cfg", tools={"reload-web": [touch, str(marker)]})
    assert driver.apply_web([VirtualHost("a.example.com", "/srv/a")]).detail.endswith("reloaded")
    assert marker.exists()
    marker.unlink()
    assert driver.apply_web([VirtualHost("a.example.com", "/srv/a")]).detail.endswith("unchanged")
    assert not marker.exists()


def sha_hash(password: str) -> str:
    return "{SHA}" + base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()


def openssl_hash(kind: str, password: str) -> str:
    out = subprocess.run([need_tool("openssl"), "passwd", kind, "-stdin"], input=password, text=True,
                         capture_output=True, check=True)
    return out.stdout.strip()


def get(url: str, user: str | None = None, password: str | None = None) -> int:
    request = urllib.request.Request(url)
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_protected_directories_work_in_a_running_nginx(tmp_path, nginx_bin):
    site = world_readable_dir("panel-web-")
    try:
        (site / "members").mkdir()
        (site / "members" / "index.html").write_text("members\n")
        (site / "index.html").write_text("public\n")
        for path in (site, site / "members"):
            path.chmod(0o755)
        port = free_port()
        driver = LocalDriver(tmp_path / "cfg", http_listen=[f"127.0.0.1:{port}"], nginx_user="root")
        driver.apply_web([VirtualHost("localhost.example.com", str(site))])
        users = [
            ("bcrypt", web_password_hash(PASSWORD)),
            ("apr1", openssl_hash("-apr1", PASSWORD)),
            ("sha512", openssl_hash("-6", PASSWORD)),
            ("sha1", sha_hash(PASSWORD)),
        ]
        result = driver.apply_protected_dirs([ProtectedDir("members", "Members only", users)], str(site))
        assert result.ok
        conf = tmp_path / "cfg" / "nginx.conf"
        with running([nginx_bin, "-c", str(conf), "-p", f"{tmp_path / 'cfg'}/", "-g", "daemon off;"], port):
            base = f"http://127.0.0.1:{port}"
            assert get(f"{base}/index.html") == 200
            assert get(f"{base}/members/") == 401
            for name, _ in users:
                assert get(f"{base}/members/", name, PASSWORD) == 200, name
                assert get(f"{base}/members/", name, OTHER_PASSWORD) == 401, name
        # Unprotecting removes the snippet and the user file.
        driver.apply_protected_dirs([], str(site))
        assert not list((tmp_path / "cfg" / "protect").rglob("*.conf"))
        assert not list((tmp_path / "cfg" / "htpasswd").rglob("*.htpasswd"))
    finally:
        shutil.rmtree(site)


@pytest.mark.parametrize("users, message", [
    ([("alice", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")], "not one nginx accepts"),
    ([("alice", "{PLAIN}secret")], "not one nginx accepts"),
    ([("alice", "plaintext")], "not one nginx accepts"),
    ([("al:ice", "{SHA}" + "A" * 27 + "=")], "user name"),
    ([("alice", "x\nbob:{SHA}" + "A" * 27 + "=")], "not one nginx accepts"),
])
def test_bad_htpasswd_users_are_refused(tmp_path, users, message):
    with pytest.raises(ApplyError) as caught:
        LocalDriver(tmp_path / "cfg").apply_protected_dirs([ProtectedDir("x", "Realm", users)], "/srv/www/a")
    assert message in str(caught.value)
    assert not (tmp_path / "cfg").exists()


@pytest.mark.parametrize("path, realm", [("../etc", "Realm"), ("/abs", "Realm"), ("x y", "Realm"),
                                         ("x", 'Re"alm'), ("x", "$realm")])
def test_bad_protected_paths_and_realms_are_refused(tmp_path, path, realm):
    with pytest.raises(ApplyError) as caught:
        LocalDriver(tmp_path / "cfg").apply_protected_dirs([ProtectedDir(path, realm, [])], "/srv/www/a")
    assert caught.value.problems and caught.value.problems[0].field in ("path", "realm")


def test_each_virtual_host_logs_its_own_traffic_in_the_fixed_format(tmp_path, nginx_bin):
    """OEM spec "サーバ利用状況": bytes in/out per site; an HTTPS site's redirect is its traffic too."""
    site = world_readable_dir("panel-web-")
    try:
        (site / "index.html").write_bytes(b"y" * 5000)
        http_port, https_port = free_port(), free_port()
        cert, key = self_signed(tmp_path, "secure.example.jp")
        driver = LocalDriver(tmp_path / "cfg", http_listen=[f"127.0.0.1:{http_port}"],
                             https_listen=[f"127.0.0.1:{https_port}"], nginx_user="root")
        assert driver.apply_web([VirtualHost("plain.example.jp", str(site)),
                                 VirtualHost("secure.example.jp", str(site), True, cert, key)]).ok
        conf = tmp_path / "cfg" / "nginx.conf"
        with running([nginx_bin, "-c", str(conf), "-p", f"{tmp_path / 'cfg'}/", "-g", "daemon off;"], http_port):
            base = f"http://127.0.0.1:{http_port}"
            for host, status in (("plain.example.jp", 200), ("plain.example.jp", 200), ("secure.example.jp", 301)):
                request = urllib.request.Request(f"{base}/index.html", headers={"Host": host})
                opener = urllib.request.build_opener(NoRedirect)
                try:
                    with opener.open(request, timeout=5) as response:
                        assert response.status == status
                except urllib.error.HTTPError as exc:
                    assert exc.code == status
        lines = traffic_log(tmp_path / "cfg").read_text().splitlines()  # each line names its site
        assert sorted(parse_line(line)[0] for line in lines) == ["plain.example.jp", "plain.example.jp",
                                                                 "secure.example.jp"]
        counted = read_traffic(tmp_path / "cfg", ["plain.example.jp", "secure.example.jp"], {})
        assert counted.skipped_lines == 0
        plain, secure = counted.traffic["plain.example.jp"], counted.traffic["secure.example.jp"]
        assert plain.requests == 2 and 10_000 < plain.bytes_out < 11_000 and plain.bytes_in > 100
        assert secure.requests == 1 and 0 < secure.bytes_out < 1000
    finally:
        shutil.rmtree(site)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_every_virtual_host_refuses_symlinks_whose_owner_differs_from_their_target(tmp_path, nginx_bin):
    """A customer's symlink to a file of another owner (e.g. /etc) is not followed by nginx."""
    config_dir = tmp_path / "cfg"
    cert, key = self_signed(tmp_path)
    LocalDriver(config_dir).apply_web([VirtualHost("plain.example.jp", "/srv/www/plain"),
                                       VirtualHost("secure.example.jp", "/srv/www/secure", True, cert, key)])
    for name in ("plain.example.jp", "secure.example.jp"):
        text = (config_dir / "sites" / f"{name}.conf").read_text()
        assert text.count("    disable_symlinks if_not_owner;\n") == 1, name  # in the block that serves files
    check = nginx_t(nginx_bin, config_dir)
    assert check.returncode == 0, check.stderr
