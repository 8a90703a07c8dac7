"""The record of a customer's move to another server, with its progress (rules in moves.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, UTCDateTime, utcnow
from tenants.tenancy import CustomerScoped

# The steps in order, as the reseller sees them.
STEPS = ("files", "mail", "databases", "configuration", "zones", "verify", "cleanup")
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
OPEN = (QUEUED, RUNNING)


class CustomerMove(CustomerScoped, Base):
    """One move of one customer from one server to another, with its progress (an end user sees
    only their own; no end-user page shows it yet)."""
    __tablename__ = "customer_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    from_server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"))
    to_server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    step: Mapped[str | None] = mapped_column(String(32))         # the step running, or the one that failed
    done_steps: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    failure: Mapped[str | None] = mapped_column(Text)            # why it failed (the tool's message)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def steps(self) -> list[tuple[str, str]]:
        """(step, "done" | "running" | "failed" | "waiting") in order, for the progress list."""
        done = set(filter(None, self.done_steps.split(",")))
        out = []
        for step in STEPS:
            if step in done:
                out.append((step, DONE))
            elif step == self.step and self.state in (RUNNING, FAILED):
                out.append((step, self.state))
            else:
                out.append((step, "waiting"))
        return out
