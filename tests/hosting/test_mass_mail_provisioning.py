"""Mass-mail lock end to end (OEM spec 障害レベル1): a mailbox made in the end-user panel sends over
its course's threshold, the scan locks exactly it, provisioning writes the postfix sender map so
the real `postmap` lookup answers REJECT, and the reseller's unlock takes it out again."""
from datetime import timedelta

from sqlalchemy import select

from tenants.models import Course, MailAccount, MassMailLock, Server
from tenants.servers.rules import open_driver_config, seal_driver_config
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD
from tests.workers.test_maillog import START, message
from workers.drivers.host.driver import LocalDriver
from workers.jobs.mail_abuse import scan_server

NOW = START + timedelta(hours=1)


def sends(account, count):
    lines = []
    for i in range(count):
        lines += message(START + timedelta(seconds=50 * i), [f"r{i}@victims.example"], sender=account, sasl=account)
    return lines


def test_a_panel_mailbox_over_its_threshold_is_refused_by_the_mta_until_unlocked(app, world, as_taro,
                                                                                   as_demo_operator, local_server):
    box = app.extensions["panel.box"]
    log = local_server / "mail.log"
    with scoped_session(app, Scope.system()) as s:
        server = s.get(Server, world.server)
        seal_driver_config(box, server, open_driver_config(box, server) | {"mail_log": str(log)})
        s.get(Course, world.demo_course).mass_mail_per_hour = 50
        s.commit()
    assert as_taro.post("/u/demo/domains", data={"name": "shop.example.jp"}).status_code == 302
    page = as_taro.get("/u/demo/mail").get_data(as_text=True)
    domain_id = page.split('<option value="')[1].split('"')[0]
    for local in ("info", "calm"):
        assert as_taro.post("/u/demo/mail", data={"domain_id": domain_id, "local_part": local, "password": PASSWORD,
                                                  "quota_mb": "100", "forwards": "", "keep_copy": "y"}).status_code == 302
    run_jobs(app)
    log.write_text("\n".join(sends("info@shop.example.jp", 60) + sends("calm@shop.example.jp", 50)) + "\n")

    assert scan_server(world.server, NOW.isoformat())["locked"] == ["info@shop.example.jp"]
    run_jobs(app)  # the lock enqueued a mail provisioning run
    driver = LocalDriver(local_server / "cfg")
    assert "REJECT" in (driver.lookup_mail_map("sender_access", "info@shop.example.jp") or "")
    assert not driver.lookup_mail_map("sender_access", "calm@shop.example.jp")

    with scoped_session(app, Scope.system()) as s:
        lock_id = s.scalar(select(MassMailLock.id).where(MassMailLock.address == "info@shop.example.jp"))
        assert s.scalar(select(MailAccount.id).where(MailAccount.local_part == "info")) is not None
    assert as_demo_operator.post(f"/panel/mail-locks/{lock_id}/unlock", data={"reason": "script removed"}).status_code == 302
    run_jobs(app)
    assert not driver.lookup_mail_map("sender_access", "info@shop.example.jp")
