"""Server usage: the collector job reads this machine for real into samples; screens show current
values and SVG charts against the 100 Mbit line and quotas; top customers; other tenants refused."""
from datetime import timedelta

from sqlalchemy import select

from tenants.db import utcnow
from tenants.models import Customer, CustomerUsageSample, ServerSample
from tenants.tenancy import Scope
from tests.reseller.helpers import count, one
from tests.support import scoped_session


def test_collector_reads_this_machine_and_the_customers_home(app, as_demo_operator, world, tmp_path):
    from workers.jobs.monitoring.metrics import collect_metrics

    home = tmp_path / "homes" / str(world.demo_customer)
    home.mkdir(parents=True)
    (home / "index.html").write_bytes(b"x" * 300_000)
    assert collect_metrics(str(tmp_path / "homes")) == 1
    assert collect_metrics(str(tmp_path / "homes")) == 1  # second reading adds network rates
    assert count(app, ServerSample, ServerSample.metric == "disk_used") >= 2
    assert count(app, ServerSample, ServerSample.metric == "mem_total") == 2
    used = one(app, select(Customer.disk_used_bytes).where(Customer.id == world.demo_customer))
    assert used >= 300_000
    assert count(app, CustomerUsageSample, CustomerUsageSample.customer_id == world.demo_customer) == 2
    html = as_demo_operator.get("/panel/usage").get_data(as_text=True)
    assert "localhost" in html and "/" in html and "山田 太郎" in html
    page = as_demo_operator.get(f"/panel/usage/servers/{world.server}?period=week").get_data(as_text=True)
    assert page.count("<svg") == 3 and "<polyline" in page and "100Mbit 回線" in page
    page = as_demo_operator.get(f"/panel/usage/customers/{world.demo_customer}?period=month").get_data(as_text=True)
    assert "<svg" in page and "<polyline" in page


def test_collector_measures_the_homes_the_provisioning_writes(app, world, tmp_path):
    """The server's own driver settings say where customers' homes are (as provisioning uses them)."""
    from tenants.models import Server
    from tenants.servers.rules import seal_driver_config
    from workers.jobs.monitoring.metrics import collect_metrics

    with scoped_session(app, Scope.system()) as s:
        seal_driver_config(app.extensions["panel.box"], s.get(Server, world.server),
                           {"config_dir": str(tmp_path / "cfg"), "homes_root": str(tmp_path / "provisioned")})
        s.commit()
    home = tmp_path / "provisioned" / str(world.acme_customer)
    home.mkdir(parents=True)
    (home / "site.tar").write_bytes(b"y" * 500_000)
    assert collect_metrics() == 1
    assert one(app, select(Customer.disk_used_bytes).where(Customer.id == world.acme_customer)) >= 500_000


def test_top_customers_by_traffic_and_quota_percent(app, as_demo_operator, world):
    with scoped_session(app, Scope.system()) as s:
        s.add(CustomerUsageSample(reseller_id=world.demo, customer_id=world.demo_customer, disk_bytes=0,
                                  traffic_in_bytes=30 * 1024 ** 3, traffic_out_bytes=20 * 1024 ** 3,
                                  at=utcnow() - timedelta(days=1)))
        s.add(CustomerUsageSample(reseller_id=world.acme, customer_id=world.acme_customer, disk_bytes=0,
                                  traffic_in_bytes=99 * 1024 ** 3, at=utcnow() - timedelta(days=1)))
        s.commit()
    html = as_demo_operator.get("/panel/usage").get_data(as_text=True)
    assert "50.0 GB" in html and "50.0 %" in html  # of the course's 100 GB monthly quota
    assert "佐藤 花子" not in html
    page = as_demo_operator.get(f"/panel/usage/customers/{world.demo_customer}").get_data(as_text=True)
    assert "50.0 GB / 100.0 GB" in page and page.count("<svg") == 2


def test_other_tenants_usage_is_invisible(app, as_acme_operator, world):
    assert as_acme_operator.get(f"/panel/usage/customers/{world.demo_customer}").status_code == 404
    assert "山田 太郎" not in as_acme_operator.get("/panel/usage").get_data(as_text=True)
