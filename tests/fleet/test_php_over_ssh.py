"""Issue 16 over SSH: a customer's system user and PHP-FPM pool are made on its own host by the same
driver code as locally (getent/groupadd/useradd, stat/chown, the php-fpmX.Y found there, ``php-fpm
-t`` run there), and a pool that host's php-fpm refuses leaves its files as they were."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from tenants.models import Domain, Server, SystemAccount
from tenants.tenancy import Scope
from tests.hosting.helpers import USER_PREFIX, run_jobs
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import need_tool, tree
from workers.drivers import driver_for
from workers.drivers.host.spec import ApplyError, PhpPool, SystemUser


def test_a_php_site_gets_its_user_and_pool_on_its_own_host_over_ssh(app, world, fleet, as_taro):
    need_tool("php-fpm8.2")
    a, b = fleet.a, fleet.b
    assert as_taro.post("/u/demo/domains", data={"name": "php-a.example.jp"}).status_code == 302
    run_jobs(app)  # the versions host A has are recorded; the user is made there
    domain_id = int(re.search(r"/domains/(\d+)/php", as_taro.get("/u/demo/domains").get_data(as_text=True))[1])
    assert as_taro.post(f"/u/demo/domains/{domain_id}/php", data={"mode": "php", "php_version": "8.2",
                                                                 "php_memory_mb": "32"}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, domain_id).state == "applied"
        uid = s.scalar(select(SystemAccount.uid).where(SystemAccount.customer_id == world.demo_customer,
                                                       SystemAccount.server_id == fleet.server_a))
    pool = a.root / "cfg" / "php" / "8.2" / "pool.d" / f"{USER_PREFIX}{uid}.conf"
    assert f"user = {USER_PREFIX}{uid}" in pool.read_text()
    assert not (b.root / "cfg" / "php").exists()  # nothing of taro's on host B
    home = a.root / "homes" / str(world.demo_customer)
    assert (os.stat(home).st_uid, os.stat(home).st_mode & 0o7777) == (uid, 0o2750)
    site = (a.root / "cfg" / "sites" / "php-a.example.jp.conf").read_text()
    assert 'fastcgi_param PHP_ADMIN_VALUE "memory_limit=32M";' in site

    # host A's php-fpm refuses a pool whose user does not exist there: ApplyError, every file as it was
    before = tree(a.root / "cfg")
    with scoped_session(app, Scope.system()) as s:
        driver = driver_for(s.get(Server, fleet.server_a))
    with driver:
        user = SystemUser(f"{USER_PREFIX}{uid}", uid, str(home))
        ghost = SystemUser(f"{USER_PREFIX}ghost", uid + 4000, str(a.root / "homes" / "ghost"))
        with pytest.raises(ApplyError) as refused:
            driver.apply_php([PhpPool(user, "8.2", 64), PhpPool(ghost, "8.2", 64)])
    assert refused.value.tool == "php-fpm8.2 -t" and "ghost" in refused.value.output
    assert tree(a.root / "cfg") == before
