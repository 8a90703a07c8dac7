"""Resource monitors of the local server, from the driver's collector, against per-server
thresholds (disk 90 %, inodes 50 % by default; Gold/Platinum file count and DB size)."""
from sqlalchemy import select

from tenants.models import ResourceStatus, Server, StateEvent
from tenants.monitoring.endpoints import set_contract_monitoring
from tenants.servers.rules import seal_driver_config
from tenants.tenancy import Scope
from tests.monitoring.helpers import cycle
from tests.support import scoped_session
from workers.drivers.host import metrics
from workers.jobs.monitoring.resources import check_resources


def _status(app, server_id):
    with scoped_session(app, Scope.system()) as s:
        return {r.metric: (r.over, r.limit_percent) for r in s.scalars(
            select(ResourceStatus).where(ResourceStatus.server_id == server_id))}


def test_default_thresholds_then_provider_lowers_disk_alert(app, world, as_provider):
    check_resources(world.server, cycle(0))
    status = _status(app, world.server)
    root = metrics.partitions()[0]
    assert status[f"disk:{root.mount}"] == (root.used_percent >= 90, 90.0)
    assert status[f"inodes:{root.mount}"][1] == 50.0 and "memory" in status
    r = as_provider.post(f"/admin/monitoring/servers/{world.server}/thresholds",
                         data={"disk_percent": "1", "inode_percent": "50", "memory_percent": "90",
                               "limit_percent": "90"})
    assert r.status_code == 302
    check_resources(world.server, cycle(1))
    assert _status(app, world.server)[f"disk:{root.mount}"] == (True, 1.0)
    with scoped_session(app, Scope.system()) as s:
        (event,) = s.scalars(select(StateEvent).where(StateEvent.subject == f"disk:{root.mount}")).all()
    assert (event.from_state, event.to_state, event.alert) == ("ok", "over", True)
    page = as_provider.get(f"/admin/monitoring/servers/{world.server}").get_data(as_text=True)
    assert f"disk:{root.mount}" in page and "alert at 1 %" in page


def test_gold_contract_adds_file_count_against_its_limit(app, world, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    for i in range(10):
        (home / f"f{i}.txt").write_text("x")
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        seal_driver_config(app.extensions["panel.box"], server, {"home_root": str(home)})
        set_contract_monitoring(s, server, True, file_count_limit=11)
        s.commit()
    check_resources(world.server, cycle(0))
    assert _status(app, world.server)["files"] == (True, 90.0)  # 10 of 11 files is over 90 %
    with scoped_session(app, Scope.system()) as s:
        set_contract_monitoring(s, s.get(Server, world.server), True, file_count_limit=100)
        s.commit()
    check_resources(world.server, cycle(1))
    assert _status(app, world.server)["files"] == (False, 90.0)


def test_gold_contract_adds_database_size_from_the_real_servers(app, world, mariadb_server, postgres_server):
    from workers.jobs.monitoring.resources import database_size_bytes

    admin = {"mariadb": {"host": mariadb_server.host, "port": mariadb_server.port, "user": mariadb_server.user},
             "postgresql": {"host": postgres_server.host, "port": postgres_server.port, "user": postgres_server.user}}
    assert database_size_bytes({"mariadb": admin["mariadb"]}) > 0
    assert database_size_bytes({"postgresql": admin["postgresql"]}) > 1_000_000
    assert database_size_bytes({}) is None
    size = database_size_bytes(admin)
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        seal_driver_config(app.extensions["panel.box"], server, {"db_admin": admin})
        set_contract_monitoring(s, server, True, db_size_limit_bytes=size // 2)
        s.commit()
    check_resources(world.server, cycle(0))
    assert _status(app, world.server)["db_size"] == (True, 90.0)
