"""`make run` provisions for real: the demo seed gives the 'localhost' server sealed local-driver
settings under the instance folder, once, and a change made by taro is applied with them."""
from __future__ import annotations

from seed.demo import DEMO_PHP_SITE, seed_demo
from tenants.models import Server
from tenants.servers.rules import open_driver_config
from tenants.tenancy import Scope
from tests.hosting.helpers import PHP_SOCKETS, UID_MIN, USER_PREFIX, remove_system_users, run_jobs, update_server_config
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import need_tool
from workers import queues


def test_the_demo_server_gets_sealed_local_settings_once_and_they_work(app, world, as_taro, tmp_path):
    need_tool("nginx")
    need_tool("named-checkzone")
    box = app.extensions["panel.box"]
    with scoped_session(app, Scope.system()) as s:
        seed_demo(s, box, tmp_path)
        s.commit()
        sealed = s.get(Server, world.server).driver_config_secret
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        config = open_driver_config(box, server)
        seed_demo(s, box, tmp_path / "elsewhere")  # idempotent: settings already there are kept
        s.commit()
        assert s.get(Server, world.server).driver_config_secret == sealed
    base = tmp_path.resolve() / "local-server"
    assert config["config_dir"] == str(base / "config") and config["homes_root"] == str(base / "homes")
    assert set(config["db_admin"]) == {"mariadb", "postgresql"}
    assert config["db_admin"]["mariadb"]["host"] == "127.0.0.1" and config["db_admin"]["postgresql"]["port"] == 5432
    assert "config_dir" not in sealed and str(base) not in sealed  # sealed at rest

    queues.queue("provisioning").empty()
    # the tests' own system users (removed below), not the demo's uid range on this machine
    update_server_config(app, world.server, system_user_prefix=USER_PREFIX, uid_min=UID_MIN,
                         uid_max=UID_MIN + 9999, php_socket_dir=PHP_SOCKETS)
    assert as_taro.post("/u/demo/domains", data={"name": "demo-run.example.jp"}).status_code == 302
    try:
        run_jobs(app)
    finally:
        remove_system_users()
    assert (base / "config" / "sites" / "demo-run.example.jp.conf").exists()
    assert (base / "config" / "dns" / "demo-run.example.jp.zone").exists()
    assert 'data-state="applied"' in as_taro.get("/u/demo/domains").get_data(as_text=True)
    # `make run`: the demo customer's PHP site (this machine has PHP-FPM), served on the demo port
    need_tool("php-fpm8.2")
    assert config["http_listen"] == ["127.0.0.1:8081"]
    site = (base / "config" / "sites" / f"{DEMO_PHP_SITE}.conf").read_text()
    assert "fastcgi_pass unix:" in site and "listen 127.0.0.1:8081;" in site
    assert list((base / "config" / "php" / "8.2" / "pool.d").glob(f"{USER_PREFIX}*.conf"))
    page = base / "homes" / str(world.demo_customer) / "public_html" / DEMO_PHP_SITE / "index.php"
    assert "posix_geteuid" in page.read_text()
