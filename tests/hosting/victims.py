"""One of every hosting object for a customer, written straight to the database (the isolation
walk's victims: what another customer must never reach)."""
from __future__ import annotations

from tenants.models import (
    CronJob,
    Database,
    DkimKey,
    DnsRecord,
    Domain,
    FtpAccount,
    MailAccount,
    MailAlias,
    MailingList,
    MailingListMember,
    ProtectedDirectory,
    ProtectedUser,
    SftpAccount,
)

FAKE_HASH = "$2b$12$" + "x" * 53


def make_hosting(session, customer, tag: str) -> dict:
    owner = {"customer_id": customer.id, "reseller_id": customer.reseller_id}
    domain = Domain(name=f"{tag}.example.com", docroot=f"public_html/{tag}.example.com", **owner)
    session.add(domain)
    session.flush()
    mailbox = MailAccount(domain_id=domain.id, local_part="info", password_hash="{ARGON2ID}x", **owner)
    mlist = MailingList(domain_id=domain.id, local_part="news", **owner)
    mlist.members = [MailingListMember(address="a@example.org", **owner)]
    ftp = FtpAccount(name=f"{tag}ftp", password_hash=FAKE_HASH, directory="", **owner)
    database = Database(engine="mariadb", name=f"u{customer.id}_{tag}", db_user=f"u{customer.id}_{tag}", **owner)
    record = DnsRecord(domain_id=domain.id, name="www", type="A", value="192.0.2.1", **owner)
    protected = ProtectedDirectory(domain_id=domain.id, path="private", realm="Members", **owner)
    protected.users = [ProtectedUser(name="member", password_hash=FAKE_HASH, **owner)]
    alias = MailAlias(domain_id=domain.id, local_part="sales", targets="info@example.org", **owner)
    cron = CronJob(schedule="@daily", command="true", output="mail", **owner)
    dkim_key = DkimKey(domain_id=domain.id, selector="mail2026", key_secret="sealed", public_key="AAAA", **owner)
    ssh = SftpAccount(name=f"{tag}ssh", password_hash=FAKE_HASH, public_keys="", **owner)
    session.add_all([mailbox, mlist, ftp, database, record, protected, alias, cron, dkim_key, ssh])
    session.flush()
    made = {"domain": domain.id, "mail": mailbox.id, "list": mlist.id, "ftp": ftp.id, "database": database.id,
            "record": record.id, "protected": protected.id, "protected_user": protected.users[0].id,
            "alias": alias.id, "cron": cron.id, "dkim": dkim_key.id, "ssh": ssh.id}
    if customer.server_id is not None:  # a generation of the customer's backup and a restore from it
        from datetime import datetime, timezone

        from tenants.backups.models import BackupEntry, BackupRestore, BackupRun

        run = BackupRun(server_id=customer.server_id, archive=f"daily-{tag}", day="2026-12-01", state="ok",
                        taken_at=datetime(2026, 12, 1, 18, tzinfo=timezone.utc))
        session.add(run)
        session.flush()
        entry = BackupEntry(run_id=run.id, home=f"/srv/homes/{customer.id}", **owner)
        session.add(entry)
        session.flush()
        restore = BackupRestore(entry_id=entry.id, kind="files", item="index.html", into="restored-2026-12-01",
                                by="enduser", **owner)
        session.add(restore)
        session.flush()
        made["backup_restore"] = restore.id
    return made
