"""A customer's SFTP/SSH account (issue 16 item 4; the OEM spec's "FTP/SSH" accounts): a login
name of its own on the customer's server that runs as the customer's system user (same uid and
gid), with a password, public keys or both; chrooted SFTP only, or a shell where the course
allows it."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base
from tenants.hosting.models import Provisioned


class SftpAccount(Provisioned, Base):
    __tablename__ = "sftp_accounts"

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)  # a system login name: one per server farm
    password_hash: Mapped[str | None] = mapped_column(Text)     # crypt(3) bcrypt; None: keys only
    public_keys: Mapped[str] = mapped_column(Text, default="")  # OpenSSH lines, parsed and normalised
    shell: Mapped[bool] = mapped_column(Boolean, default=False)  # False: chrooted SFTP only

    @property
    def keys(self) -> list[str]:
        return [line for line in (self.public_keys or "").splitlines() if line.strip()]
