"""Maintenance announcements (issue 20 item 5): a window set to be announced is told, the set
number of days ahead, to the fault contacts of the resellers with customers on the server (the
provider's wording, host name) and, under each reseller's brand, to its end users there (the
reseller's From/Reply-To, no host name, no provider name); a reminder the day before; an "ended"
notice. Times in JST. A weekly or monthly window then moves on to its next date and is announced
again. Every notice goes once (outbox key per window, date and stage)."""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import select

from tenants.calendar import to_jst
from tenants.customers.models import CustomerStatus
from tenants.errors import N_, Problem
from tenants.models import Customer, MaintenanceWindow, Reseller, ResellerContact, Server
from tenants.outbox import rules as outbox

RECURRENCES = ("", "weekly", "monthly")
REMINDER = timedelta(days=1)


def check(announce_days: int | None, recurrence: str, announcement: str) -> list[Problem]:
    problems = []
    if announce_days is not None and not 0 <= announce_days <= 60:
        problems.append(Problem(N_("Announce from 0 to 60 days ahead."), "announce_days"))
    if recurrence not in RECURRENCES:
        problems.append(Problem(N_("Choose once, weekly or monthly."), "recurrence"))
    if len(announcement or "") > 2000:
        problems.append(Problem(N_("Keep this under %(max)s characters."), "announcement", {"max": 2000}))
    return problems


def due_stages(window: MaintenanceWindow, now: datetime) -> list[str]:
    if not window.announce_days:
        return []
    stages = []
    if window.starts_at - timedelta(days=window.announce_days) <= now < window.ends_at:
        stages.append("notice")
    if window.starts_at - REMINDER <= now < window.starts_at:
        stages.append("reminder")
    if now >= window.ends_at:
        stages.append("ended")
    return stages


def _next(window: MaintenanceWindow) -> None:
    if window.recurrence == "weekly":
        shift = timedelta(days=7)
    else:
        local = to_jst(window.starts_at)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        day = min(local.day, calendar.monthrange(year, month)[1])
        shift = local.replace(year=year, month=month, day=day) - local
    window.starts_at, window.ends_at = window.starts_at + shift, window.ends_at + shift


def _texts(window: MaintenanceWindow, stage: str, where_ja: str, where_en: str) -> tuple[str, str]:
    span = f"{to_jst(window.starts_at):%Y-%m-%d %H:%M} – {to_jst(window.ends_at):%Y-%m-%d %H:%M} (JST)"
    head = {"notice": ("メンテナンスのお知らせ", "Maintenance notice"),
            "reminder": ("メンテナンスのご案内 (前日)", "Maintenance reminder"),
            "ended": ("メンテナンス終了のお知らせ", "Maintenance ended")}[stage]
    said = {"notice": (f"{where_ja}のメンテナンスを下記の日時に行います。", f"Maintenance of {where_en} is planned:"),
            "reminder": (f"{where_ja}のメンテナンスを明日行います。", f"Maintenance of {where_en} is tomorrow:"),
            "ended": (f"{where_ja}のメンテナンスは終了しました。", f"Maintenance of {where_en} has ended:")}[stage]
    body = "\n".join([said[0], span, "", said[1], span] + (["", window.announcement] if window.announcement else []))
    return f"[{head[0]}/{head[1]}] {span}", body


def announce(session, window: MaintenanceWindow, now: datetime) -> int:
    """Queue the due notices of one window; returns how many were queued."""
    server = session.get(Server, window.server_id)
    queued = 0
    stages = due_stages(window, now)
    for stage in stages:
        key = f"maint:{window.id}:{window.starts_at:%Y%m%d%H%M}:{stage}"
        customers = session.execute(select(Customer).where(
            Customer.server_id == server.id, Customer.status != CustomerStatus.CANCELLED.value)
            .order_by(Customer.id)).scalars().all()
        for reseller_id in sorted({c.reseller_id for c in customers}):
            subject, body = _texts(window, stage, f"{server.hostname} ", server.hostname)
            for contact in session.execute(select(ResellerContact).where(
                    ResellerContact.reseller_id == reseller_id).order_by(ResellerContact.id)).scalars():
                queued += outbox.queue(session, "maintenance", contact.email, subject, body, key=key,
                                       label=contact.name, server_id=server.id) is not None
        for customer in customers:  # under the reseller's brand: no host name, no provider name
            if customer.contact_email:
                subject, body = _texts(window, stage, "ご利用のサーバ", "your server")
                queued += outbox.queue_to_end_user(
                    session, session.get(Reseller, customer.reseller_id), "maintenance", [customer.contact_email],
                    subject, body, key=key, label=customer.contractor_name, server_id=server.id,
                    customer_id=customer.id) is not None
    if "ended" in stages and window.recurrence in ("weekly", "monthly"):
        _next(window)
    session.flush()
    return queued


def announce_due(session, now: datetime) -> int:
    windows = session.execute(select(MaintenanceWindow).where(MaintenanceWindow.announce_days > 0)
                              .order_by(MaintenanceWindow.id)).scalars().all()
    return sum(announce(session, w, now) for w in windows)
