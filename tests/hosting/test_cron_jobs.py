"""Cron jobs (issue 16 item 5): a schedule and a command per job, checked beside the field (six
fields, @reboot, a line break, over the course: refused, nothing saved); applied into the server's
cron file as the customer's own system user; a suspended customer's jobs are gone from it until it
is resumed; and Debian's real cron runs a job as that user, in its home."""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tenants.models import Course, CronJob, SystemAccount
from tenants.tenancy import Scope
from tests.hosting.helpers import USER_PREFIX, run_jobs, update_server_config
from tests.support import scoped_session, wait_for
from tests.workers.drivers.local_helpers import need_tool


@pytest.fixture
def homes():
    path = Path(tempfile.mkdtemp(prefix="panel-homes-", dir="/tmp"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _jobs(app):
    with scoped_session(app, Scope.system()) as s:
        return [(j.schedule, j.command, j.state) for j in s.execute(select(CronJob).order_by(CronJob.id)).scalars()]


def test_bad_cron_jobs_are_refused_beside_the_field_and_nothing_saved(app, world, as_taro, local_server):
    as_taro.get("/lang/en")
    for data, message in (
            ({"schedule": "* * * * * *", "command": "true"}, "A schedule has five fields"),
            ({"schedule": "@reboot", "command": "true"}, "@reboot is not allowed"),
            ({"schedule": "61 * * * *", "command": "true"}, "This schedule is not valid"),
            ({"schedule": "*/5 * * * *", "command": "true\nrm -rf ~"}, "The command must be one line."),
            ({"schedule": "*/5 * * * *", "command": ""}, "Enter the command to run."),
            ({"schedule": "*/5 * * * *", "command": "true", "output": "elsewhere"}, "Not a valid choice")):
        page = as_taro.post("/u/demo/cron", data={"output": "mail"} | data)
        assert page.status_code == 400 and message in page.get_data(as_text=True), message
    assert _jobs(app) == []
    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).max_cron_jobs = 1
        s.commit()
    assert as_taro.post("/u/demo/cron", data={"schedule": "@daily", "command": "true", "output": "mail"}).status_code == 302
    page = as_taro.post("/u/demo/cron", data={"schedule": "@hourly", "command": "true", "output": "mail"})
    assert page.status_code == 400 and "cron jobs: 1 of 1 used" in page.get_data(as_text=True)
    assert [j[:2] for j in _jobs(app)] == [("@daily", "true")]


def test_jobs_run_as_the_customers_user_and_stop_while_it_is_suspended(app, world, as_taro, as_demo_operator,
                                                                      local_server, homes):
    cron_file = local_server / "cron" / "hosting-panel"
    update_server_config(app, world.server, homes_root=str(homes), cron_file=str(cron_file))
    assert as_taro.post("/u/demo/cron", data={"schedule": "30 3 * * 1", "command": "date +%F > today.txt",
                                              "output": "log"}).status_code == 302
    run_jobs(app)
    with scoped_session(app, Scope.system()) as s:
        uid = s.execute(select(SystemAccount.uid).where(SystemAccount.customer_id == world.demo_customer)).scalar_one()
    assert [j[2] for j in _jobs(app)] == ["applied"]
    text = cron_file.read_text()
    assert f'30 3 * * 1 {USER_PREFIX}{uid} /bin/sh -c \'date +\\%F > today.txt\' >> "$HOME/cron.log" 2>&1' in text

    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
    run_jobs(app)
    assert "today.txt" not in cron_file.read_text()  # a suspended customer's jobs do not run
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/resume").status_code == 302
    run_jobs(app)
    assert "today.txt" in cron_file.read_text()


def test_debian_cron_runs_the_job_as_the_customer_in_its_home(app, world, as_taro, local_server, homes):
    cron = need_tool("cron")
    if not Path("/etc/cron.d").is_dir():
        pytest.skip("no /etc/cron.d on this machine") if os.environ.get("CI") != "true" else pytest.fail("no /etc/cron.d")
    cron_file = Path("/etc/cron.d") / f"hostingpaneltest{secrets.token_hex(4)}"  # cron skips names with dots
    update_server_config(app, world.server, homes_root=str(homes), cron_file=str(cron_file))
    assert as_taro.post("/u/demo/cron", data={"schedule": "* * * * *", "command": "(id -u; pwd) > ran-as.txt",
                                              "output": "log"}).status_code == 302
    daemon = None
    try:
        run_jobs(app)
        with scoped_session(app, Scope.system()) as s:
            uid = s.execute(select(SystemAccount.uid).where(SystemAccount.customer_id == world.demo_customer)).scalar_one()
        daemon = subprocess.Popen([cron, "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        ran = homes / str(world.demo_customer) / "ran-as.txt"
        assert wait_for(lambda: ran.exists() and ran.read_text().count("\n") >= 2, 130, every=1), \
            f"cron did not run the job: {cron_file.read_text()!r} {sorted(p.name for p in ran.parent.iterdir())}"
        assert ran.read_text().split() == [str(uid), str(homes / str(world.demo_customer))]
        assert ran.stat().st_uid == uid
    finally:
        cron_file.unlink(missing_ok=True)
        if daemon is not None:
            os.killpg(daemon.pid, 15)
            daemon.wait(10)
