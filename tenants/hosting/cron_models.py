"""A customer's cron job (issue 16 item 5): a schedule and a command, run as the customer's own
system user by the server's cron; its output mailed to the customer's contact or kept in a log."""
from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base
from tenants.hosting.models import Provisioned


class CronOutput(enum.StrEnum):
    MAIL = "mail"   # cron mails what the command prints to the customer's contact address
    LOG = "log"     # appended to ~/cron.log, which the customer reads over FTP


class CronJob(Provisioned, Base):
    __tablename__ = "cron_jobs"

    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    schedule: Mapped[str] = mapped_column(String(100))
    command: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(String(8), default=CronOutput.MAIL)
