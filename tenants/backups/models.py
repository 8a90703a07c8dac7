"""Backups (issue 18; managed terms: daily full backup kept 7 generations, 2nd disk, backup server).

- BackupPlan: one per server, set by the provider: on or off, the time of day, the target (a path on
  the server, i.e. a second disk, or a backup server over SSH) and the sealed secrets (the borg
  passphrase, the exported repository key, the backup server's SSH key and pinned host key).
- BackupRun: one run of a server's backup = one generation (a borg archive), with its result.
- BackupEntry: what one run holds of one customer (its home, mailboxes, databases): what the
  reseller and the end user see of the generations.
- BackupRestore: one restore, by the provider or the end user, run as a job with its progress.
- BackupServerRestore: the provider's restore of a whole server to one generation (every
  customer's home, mailboxes and databases and the generated configuration), run as a job.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.monitoring.models import ProviderOnly, ServerOwned
from tenants.tenancy import CustomerScoped

TARGET_KINDS = ("path", "ssh")
KEEP_DAILY = 7  # managed terms: 日次フルバックアップ 7世代保存

RUNNING, OK, FAILED, PRUNED = "running", "ok", "failed", "pruned"
QUEUED, DONE = "queued", "done"
RESTORE_KINDS = ("site", "mailbox", "database", "files")


class BackupPlan(ProviderOnly, Base):
    __tablename__ = "backup_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    run_at_minute: Mapped[int] = mapped_column(Integer, default=180)   # minutes after midnight, Asia/Tokyo
    target_kind: Mapped[str] = mapped_column(String(8), default="path")
    target_path: Mapped[str] = mapped_column(String(1024), default="")  # on the server, or on the backup server
    target_host: Mapped[str | None] = mapped_column(String(253))       # ssh: the backup server
    target_port: Mapped[int] = mapped_column(Integer, default=22)
    target_user: Mapped[str | None] = mapped_column(String(32))
    keep_daily: Mapped[int] = mapped_column(Integer, default=KEEP_DAILY)
    # sealed JSON (tenants.crypto, bound to this row): passphrase, key_export, ssh_key, known_hosts
    secrets: Mapped[str | None] = mapped_column(Text)
    switched_on_by: Mapped[str | None] = mapped_column(String(80))     # "provider" or "option:<code>"
    repository_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    server = relationship("Server")


class BackupRun(ServerOwned, Base):
    __tablename__ = "backup_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    archive: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(String(1100), default="")  # the repository it is in (the target then)
    day: Mapped[str] = mapped_column(String(10), index=True)            # YYYY-MM-DD, Asia/Tokyo
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")  # schedule | manual
    state: Mapped[str] = mapped_column(String(16), default=RUNNING)
    reason: Mapped[str | None] = mapped_column(Text)
    original_bytes: Mapped[int | None] = mapped_column(BigInteger)
    deduplicated_bytes: Mapped[int | None] = mapped_column(BigInteger)
    files: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entries: Mapped[list["BackupEntry"]] = relationship(back_populates="run", cascade="all, delete-orphan")


class BackupEntry(CustomerScoped, Base):
    __tablename__ = "backup_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("backup_runs.id", ondelete="CASCADE"), index=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    home: Mapped[str] = mapped_column(String(1024))
    mailboxes: Mapped[str] = mapped_column(Text, default="")     # address per line
    databases: Mapped[str] = mapped_column(Text, default="")     # "engine name" per line
    home_bytes: Mapped[int | None] = mapped_column(BigInteger)    # the home's size the metrics last measured

    run: Mapped[BackupRun] = relationship(back_populates="entries")

    @property
    def mailbox_list(self) -> list[str]:
        return [line for line in self.mailboxes.splitlines() if line]

    @property
    def database_list(self) -> list[tuple[str, str]]:
        return [(e, n) for line in self.databases.splitlines() if line for e, n in [line.split(" ", 1)]]


class BackupRestore(CustomerScoped, Base):
    __tablename__ = "backup_restores"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("backup_entries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))                 # site | mailbox | database | files
    item: Mapped[str] = mapped_column(String(1024), default="")   # path in the home, address, "engine name"
    into: Mapped[str] = mapped_column(String(1024), default="")   # restored-<date>/ folder, new database name
    by: Mapped[str] = mapped_column(String(16), default="provider")  # provider | enduser
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)     # percent
    step: Mapped[str] = mapped_column(String(80), default="")
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry: Mapped[BackupEntry] = relationship()


class BackupServerRestore(ProviderOnly, Base):
    __tablename__ = "backup_server_restores"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("backup_runs.id", ondelete="CASCADE"), index=True)
    # the server's escalated incident this restore remedies (fault level 3), if there was one
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)     # percent
    step: Mapped[str] = mapped_column(String(120), default="")
    summary: Mapped[str] = mapped_column(Text, default="")        # what came back, what was left out
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[BackupRun] = relationship()
