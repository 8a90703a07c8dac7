"""Network traffic per customer (OEM spec "サーバ利用状況"): a real nginx serves the customers' virtual
hosts as the local driver renders them; the metrics job reads each vhost's access log, counts every
request once (across runs and a log rotation) and the reseller sees each customer's figures."""
from __future__ import annotations

import os
import shutil
import signal
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from panel.reseller.charts import human_bytes
from tenants.crypto import SecretBox
from tenants.models import Customer, CustomerUsageSample, Domain, Server
from tenants.servers.rules import seal_driver_config
from tenants.tenancy import Scope
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import free_port, need_tool, running, world_readable_dir
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.nginx import traffic_log
from workers.drivers.host.spec import VirtualHost

SITES = {"taro": "taro-shop.example.jp", "jiro": "jiro-blog.example.jp", "hanako": "hanako.example.com"}
PAGE = {"taro": 300_000, "jiro": 40_000, "hanako": 7_000}  # bytes of each site's index.html


class Exchange:
    """What went over the wire for one vhost: the known part of what the client sent (padding; the
    request line and urllib's own headers come on top) and the exact bytes of the responses (status line, headers, body)."""

    def __init__(self):
        self.body_in = self.requests = self.exact_out = 0


def call(port: int, domain: str, seen: Exchange, pad: int = 0) -> None:
    """GET the site's page; ``pad`` bytes of an extra request header make a known upload."""
    headers = {"Host": domain, **({"X-Pad": "p" * pad} if pad else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/index.html", headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as exc:
        response = exc
    with response:
        payload = response.read()
        head = f"HTTP/1.1 {response.status} {response.reason}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in response.headers.items()) + "\r\n"
    seen.requests += 1
    seen.body_in += pad
    seen.exact_out += len(head.encode()) + len(payload)


def site_lines(path, site: str) -> int:
    return sum(1 for line in path.read_bytes().splitlines() if line.startswith(f"{site} ".encode()))


def wait_lines(path, site: str, count: int) -> None:
    """nginx writes the log line as the request ends; wait (bounded) until the site's are all there."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if path.exists() and site_lines(path, site) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} has not got {count} lines of {site}")


def traffic(app, customer_id: int) -> tuple[int, int, int]:
    """(bytes in, bytes out, samples with traffic) of one customer, summed over all samples."""
    with scoped_session(app, Scope.system()) as s:
        row = s.execute(select(func.coalesce(func.sum(CustomerUsageSample.traffic_in_bytes), 0),
                               func.coalesce(func.sum(CustomerUsageSample.traffic_out_bytes), 0),
                               func.count(CustomerUsageSample.id))
                        .where(CustomerUsageSample.customer_id == customer_id,
                               CustomerUsageSample.traffic_out_bytes > 0)).one()
    return int(row[0]), int(row[1]), int(row[2])


def assert_counted(app, customer_id: int, seen: Exchange) -> None:
    bytes_in, bytes_out, _ = traffic(app, customer_id)
    assert bytes_out == seen.exact_out
    # the request line and urllib's headers (Host, User-Agent, ...) come on top of the padding
    assert seen.body_in + 60 * seen.requests <= bytes_in <= seen.body_in + 400 * seen.requests


@pytest.fixture
def sites(app, world, tmp_path):
    """Three customers' vhosts on the world's server: taro and jiro (reseller demo), hanako (acme)."""
    config_dir = tmp_path / "cfg"
    homes = world_readable_dir("panel-traffic-")
    with scoped_session(app, Scope.system()) as s:
        jiro = Customer(reseller_id=world.demo, course_id=world.demo_course, server_id=world.server,
                        contractor_name="次郎商店", contact_email="jiro@jiro.example")
        s.add(jiro)
        s.flush()
        owners = {"taro": (world.demo, world.demo_customer), "jiro": (world.demo, jiro.id),
                  "hanako": (world.acme, world.acme_customer)}
        for who, domain in SITES.items():
            s.add(Domain(reseller_id=owners[who][0], customer_id=owners[who][1], name=domain, docroot="public_html"))
        seal_driver_config(SecretBox(app.config["SETTINGS"].encryption_keys), s.get(Server, world.server),
                           {"config_dir": str(config_dir), "home_root": str(homes)})
        s.commit()
    vhosts = []
    for who, domain in SITES.items():
        docroot = homes / who
        docroot.mkdir()
        docroot.chmod(0o755)
        (docroot / "index.html").write_bytes(b"x" * PAGE[who])
        vhosts.append(VirtualHost(domain, str(docroot)))
    port = free_port()
    driver = LocalDriver(config_dir, http_listen=[f"127.0.0.1:{port}"], nginx_user="root")
    assert driver.apply_web(vhosts).ok
    try:
        yield port, config_dir, {who: ids[1] for who, ids in owners.items()}, homes
    finally:
        shutil.rmtree(homes)


def test_each_customer_traffic_is_counted_once_across_runs_and_rotation(app, world, sites, as_demo_operator,
                                                                         as_acme_operator):
    from workers.jobs.monitoring.metrics import collect_metrics

    nginx = need_tool("nginx")
    port, config_dir, customer_of, homes = sites
    seen = {who: Exchange() for who in SITES}
    log = traffic_log(config_dir)  # every site's requests, each line naming its site
    conf = config_dir / "nginx.conf"
    with running([nginx, "-c", str(conf), "-p", f"{config_dir}/", "-g", "daemon off;"], port) as proc:
        for _ in range(3):
            call(port, SITES["taro"], seen["taro"])
        call(port, SITES["taro"], seen["taro"], pad=6_000)  # a big request header: 6 KB in
        for _ in range(2):
            call(port, SITES["jiro"], seen["jiro"])
        call(port, SITES["hanako"], seen["hanako"])
        for who in SITES:
            wait_lines(log, SITES[who], seen[who].requests)

        collect_metrics(str(homes))
        for who in SITES:
            assert_counted(app, customer_of[who], seen[who])
        assert seen["taro"].exact_out > 900_000 and seen["jiro"].exact_out > 80_000

        # a second run counts only what is new: jiro's one request, nobody else's
        call(port, SITES["jiro"], seen["jiro"])
        wait_lines(log, SITES["jiro"], seen["jiro"].requests)
        collect_metrics(str(homes))
        for who in SITES:
            assert_counted(app, customer_of[who], seen[who])
        assert traffic(app, customer_of["jiro"])[2] == 2 and traffic(app, customer_of["taro"])[2] == 1

        # logrotate: requests before the rename (still unread), the rename, nginx reopens (USR1),
        # requests into the new file: the job finishes the rotated file and reads the new one
        call(port, SITES["taro"], seen["taro"])
        wait_lines(log, SITES["taro"], seen["taro"].requests)
        before_rotation = site_lines(log, SITES["taro"])
        os.rename(log, f"{log}.1")
        os.kill(proc.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        for _ in range(2):
            call(port, SITES["taro"], seen["taro"])
        wait_lines(log, SITES["taro"], seen["taro"].requests - before_rotation)
        collect_metrics(str(homes))
        for who in SITES:
            assert_counted(app, customer_of[who], seen[who])

    # each reseller sees its own customers' figures (30 days, in + out), no one else's
    page = as_demo_operator.get("/panel/usage").get_data(as_text=True)
    for who in ("taro", "jiro"):
        bytes_in, bytes_out, _ = traffic(app, customer_of[who])
        assert human_bytes(bytes_in + bytes_out) in page
    assert "次郎商店" in page and "佐藤 花子" not in page
    assert page.index("山田 太郎") < page.index("次郎商店")  # taro moved more bytes than jiro
    page = as_acme_operator.get(f"/panel/usage/customers/{customer_of['hanako']}").get_data(as_text=True)
    bytes_in, bytes_out, _ = traffic(app, customer_of["hanako"])
    assert human_bytes(bytes_in + bytes_out) in page
