"""Building managed-service contracts for tests through the service functions themselves."""
from __future__ import annotations

from datetime import date

from tenants.calendar import today_jst
from tenants.contracts import lifecycle as contracts
from tenants.models import Contract, WorkRequest
from tenants.tenancy import Scope
from tests.support import scoped_session


def system(app):
    return scoped_session(app, Scope.system())


def formed_contract(s, *, billing_start=date(2026, 1, 15), fee=30_000, initial_fee=0,
                    reseller_id=None, server_id=None, name="株式会社テスト", email="it@customer.example") -> Contract:
    """A contract taken through application → accept → notice → confirmation, formed on
    ``billing_start``."""
    party = contracts.register_party(s, None, {"name": name, "contact_email": email,
                                               "reseller_id": reseller_id, "address": "東京都千代田区1-1"})
    c = contracts.apply(s, None, party, server_id=server_id, monthly_fee=fee, initial_fee=initial_fee,
                        applied_on=date(2025, 12, 1),
                        settings={"applications": "nginx, PostgreSQL", "contacts": "山田 03-0000-0000",
                                  "emergency_contact": "山田 090-0000-0000"})
    contracts.accept(s, None, c, date(2025, 12, 2))
    contracts.send_start_notice(s, None, c, date(2025, 12, 3))
    contracts.confirm(s, None, c, billing_start, today=billing_start)
    s.flush()
    return c


def victim_contract(s, reseller_id: int, server_id: int | None = None) -> dict:
    """A formed contract of ``reseller_id`` with one of everything an id route can name."""
    from datetime import datetime, timedelta, timezone

    from tenants.contracts.invoicing import invoice_contract
    from tenants.contracts.options import add_option
    from tenants.contracts.suspension import suspend
    from tenants.contracts.work import file_complaint, file_work_request

    c = formed_contract(s, reseller_id=reseller_id, server_id=server_id, name="Acme 管理契約")
    option = add_option(s, None, c, "gold_support", date(2026, 2, 1), 20_000)
    invoice = invoice_contract(s, c, date(2026, 1, 20))[0]
    now = datetime(2026, 2, 2, tzinfo=timezone.utc)
    suspension = suspend(s, None, c, ground="non_payment", reason="", starts_at=now,
                         ends_at=now + timedelta(days=3), emergency=True, now=now)
    wr = file_work_request(s, None, c, "設定変更", "", date(2026, 2, 3))
    complaint = file_complaint(s, None, c, "苦情", "", date(2026, 2, 3))
    s.flush()
    return {"contract": c.id, "option": option.id, "invoice": invoice.id, "suspension": suspension.id,
            "work": wr.id, "complaint": complaint.id}


def direct_customer(s, login_id: str, password: str) -> dict:
    """A second direct managed customer (no reseller) with one of everything and its own login."""
    from tenants.contracts.logins import issue_login
    from tenants.models import Contract as C

    ids = victim_contract(s, None)
    party = s.get(C, ids["contract"]).party
    issue_login(s, None, party, login_id, password)
    s.flush()
    return {**ids, "party": party.id}


def done_objected_and_redone(app, provider, customer, panel: str, request_id: int) -> None:
    """The provider accepts and completes a work request, the customer objects through ``panel``
    (/panel or /managed) so it is back in progress, and the provider completes it again
    (managed terms §18.3, §18.4)."""
    today = today_jst().isoformat()
    for step in ("accept", "complete"):
        assert provider.post(f"/admin/contracts/work/{request_id}", data={"step": step, "on": today}).status_code == 302
    assert customer.post(f"{panel}/contracts/work/{request_id}", data={"note": "反映されていない"}).status_code == 302
    with system(app) as s:
        assert s.get(WorkRequest, request_id).status == "in_progress"
        assert [e.status for e in s.get(WorkRequest, request_id).events][-1] == "objected"
    provider.post(f"/admin/contracts/work/{request_id}", data={"step": "complete", "on": today})
