"""issue 20 item 4 (managed option spec: Gold/Platinum hourly system-log collection with error
detection): the real job reads a syslog file through the server's driver, records findings by
pattern (a server's suppression keeps a known line out), mails each new finding once to the fault
contacts, shows them on the provider's screen, and counts them in the annual service report."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tenants.crypto import SecretBox
from tenants.logwatch.models import LogFinding
from tenants.logwatch.rules import count_between
from tenants.models import ResourceThreshold, Server
from tenants.servers.rules import seal_driver_config
from tests.incidents.helpers import add_contacts, system
from workers.jobs.logwatch import collect_all
from workers.schedule import PERIODIC

T = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


def line(n: int, text: str) -> str:
    return f"2026-11-24T12:{n % 60:02d}:00.000000+09:00 web01 {text}\n"


def test_the_job_is_hourly():
    assert any(job is collect_all and cron == "23 * * * *" for job, _q, _i, cron in PERIODIC)


def test_gold_server_log_findings_appear_and_are_alerted_once(app, world, mailbox, as_provider, tmp_path):
    syslog = tmp_path / "syslog"
    syslog.write_text(line(0, "kernel: old error before the watch began"))
    add_contacts(app, world)
    with system(app) as s:
        seal_driver_config(SecretBox(app.config["SETTINGS"].encryption_keys), s.get(Server, world.server),
                           {"system_logs": [str(syslog)]})
        s.add(ResourceThreshold(server_id=world.server, contract_monitoring=True))  # Gold/Platinum
        s.commit()
    assert collect_all(T.isoformat())[0]["new"] == 0  # the first read only marks the end
    as_provider.post(f"/admin/servers/{world.server}/logwatch", data={"kind": "suppress", "pattern": "dhclient.*failed"})
    assert as_provider.post(f"/admin/servers/{world.server}/logwatch",
                            data={"kind": "detect", "pattern": "("}).status_code == 400  # refused, beside the field
    with open(syslog, "a") as fh:
        fh.write(line(1, "kernel: [12345.678] EXT4-fs error (device sda1): bad block 991"))
        fh.write(line(2, "dhclient[812]: DHCPREQUEST failed"))
        fh.write(line(3, "systemd[1]: Started Session 42 of user root."))
        fh.write(line(4, "kernel: [12399.001] EXT4-fs error (device sda1): bad block 1207"))
    assert collect_all((T + timedelta(hours=1)).isoformat())[0]["new"] == 1
    with system(app) as s:
        [finding] = s.execute(select(LogFinding)).scalars().all()
        assert finding.count == 2 and "EXT4-fs error" in finding.sample and finding.alerted
    alerts = [m for m in mailbox.messages if "Log finding" in m.subject]
    assert sorted(r for m in alerts for r in m.to) == ["noc@acme.example", "noc@demo.example"]
    with open(syslog, "a") as fh:
        fh.write(line(5, "kernel: [13000.000] EXT4-fs error (device sda1): bad block 4"))
    collect_all((T + timedelta(hours=2)).isoformat())
    assert len([m for m in mailbox.messages if "Log finding" in m.subject]) == 2  # not again
    as_provider.get("/lang/en")
    page = as_provider.get(f"/admin/servers/{world.server}/logwatch").get_data(as_text=True)
    assert "EXT4-fs error" in page and "dhclient" in page and "DHCPREQUEST" not in page  # suppressed
    with system(app) as s:
        assert s.execute(select(LogFinding.count)).scalar() == 3
        assert count_between(s, world.server, datetime(2026, 1, 1, tzinfo=timezone.utc),
                             datetime(2027, 1, 1, tzinfo=timezone.utc)) == 1
