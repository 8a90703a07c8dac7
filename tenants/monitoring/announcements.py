"""Maintenance announcements (issue 20): a maintenance window the provider plans on a server is
announced a set number of days ahead to the resellers on that server (their fault contacts, in the
provider's wording) and, when asked, to those resellers' end users on it — under each reseller's
brand, From its brand name, Reply-To its support address, never the provider's name (OEM spec:
the end user deals with the reseller only). A reminder goes out the day before, an "ended" notice
once the window is over; a recurring window (weekly, monthly) then plans its next occurrence.
Times in JST. Each notice goes once per window and recipient (outbox keys), however often the job runs.

    due_notices(session, now)          -> [(window, kind)] what is due now (announce, reminder, ended)
    send_notice(session, window, kind) -> the mail queued for it; the window marked
"""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from tenants import audit
from tenants.calendar import to_jst
from tenants.customers.models import CustomerStatus
from tenants.errors import N_, RuleViolation
from tenants.models import Customer, MaintenanceWindow, OutboxMail, Reseller, Server, ServerAssignment
from tenants.outbox import rules as outbox
from tenants.resellers.models import ResellerStatus

KINDS = ("announce", "reminder", "ended")
REMINDER_BEFORE = timedelta(days=1)
RECURRENCES = ("", "weekly", "monthly")
MAX_ANNOUNCE_DAYS = 60


def next_start(starts_at: datetime, recurrence: str) -> datetime:
    """The next occurrence of a recurring window: a week later, or the same day of the next month
    (the month's last day when it is shorter)."""
    if recurrence == "weekly":
        return starts_at + timedelta(days=7)
    year, month = starts_at.year + starts_at.month // 12, starts_at.month % 12 + 1
    return starts_at.replace(year=year, month=month, day=min(starts_at.day, calendar.monthrange(year, month)[1]))


def due_notices(session, now: datetime) -> list[tuple[MaintenanceWindow, str]]:
    """Announced windows whose notice is due: the announcement from ``announce_days`` before the
    start, the reminder from a day before (when the announcement went earlier than that), the
    ended notice once the window is over."""
    windows = session.execute(select(MaintenanceWindow).where(
        MaintenanceWindow.announce_days > 0,
        or_(MaintenanceWindow.announced_at.is_(None), MaintenanceWindow.reminded_at.is_(None),
            MaintenanceWindow.ended_notice_at.is_(None))).order_by(MaintenanceWindow.starts_at)).scalars()
    due = []
    for w in windows:
        if w.announced_at is None:
            if w.starts_at - timedelta(days=w.announce_days) <= now < w.ends_at:
                due.append((w, "announce"))
        elif w.ended_notice_at is None and now >= w.ends_at:
            due.append((w, "ended"))
        elif w.reminded_at is None and w.starts_at - REMINDER_BEFORE <= now < w.starts_at \
                and w.announced_at < w.starts_at - REMINDER_BEFORE:
            due.append((w, "reminder"))
    return due


def _period(w: MaintenanceWindow) -> str:
    return f"{to_jst(w.starts_at):%Y-%m-%d %H:%M} – {to_jst(w.ends_at):%Y-%m-%d %H:%M} (JST)"


HEAD = {"announce": ("メンテナンスのお知らせ", "Planned maintenance"),
        "reminder": ("【明日】メンテナンスのお知らせ", "Reminder: maintenance tomorrow"),
        "ended": ("メンテナンス終了のお知らせ", "Maintenance completed")}


def reseller_text(w: MaintenanceWindow, server: Server | None, kind: str) -> tuple[str, str]:
    """The provider's wording to a reseller's fault contacts: the server by its host name (or the
    control panel, for a panel update)."""
    ja, en = HEAD[kind]
    what_ja, what_en = (server.hostname, server.hostname) if server else ("コントロールパネル", "the control panel")
    subject = f"[{ja}/{en}] {server.hostname if server else 'コントロールパネル / control panel'}"
    if kind == "ended":
        lines = [f"{what_ja} のメンテナンス ({_period(w)}) は終了しました。", "",
                 f"The maintenance of {what_en} ({_period(w)}) is over."]
    elif server is None:
        lines = [f"コントロールパネルのアップデートを次の日時に行います: {_period(w)}",
                 "この間、管理画面が一時的に利用できない場合があります。ウェブサイトとメールは通常どおりです。", "",
                 f"The control panel is updated during {_period(w)}; it may be unavailable for a while. "
                 "Sites and mail are not affected."]
    else:
        lines = [f"{server.hostname} で次の日時にメンテナンスを行います: {_period(w)}",
                 "この間、サービスが一時的に利用できない場合があります。", "",
                 f"Maintenance of {server.hostname} is planned for {_period(w)}.",
                 "Services may be unavailable for a while during it."]
    if w.note and kind != "ended":
        lines += ["", w.note]
    if w.tell_end_users and kind == "announce":
        lines += ["", "お客様 (エンドユーザー) にも貴社名でお知らせします。",
                  "Your end users are told under your brand."]
    return subject, "\n".join(lines)


def end_user_text(w: MaintenanceWindow, reseller: Reseller, kind: str) -> tuple[str, str]:
    """The reseller's voice to its end user: no host name, no provider; its support contact."""
    ja, en = HEAD[kind]
    subject = f"[{reseller.brand_name}] {ja} / {en}"
    what_ja, what_en = ("コントロールパネル", "the control panel") if w.server_id is None \
        else ("ご利用のサーバー", "your server")
    if kind == "ended":
        lines = [f"{what_ja}のメンテナンス ({_period(w)}) は終了しました。ご協力ありがとうございました。", "",
                 f"The maintenance of {what_en} ({_period(w)}) is over. Thank you for your patience."]
    elif w.server_id is None:
        lines = [f"コントロールパネルのアップデートを次の日時に行います: {_period(w)}",
                 "この間、コントロールパネルが一時的に利用できない場合があります。ウェブサイトとメールは通常どおりです。", "",
                 f"The control panel is updated during {_period(w)}; it may be unavailable for a while. "
                 "Your sites and mail are not affected."]
    else:
        lines = [f"ご利用のサーバーで次の日時にメンテナンスを行います: {_period(w)}",
                 "この間、ウェブサイト・メールなどが一時的に利用できない場合があります。", "",
                 f"Maintenance of your server is planned for {_period(w)}.",
                 "Your sites and mail may be unavailable for a while during it."]
    contact = " ".join(part for part in (reseller.support_email, reseller.support_phone) if part)
    lines += ["", reseller.brand_name] + ([f"お問い合わせ / Support: {contact}"] if contact else []) \
        + ([reseller.support_hours] if reseller.support_hours else [])
    return subject, "\n".join(lines)


def send_notice(session, w: MaintenanceWindow, kind: str, now: datetime) -> list[OutboxMail]:
    """Queue the notice to every reseller on the server (its fault contacts) and, when the window
    says so, to each of their end users on it; mark the window. Queued once per recipient."""
    server = session.get(Server, w.server_id) if w.server_id is not None else None
    key = f"maintenance:{w.id}:{kind}"
    queued: list[OutboxMail] = []
    for reseller in _resellers(session, server):
        subject, body = reseller_text(w, server, kind)
        for contact in reseller.contacts:
            queued += [m for m in [outbox.queue(session, f"maintenance_{kind}", contact.email, subject, body, key=key,
                                                label=reseller.name, server_id=w.server_id, reseller_id=reseller.id)]
                       if m]
        if not w.tell_end_users:
            continue
        subject, body = end_user_text(w, reseller, kind)
        query = select(Customer).where(Customer.reseller_id == reseller.id, Customer.status != CustomerStatus.CANCELLED,
                                       Customer.contact_email.is_not(None))
        if server is not None:
            query = query.where(Customer.server_id == server.id)
        customers = session.execute(query.order_by(Customer.id)).scalars()
        for customer in customers:
            mail = outbox.queue_to_end_user(session, reseller, f"maintenance_{kind}", [customer.contact_email],
                                            subject, body, key=key, customer_id=customer.id, server_id=w.server_id)
            queued += [mail] if mail else []
    setattr(w, {"announce": "announced_at", "reminder": "reminded_at", "ended": "ended_notice_at"}[kind], now)
    if kind == "ended" and w.recurrence:
        plan_next(session, w)
    session.flush()
    return queued


def _resellers(session, server: Server | None):
    """Who hears of a window: the resellers on the server, or for a panel update every active one."""
    if server is None:
        return session.execute(select(Reseller).where(Reseller.status == ResellerStatus.ACTIVE)
                               .order_by(Reseller.id)).scalars()
    return session.execute(select(Reseller).join(ServerAssignment, ServerAssignment.reseller_id == Reseller.id)
                           .where(ServerAssignment.server_id == server.id).order_by(Reseller.id)).scalars()


# OEM spec: 各種管理画面は…アップデートの際は事前にお知らせいたします (the same path as maintenance)
def add_panel_update(session, actor, starts_at: datetime, ends_at: datetime, note: str, announce_days: int,
                     tell_end_users: bool) -> MaintenanceWindow:
    """An update of the control panel, announced ``announce_days`` ahead to every reseller (and,
    under each one's brand, to its end users), with the reminder and the ended notice."""
    if ends_at <= starts_at:
        raise RuleViolation.one(N_("The end must be after the start."), "ends_at")
    if not 1 <= (announce_days or 0) <= MAX_ANNOUNCE_DAYS:
        raise RuleViolation.one(N_("Announce between 1 and %(n)s days ahead."), "announce_days", n=MAX_ANNOUNCE_DAYS)
    window = MaintenanceWindow(server_id=None, starts_at=starts_at, ends_at=ends_at, note=(note or "")[:200],
                               announce_days=announce_days, tell_end_users=bool(tell_end_users))
    session.add(window)
    session.flush()
    audit.record(session, actor, "panel_update.announce", window, f"{starts_at.isoformat()}–{ends_at.isoformat()}")
    return window


def plan_next(session, w: MaintenanceWindow) -> MaintenanceWindow:
    """A recurring window's next occurrence, announced the same way."""
    starts = next_start(w.starts_at, w.recurrence)
    nxt = MaintenanceWindow(server_id=w.server_id, starts_at=starts, ends_at=starts + (w.ends_at - w.starts_at),
                            note=w.note, announce_days=w.announce_days, tell_end_users=w.tell_end_users,
                            recurrence=w.recurrence)
    session.add(nxt)
    return nxt
