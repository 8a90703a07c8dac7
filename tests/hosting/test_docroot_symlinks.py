"""A domain's document root stays inside its customer's home: one that leads out through a symlink
(e.g. one the customer made over FTP) is refused (only that domain fails, with the reason) and
never served; the other sites are applied and served by the real nginx."""
from __future__ import annotations

import http.client
import shutil

from sqlalchemy import select

from tenants.hosting import failures
from tenants.models import Domain
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs, update_server_config
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import free_port, need_tool, running


def serve_on(app, world, port):
    """The demo server's nginx listens on a loopback port (and runs as root, like the test)."""
    update_server_config(app, world.server, http_listen=[f"127.0.0.1:{port}"], nginx_user="root")


def fetch(port, host, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


def domains(app):
    with scoped_session(app, Scope.system()) as s:
        return {d.name: (d.state, d.state_reason, d.state_detail) for d in s.execute(select(Domain)).scalars()}


def test_a_document_root_leading_out_of_the_home_is_refused_and_not_served(app, world, as_taro, local_server):
    nginx = need_tool("nginx")
    port = free_port()
    serve_on(app, world, port)
    cfg, home = local_server / "cfg", local_server / "homes" / str(world.demo_customer)
    (home / "public_html").mkdir(parents=True)
    (home / "public_html" / "x").symlink_to("/etc")  # what the customer can make over FTP
    (local_server / "outside").mkdir()
    (home / "public_html" / "out").symlink_to(local_server / "outside")
    assert as_taro.post("/u/demo/domains", data={"name": "good.example.jp"}).status_code == 302
    assert as_taro.post("/u/demo/domains", data={"name": "evil.example.jp",
                                                 "docroot": "public_html/x"}).status_code == 302
    assert as_taro.post("/u/demo/domains", data={"name": "deep.example.jp",
                                                 "docroot": "public_html/out/site"}).status_code == 302
    run_jobs(app)
    rows = domains(app)
    assert rows["good.example.jp"] == ("applied", None, None)
    for refused in ("evil.example.jp", "deep.example.jp"):
        assert rows[refused][:2] == ("failed", failures.DOCROOT_OUTSIDE)
        assert "outside the customer's home" in rows[refused][2]  # what the provider reads
        assert not (cfg / "sites" / f"{refused}.conf").exists()
    assert not (local_server / "outside" / "site").exists()  # no folder is made out there either
    assert "disable_symlinks if_not_owner;" in (cfg / "sites" / "good.example.jp.conf").read_text()
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert "ホームフォルダの外" in page and str(local_server) not in page
    (home / "public_html" / "good.example.jp" / "index.html").write_text("the good site\n")
    with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
        assert fetch(port, "good.example.jp", "/index.html") == (200, "the good site\n")
        status, body = fetch(port, "evil.example.jp", "/passwd")
        assert status == 404 and "root:" not in body

    # later the customer turns the good site's folder into a link to /etc: the next apply takes the
    # site down and marks it failed, although it had been applied before
    shutil.rmtree(home / "public_html" / "good.example.jp")
    (home / "public_html" / "good.example.jp").symlink_to("/etc")
    assert as_taro.post("/u/demo/domains", data={"name": "third.example.jp"}).status_code == 302
    run_jobs(app)
    rows = domains(app)
    assert rows["third.example.jp"] == ("applied", None, None)
    assert rows["good.example.jp"][:2] == ("failed", failures.DOCROOT_OUTSIDE)
    assert not (cfg / "sites" / "good.example.jp.conf").exists()
    with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
        status, body = fetch(port, "good.example.jp", "/passwd")
        assert status == 404 and "root:" not in body
