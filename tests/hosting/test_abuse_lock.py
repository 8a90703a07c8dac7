"""The provider locks a customer for abuse with a reason: the customer is stopped on its server,
the reseller reads the reason on the customer's page and cannot resume it; the provider lifts the
lock with a reason; both are audited with their reasons. Bad input is refused beside the field."""
from __future__ import annotations

import re

from sqlalchemy import select

from tenants.models import AuditLog, Customer
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs
from tests.hosting.test_provisioning import set_up_everything, sources
from tests.support import scoped_session


def error_beside(html: str, message: str) -> bool:
    return re.search(r'<p class="error" role="alert">[^<]*' + re.escape(message), html) is not None


def status_of(app, customer_id):
    with scoped_session(app, Scope.system()) as s:
        customer = s.get(Customer, customer_id)
        return customer.status, customer.lock_reason


def test_the_provider_locks_a_customer_for_abuse_and_lifts_it_with_reasons(app, world, as_provider, as_taro,
                                                                           as_demo_operator, local_server):
    as_provider.get("/lang/en")
    as_demo_operator.get("/lang/en")
    set_up_everything(as_taro)
    run_jobs(app)
    cfg = local_server / "cfg"
    before = sources(cfg)

    for data, field_message in (({"reseller_code": "nope", "login_id": "taro", "reason": "spam"},
                                 "No reseller has this code."),
                                ({"reseller_code": "demo", "login_id": "nobody", "reason": "spam"},
                                 "This reseller has no end user with this login ID."),
                                ({"reseller_code": "demo", "login_id": "taro", "reason": "  "}, "Enter the reason.")):
        r = as_provider.post("/admin/abuse-locks", data=data)
        assert r.status_code == 400 and error_beside(r.get_data(as_text=True), field_message), data
    assert status_of(app, world.demo_customer) == ("active", None)

    reason = "Phishing pages reported by JPCERT (ticket 4711)"
    r = as_provider.post("/admin/abuse-locks", data={"reseller_code": "demo", "login_id": "taro", "reason": reason})
    assert r.status_code == 302
    assert status_of(app, world.demo_customer) == ("locked", reason)
    assert reason in as_provider.get("/admin/abuse-locks").get_data(as_text=True)
    run_jobs(app)
    assert "return 503" in (cfg / "sites" / "shop.example.jp.conf").read_text()
    assert "nologin=y" in (cfg / "dovecot" / "users").read_text()

    page = as_demo_operator.get(f"/panel/customers/{world.demo_customer}").get_data(as_text=True)
    assert f"Locked by the provider for abuse: {reason}" in page
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/resume", follow_redirects=True)
    assert "only the provider can lift the lock" in r.get_data(as_text=True)
    assert status_of(app, world.demo_customer) == ("locked", reason)

    r = as_provider.post(f"/admin/abuse-locks/{world.demo_customer}/unlock", data={"reason": ""})
    assert r.status_code == 400 and error_beside(r.get_data(as_text=True), "Enter the reason.")
    assert status_of(app, world.demo_customer) == ("locked", reason)
    r = as_provider.post(f"/admin/abuse-locks/{world.demo_customer}/unlock",
                         data={"reason": "Pages removed, password changed"})
    assert r.status_code == 302
    assert status_of(app, world.demo_customer) == ("active", None)
    run_jobs(app)
    assert sources(cfg) == before
    with scoped_session(app, Scope.system()) as s:
        entries = {a.action: a.details for a in s.scalars(select(AuditLog).where(
            AuditLog.customer_id == world.demo_customer, AuditLog.action.like("customer.abuse_%")))}
    assert entries["customer.abuse_lock"]["reason"] == reason
    assert entries["customer.abuse_unlock"]["reason"] == "Pages removed, password changed"
