"""Who reads which mail in the outbox: a contract's mail as its contract (its reseller's operators,
its own party's managed-customer login); every other mail (notices naming fault contacts, overuse
notices) provider staff and the system only."""
from sqlalchemy import select

from tenants.models import OutboxMail
from tenants.outbox import rules as outbox
from tenants.tenancy import Scope
from tests.contracts.helpers import formed_contract, system
from tests.support import scoped_session


def _seen(app, scope) -> list[str]:
    with scoped_session(app, scope) as s:
        return sorted(m.recipient for m in s.execute(select(OutboxMail)).scalars())


def test_contract_mail_is_seen_as_its_contract_and_every_other_mail_by_the_provider_only(app, world):
    with system(app) as s:
        formed_contract(s, reseller_id=world.acme, name="Acme 管理契約", email="ops@acme.example")
        direct_party = formed_contract(s, name="直接契約", email="it@direct.example").party_id
        outbox.queue(s, "outage", "noc@acme.example", "[障害/Outage]", "", key="incident:1", server_id=world.server)
        outbox.queue(s, "overuse", "hanako@example.jp", "[Acme] 80%", "", reseller_id=world.acme,
                     customer_id=world.acme_customer)
        s.commit()
    assert _seen(app, Scope.system()) == ["hanako@example.jp", "it@direct.example", "noc@acme.example",
                                          "ops@acme.example"]
    assert _seen(app, Scope("reseller", world.acme, None, world.principals["acme-op"])) == ["ops@acme.example"]
    assert _seen(app, Scope("reseller", world.demo, None, world.principals["demo-op"])) == []
    assert _seen(app, Scope("managed", party_id=direct_party)) == ["it@direct.example"]
    assert _seen(app, Scope("enduser", world.acme, world.acme_customer, world.principals["hanako"])) == []
