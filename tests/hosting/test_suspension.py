"""Suspending a customer in the reseller panel stops its hosting on the server (the real nginx
answers the reseller's 503 page, dovecot's users refuse its mailboxes, pure-ftpd's users lose its
FTP user, MariaDB and PostgreSQL lock its database users) and its end user sees a read-only panel;
resuming writes back exactly the same files and lets every login in again."""
from __future__ import annotations

import http.client
import re
import secrets

import psycopg
import pymysql
import pytest
from sqlalchemy import select

from tenants.customers import rules
from tenants.models import AuditLog, Customer, Database, Domain, Principal, Reseller
from tenants.tenancy import Scope
from tests.conftest import DEMO_PASSWORDS
from tests.hosting.helpers import run_jobs, update_server_config
from tests.hosting.test_databases_real import cleanup  # noqa: F401, F811  (fixture)
from tests.hosting.test_databases_real import login as db_login
from tests.hosting.test_provisioning import set_up_everything, sources
from tests.support import login, scoped_session
from tests.workers.drivers.local_helpers import free_port, need_tool, running
from tests.workers.drivers.test_local_databases import reachable
from workers import api


def fetch(port, host, path="/"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.getheader("Retry-After"), response.read().decode(errors="replace")
    finally:
        conn.close()


def test_suspending_stops_site_mail_and_ftp_on_the_server_and_resuming_restores_them(app, world, as_taro,
                                                                                      as_demo_operator, local_server):
    nginx = need_tool("nginx")
    port = free_port()
    update_server_config(app, world.server, http_listen=[f"127.0.0.1:{port}"], nginx_user="root")
    set_up_everything(as_taro)
    run_jobs(app)
    cfg = local_server / "cfg"
    home = local_server / "homes" / str(world.demo_customer)
    (home / "public_html" / "shop.example.jp" / "index.html").write_text("the shop\n")
    before = sources(cfg)
    with scoped_session(app, Scope.system()) as s:
        brand = s.get(Reseller, world.demo).brand_name

    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
    run_jobs(app)
    assert "nologin=y" in (cfg / "dovecot" / "users").read_text()
    assert "taroweb" not in (cfg / "ftp" / "pureftpd.passwd").read_text()
    assert (home / "public_html" / "shop.example.jp" / "index.html").read_text() == "the shop\n"  # nothing removed
    with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
        status, retry_after, body = fetch(port, "shop.example.jp", "/index.html")
        assert (status, retry_after) == (503, "3600")
        assert brand in body and "the shop" not in body
        assert app.config["SETTINGS"].provider_name not in body

    # the end user still logs in, reads why on every screen, and changes nothing
    end_user = app.test_client()
    login(end_user, "enduser", "taro", DEMO_PASSWORDS["taro"], code="demo")
    page = end_user.get("/u/demo/domains").get_data(as_text=True)
    assert "data-frozen" in page and "support@demo.example.jp" in page
    r = end_user.post("/u/demo/domains", data={"name": "while-suspended.example.jp"}, follow_redirects=True)
    assert "停止" in r.get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(Domain.id).where(Domain.name == "while-suspended.example.jp")) is None

    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/resume").status_code == 302
    run_jobs(app)
    assert sources(cfg) == before  # byte for byte what it had before the suspension
    with running([nginx, "-c", str(cfg / "nginx.conf"), "-p", f"{cfg}/", "-g", "daemon off;"], port):
        assert fetch(port, "shop.example.jp", "/index.html") == (200, None, "the shop\n")
    with scoped_session(app, Scope.system()) as s:
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.customer_id == world.demo_customer)))
    assert {"customer.suspend", "customer.resume"} <= actions


def test_a_customer_locked_by_a_status_change_is_stopped_on_the_server_until_resumed(app, world, as_taro,
                                                                                      as_demo_operator, local_server):
    set_up_everything(as_taro)
    run_jobs(app)
    cfg = local_server / "cfg"
    before = sources(cfg)
    with scoped_session(app, Scope.system()) as s:
        customer = s.get(Customer, world.demo_customer)
        operator = s.scalar(select(Principal).where(Principal.login_id == "demo-op"))
        works = rules.update_customer(s, operator, customer, {"status": "locked"})
        s.commit()
    with app.app_context():
        api.provision(works)
    run_jobs(app)
    assert "return 503" in (cfg / "sites" / "shop.example.jp.conf").read_text()
    assert "nologin=y" in (cfg / "dovecot" / "users").read_text()
    with scoped_session(app, Scope.system()) as s:
        customer = s.get(Customer, world.demo_customer)
        operator = s.scalar(select(Principal).where(Principal.login_id == "demo-op"))
        works = rules.resume_customer(s, operator, customer)
        s.commit()
    with app.app_context():
        api.provision(works)
    run_jobs(app)
    assert sources(cfg) == before


def test_an_overuse_suspension_takes_effect_on_the_server_and_ends_with_the_use(app, world, as_taro, local_server):
    from tenants.models import Course, OutboxMail
    from tests.reseller.helpers import set_disk_use
    from workers.jobs.customers import check_overuse

    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).overuse_suspend = True
        s.commit()
    set_up_everything(as_taro)
    run_jobs(app)
    cfg = local_server / "cfg"
    before = sources(cfg)
    set_disk_use(app, world.demo_customer, 21 * 1024 ** 3)
    check_overuse()
    run_jobs(app)
    assert "return 503" in (cfg / "sites" / "shop.example.jp.conf").read_text()
    assert "nologin=y" in (cfg / "dovecot" / "users").read_text()
    with scoped_session(app, Scope.system()) as s:
        notice = s.scalar(select(OutboxMail).where(OutboxMail.kind == "overuse").order_by(OutboxMail.id.desc()))
        body = notice.body
    assert "アカウントを停止しました" in body and "届いたメールは引き続き受信して保管" in body
    set_disk_use(app, world.demo_customer, 1024 ** 3)
    check_overuse()
    run_jobs(app)
    assert sources(cfg) == before


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_a_suspended_customers_database_user_is_refused_until_resumed(app, world, as_taro, as_demo_operator,
                                                                      local_server, cleanup, engine):  # noqa: F811
    reachable(engine)
    as_taro.get("/lang/en")
    short = f"shop{secrets.token_hex(3)}"
    html = as_taro.post("/u/demo/databases", data={"engine": engine, "name": short, "user": ""}).get_data(as_text=True)
    password = re.search(r'id="issued-password">([^<]+)<', html).group(1)
    with scoped_session(app, Scope.system()) as s:
        row = s.execute(select(Database).where(Database.name.endswith(short))).scalar_one()
        name, user, row_id = row.name, row.db_user, row.id
    cleanup.append((engine, name, user))
    run_jobs(app)
    assert db_login(engine, name, user, password) == 1

    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
    run_jobs(app)
    with pytest.raises((pymysql.err.OperationalError, psycopg.OperationalError)):
        db_login(engine, name, user, password)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Database, row_id).state == "applied"

    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/resume").status_code == 302
    run_jobs(app)
    assert db_login(engine, name, user, password) >= 1  # the same user logs in to its own database again
