"""What an end user runs on their server (OEM spec エンドユーザー機能): domains, mail accounts,
mailing lists, FTP accounts, databases, DNS records and protected directories.

Each row is *wanted state*: the panel saves it as ``pending`` and a provisioning job applies it
through the server's driver, recording ``applied`` or ``failed`` with the driver's message. A row
marked ``deleting`` is wanted gone; the job removes it from the server, then from the database.

Beside them, the names the provider keeps for itself (its nameservers, panel host names, its own
domains): no customer may register one of them, a name under one, or a name above one."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped, Scope, TenantScoped, TenantScopeError


class ProvisionState(enum.StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    FAILED = "failed"


class Provisioned(CustomerScoped):
    """Owner columns and the provisioning state every hosting object carries."""

    if TYPE_CHECKING:  # each model declares its own foreign key
        customer_id: Mapped[int]

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=ProvisionState.PENDING.value, index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)      # why it failed, in words the end user may read
    state_detail: Mapped[str | None] = mapped_column(Text)      # the tool's own output, for the provider only
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleting: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)    # bumped on every change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def want_changed(self) -> None:
        """A change the server has not seen yet."""
        self.state = ProvisionState.PENDING.value
        self.state_reason = None
        self.state_detail = None
        self.revision = (self.revision or 0) + 1

    def want_gone(self) -> None:
        self.deleting = True
        self.want_changed()


class Domain(Provisioned, Base):
    __tablename__ = "domains"

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)    # ASCII (punycode)
    docroot: Mapped[str] = mapped_column(String(1024))             # relative to the customer's home
    https: Mapped[bool] = mapped_column(Boolean, default=False)
    https_redirect: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # HTTP → HTTPS
    dns_serial: Mapped[int] = mapped_column(Integer, default=1)    # SOA serial, bumped on record changes
    php_version: Mapped[str | None] = mapped_column(String(8))     # None: a static site; "8.2": PHP-FPM 8.2
    php_memory_mb: Mapped[int | None] = mapped_column(Integer)     # PHP memory_limit of the site (<= course)


class MailAccount(Provisioned, Base):
    __tablename__ = "mail_accounts"
    __table_args__ = (UniqueConstraint("domain_id", "local_part"),)

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    local_part: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))       # dovecot form, {ARGON2ID}...
    quota_mb: Mapped[int] = mapped_column(Integer, default=0)
    forwards: Mapped[str] = mapped_column(Text, default="")        # one address per line
    keep_copy: Mapped[bool] = mapped_column(Boolean, default=True)
    send_locked: Mapped[bool] = mapped_column(Boolean, default=False)  # mass-mail lock (OEM spec 障害レベル1)
    # the autoresponder (tenants/hosting/autoreply.py): dates in Asia/Tokyo, both optional
    autoreply_on: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    autoreply_subject: Mapped[str] = mapped_column(String(200), default="", server_default="")
    autoreply_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    autoreply_start: Mapped[date | None] = mapped_column(Date)
    autoreply_end: Mapped[date | None] = mapped_column(Date)
    autoreply_days: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    domain: Mapped[Domain] = relationship()

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}"

    @property
    def forward_list(self) -> list[str]:
        return [line for line in (self.forwards or "").splitlines() if line]


class MailingList(Provisioned, Base):
    __tablename__ = "mailing_lists"
    __table_args__ = (UniqueConstraint("domain_id", "local_part"),)

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    local_part: Mapped[str] = mapped_column(String(64))

    domain: Mapped[Domain] = relationship()
    members: Mapped[list["MailingListMember"]] = relationship(
        back_populates="mailing_list", cascade="all, delete-orphan", order_by="MailingListMember.address")

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain.name}"


class MailAlias(Provisioned, Base):
    """An address that delivers to one or more other addresses (in the customer's domains or
    elsewhere); ``local_part`` "" is the domain's catch-all: every address of the domain that is
    no mailbox, list or alias (one per domain, by the unique constraint)."""
    __tablename__ = "mail_aliases"
    __table_args__ = (UniqueConstraint("domain_id", "local_part"),)

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    local_part: Mapped[str] = mapped_column(String(64))            # "" = catch-all of the domain
    targets: Mapped[str] = mapped_column(Text, default="")         # one address per line

    domain: Mapped[Domain] = relationship()

    @property
    def catch_all(self) -> bool:
        return self.local_part == ""

    @property
    def address(self) -> str:
        """local@domain, or @domain for a catch-all (postfix's virtual_alias_maps form)."""
        return f"{self.local_part}@{self.domain.name}"

    @property
    def target_list(self) -> list[str]:
        return [line for line in (self.targets or "").splitlines() if line]


class MailingListMember(CustomerScoped, Base):
    __tablename__ = "mailing_list_members"
    __table_args__ = (UniqueConstraint("mailing_list_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    mailing_list_id: Mapped[int] = mapped_column(ForeignKey("mailing_lists.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254))

    mailing_list: Mapped[MailingList] = relationship(back_populates="members")


class FtpAccount(Provisioned, Base):
    __tablename__ = "ftp_accounts"

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)     # pure-ftpd users are per server
    password_hash: Mapped[str] = mapped_column(String(255))       # bcrypt $2b$
    directory: Mapped[str] = mapped_column(String(1024), default="")  # relative to the customer's home


class Database(Provisioned, Base):
    __tablename__ = "databases"
    __table_args__ = (UniqueConstraint("engine", "name"), UniqueConstraint("engine", "db_user"))

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    engine: Mapped[str] = mapped_column(String(16))                # mariadb | postgresql
    name: Mapped[str] = mapped_column(String(64))
    db_user: Mapped[str] = mapped_column(String(80))
    # The issued password, sealed (tenants.crypto, bound to this row) only until the job has set it
    # on the server; then erased. The user saw it once, when it was issued.
    password_secret: Mapped[str | None] = mapped_column(Text)


class DnsRecord(Provisioned, Base):
    __tablename__ = "dns_records"

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(253))                 # relative to the zone, '@' apex
    type: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(Text)                       # normalised (tenants.dns_records)
    ttl: Mapped[int] = mapped_column(Integer, default=3600)

    domain: Mapped[Domain] = relationship()


class ProtectedDirectory(Provisioned, Base):
    __tablename__ = "protected_directories"
    __table_args__ = (UniqueConstraint("domain_id", "path"),)

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(1024))                # relative to the web root, '' = all
    realm: Mapped[str] = mapped_column(String(64))

    domain: Mapped[Domain] = relationship()
    users: Mapped[list["ProtectedUser"]] = relationship(
        back_populates="directory", cascade="all, delete-orphan", order_by="ProtectedUser.name")


class ProtectedUser(CustomerScoped, Base):
    __tablename__ = "protected_users"
    __table_args__ = (UniqueConstraint("directory_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    directory_id: Mapped[int] = mapped_column(ForeignKey("protected_directories.id", ondelete="CASCADE"),
                                              index=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))       # bcrypt, nginx auth_basic accepts it

    directory: Mapped[ProtectedDirectory] = relationship(back_populates="users")


class ReservedName(TenantScoped, Base):
    __tablename__ = "reserved_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)  # ASCII (IDNA) form, lower case
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def tenant_criteria(cls, scope: Scope):
        return false()  # only provider staff and the system read the list; tenants ask tenants.hosting

    def check_tenant_write(self, scope: Scope, is_new: bool) -> None:
        raise TenantScopeError("only provider staff change the reserved names")
