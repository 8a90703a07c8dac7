"""Building managed-service contracts for tests through the service functions themselves."""
from __future__ import annotations

from datetime import date

from tenants import contracts
from tenants.models import Contract
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
