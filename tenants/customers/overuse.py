"""The overuse policy of a course (OEM spec コース設定): notify the reseller and the end user when a
customer reaches 80 % and 100 % of its disk or monthly traffic quota; optionally suspend the site at
100 % until usage drops or the quota is raised. Notices speak only the reseller's brand: they are
queued in the outbox From the reseller's brand name, in the installation's language."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from tenants import audit
from tenants.customers.courses import quota_level
from tenants.db import utcnow
from tenants.errors import N_
from tenants.models import (
    Course,
    Customer,
    CustomerStatus,
    CustomerUsageSample,
    OutboxMail,
    OveruseState,
    Reseller,
    ResellerContact,
)
from tenants.outbox import rules as outbox
from tenants.outbox.text import render

RESOURCES = {"disk": N_("disk"), "traffic": N_("monthly traffic")}
SUBJECT = N_("[%(brand)s] %(resource)s use has reached %(level)s%% of your plan")
BODY = N_("Dear %(name)s,\n\nThe %(resource)s use of your account %(login)s has reached %(level)s%% of "
          "the limit of your plan %(course)s (%(used)s of %(quota)s).\n%(action)s\n\n"
          "%(brand)s support: %(contact)s %(hours)s")
# What a stopped customer's hosting does (tenants/hosting/suspension.py), said as it is.
ACTION_SUSPENDED = N_("Your account has been suspended until the use drops below the limit or the limit is "
                      "raised: your websites show a \"suspended\" page instead of their content, your mailboxes "
                      "cannot be read or send mail, and FTP logins are refused. Mail sent to you is still "
                      "received and kept, and nothing has been deleted. Everything works again as before once "
                      "the account is resumed.")
ACTION_NONE = N_("Please reduce the use or ask us about a larger plan.")


def _usage(session, customer: Customer, now: datetime) -> dict[str, int]:
    since = now - timedelta(days=30)
    traffic = session.scalar(select(func.coalesce(func.sum(CustomerUsageSample.traffic_in_bytes
                                                           + CustomerUsageSample.traffic_out_bytes), 0))
                             .where(CustomerUsageSample.customer_id == customer.id, CustomerUsageSample.at >= since))
    return {"disk": customer.disk_used_bytes, "traffic": int(traffic or 0)}


def _quota(course: Course, resource: str) -> int:
    return course.disk_quota_mb * 1024 ** 2 if resource == "disk" else course.traffic_quota_gb * 1024 ** 3


def check_customer(session, customer: Customer, now: datetime | None = None, locale: str = "ja") -> list[OutboxMail]:
    """Move the customer's overuse state on; queue the notices due (each level is notified once)
    in ``locale`` and return them."""
    now = now or utcnow()
    course = session.get(Course, customer.course_id)
    reseller = session.get(Reseller, customer.reseller_id)
    states = {s.resource: s for s in session.scalars(select(OveruseState).where(OveruseState.customer_id == customer.id))}
    notices = []
    for resource, used in _usage(session, customer, now).items():
        quota = _quota(course, resource)
        level = quota_level(used, quota) or 0
        state = states.get(resource) or OveruseState(reseller_id=customer.reseller_id, customer_id=customer.id,
                                                     resource=resource, level=0, suspended=False)
        session.add(state)
        suspend_now = level >= 100 and course.overuse_suspend and customer.status == CustomerStatus.ACTIVE.value
        if suspend_now:
            customer.status = CustomerStatus.SUSPENDED.value
            state.suspended = True
            audit.record(session, None, "overuse.suspend", customer, f"{resource} at {level} % of quota",
                         customer_id=customer.id)
        elif state.suspended and level < 100:  # use dropped or the quota was raised
            state.suspended = False
            if customer.status == CustomerStatus.SUSPENDED.value:
                customer.status = CustomerStatus.ACTIVE.value
                audit.record(session, None, "overuse.resume", customer, f"{resource} back under quota",
                             customer_id=customer.id)
        if level > state.level and course.overuse_notify:
            notice = _notice(session, reseller, customer, course, resource, level, used, quota,
                             suspended=suspend_now, locale=locale)
            if notice is not None:
                notices.append(notice)
        if level != state.level:
            state.level, state.changed_at = level, now
    return notices


def _notice(session, reseller, customer, course, resource, level, used, quota, suspended,
            locale: str) -> OutboxMail | None:
    """One mail to the end user and the reseller's contacts (its support address when it has none);
    None when there is nobody to tell."""
    to = [customer.contact_email] if customer.contact_email else []
    contacts = session.scalars(select(ResellerContact.email).where(ResellerContact.reseller_id == reseller.id)).all()
    to += list(contacts) or ([reseller.support_email] if reseller.support_email else [])
    params = {"brand": reseller.brand_name, "resource": RESOURCES[resource], "level": level,
              "name": customer.contractor_name, "login": customer.login_id or "", "course": course.name,
              "used": _human(used), "quota": _human(quota), "action": ACTION_SUSPENDED if suspended else ACTION_NONE,
              "contact": " ".join(x for x in (reseller.support_email, reseller.support_phone) if x),
              "hours": reseller.support_hours or ""}
    if not to:
        return None
    return outbox.queue_to_end_user(session, reseller, "overuse", to, render((SUBJECT, params), locale),
                                    render((BODY, params), locale), customer_id=customer.id)


def _human(n: int) -> str:
    return f"{n / 1024 ** 3:.1f} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.0f} MB"
