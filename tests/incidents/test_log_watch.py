"""Log watch (managed option spec, Gold/Platinum: hourly system-log collection with error detection):
a watched server's system log is read from where the last read ended — through rotation, nothing
lost or counted twice — lines matching a pattern become findings (lines differing only in numbers
are one), a server's suppressions are left out, each new finding is alerted once, the provider's
screen lists them and the annual report counts them. What was logged before the watch began is
not news."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from tenants.models import AuditLog, LogFinding, LogSuppression, ResourceThreshold, Server
from tenants.monitoring.endpoints import set_contract_monitoring
from tests.fleet.conftest import update_config
from tests.incidents.helpers import add_contacts, system
from workers.jobs.monitoring.log_watch import watch_logs, watch_server

T1 = datetime(2026, 12, 5, 1, 13, tzinfo=timezone.utc)
T2 = datetime(2026, 12, 5, 2, 13, tzinfo=timezone.utc)
T3 = datetime(2026, 12, 5, 3, 13, tzinfo=timezone.utc)


def _watch(app, world, log_path):
    update_config(app, world.server, system_logs=[str(log_path)])
    with system(app) as s:
        thresholds = set_contract_monitoring(s, s.get(Server, world.server), True)
        thresholds.log_watch = True
        s.commit()


def _findings(app):
    with system(app) as s:
        return {(f.pattern, f.count) for f in s.execute(select(LogFinding)).scalars()}


def test_findings_through_rotation_once_each_alerted_once(app, world, tmp_path, mailbox, as_provider):
    contacts = add_contacts(app, world)
    log = tmp_path / "syslog"
    log.write_text("Dec  4 23:00:01 web01 kernel: Out of memory: Killed process 99 (old)\n")  # before the watch
    _watch(app, world, log)
    assert watch_logs(T1.isoformat())[0]["new"] == 0
    with log.open("a") as f:
        f.write("Dec  5 10:01:02 web01 kernel: Out of memory: Killed process 1234 (php-fpm8.2)\n"
                "Dec  5 10:01:03 web01 CRON[77]: (root) CMD (run-parts /etc/cron.hourly)\n"
                "Dec  5 10:02:04 web01 kernel: Out of memory: Killed process 5678 (php-fpm8.2)\n"
                "Dec  5 10:03:00 web01 backupd[12]: FATAL: nightly job known to fail on Fridays\n")
    with system(app) as s:
        s.add(LogSuppression(server_id=world.server, regex=r"known to fail on Fridays"))
        s.commit()
    with log.open("a") as f:  # written, then the log rotated before the next read
        f.write("Dec  5 10:59:59 web01 kernel: EXT4-fs error (device vda1): ext4_find_entry:1455: reading directory\n")
    log.rename(tmp_path / "syslog.1")
    log.write_text("Dec  5 11:00:01 web01 kernel: Out of memory: Killed process 4321 (php-fpm8.2)\n")
    result = watch_server(world.server, T2.isoformat())
    assert result["new"] == 2 and result["errors"] == []
    assert _findings(app) == {("out_of_memory", 3), ("disk_error", 1)}  # the Friday line suppressed
    [alert] = mailbox.to(contacts["demo"])
    assert "Out of memory" in alert.body and "EXT4-fs error" in alert.body and "Killed process 99" not in alert.body

    assert watch_server(world.server, T3.isoformat())["new"] == 0  # nothing new: nothing counted twice
    assert _findings(app) == {("out_of_memory", 3), ("disk_error", 1)} and len(mailbox.to(contacts["demo"])) == 1

    as_provider.get("/lang/en")
    page = as_provider.get(f"/admin/monitoring/servers/{world.server}/logs").get_data(as_text=True)
    assert "EXT4-fs error (device vda1)" in page and "Watched every hour" in page and str(log) in page


def test_a_bad_suppression_is_refused_and_nothing_saved(app, world, as_provider):
    as_provider.get("/lang/en")
    page = as_provider.post(f"/admin/monitoring/servers/{world.server}/logs", data={"regex": "(unclosed", "note": ""})
    assert page.status_code == 400 and "This is not a valid regular expression" in page.get_data(as_text=True)
    page = as_provider.post("/admin/monitoring/log-patterns", data={"name": "Bad Name", "regex": "x"})
    assert page.status_code == 400 and "lower-case letters" in page.get_data(as_text=True)
    assert as_provider.post(f"/admin/monitoring/servers/{world.server}/logs",
                            data={"regex": r"sshd\[\d+\]: error: kex", "note": "scanners"}).status_code == 302
    with system(app) as s:
        assert [r.regex for r in s.execute(select(LogSuppression)).scalars()] == [r"sshd\[\d+\]: error: kex"]
        assert s.execute(select(AuditLog).where(AuditLog.action == "monitoring.log_suppression.add")).scalar()


def test_only_gold_and_platinum_servers_are_watched(app, world, tmp_path):
    log = tmp_path / "syslog"
    log.write_text("")
    update_config(app, world.server, system_logs=[str(log)])
    assert watch_logs(T1.isoformat()) == []
    with system(app) as s:
        assert s.get(ResourceThreshold, world.server) is None or not s.get(ResourceThreshold, world.server).log_watch
