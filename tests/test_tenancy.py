"""Tenancy is enforced centrally: what each scope sees and may write, and failing closed."""
import pytest
from sqlalchemy import select, update

from tenants.errors import NotFound
from tenants.models import AuditLog, Course, Customer, Principal, Reseller, Server
from tenants.tenancy import Scope, TenantScopeError, get_owned_or_404
from tests.support import scoped_session


def test_reseller_scope_sees_only_its_own_rows(app, world):
    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        assert [c.id for c in s.scalars(select(Customer))] == [world.demo_customer]
        assert [c.id for c in s.scalars(select(Course))] == [world.demo_course]
        assert [r.code for r in s.scalars(select(Reseller))] == ["demo"]
        logins = {p.login_id for p in s.scalars(select(Principal))}
        assert logins == {"demo-op", "taro"}  # never staff, never acme's


def test_enduser_scope_sees_only_their_own_customer_and_login(app, world):
    scope = Scope("enduser", reseller_id=world.acme, customer_id=world.acme_customer,
                  principal_id=world.principals["hanako"])
    with scoped_session(app, scope) as s:
        assert [c.id for c in s.scalars(select(Customer))] == [world.acme_customer]
        assert [p.login_id for p in s.scalars(select(Principal))] == ["hanako"]
        assert [c.id for c in s.scalars(select(Course))] == [world.acme_course]
        assert [sv.id for sv in s.scalars(select(Server))] == [world.server]


def test_server_visible_only_when_assigned(app, world):
    with scoped_session(app, Scope.system()) as s:
        s.add(Server(hostname="web99.example.jp", address="192.0.2.99"))
        s.commit()
    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        assert [sv.hostname for sv in s.scalars(select(Server))] == ["localhost"]


def test_session_without_scope_refuses_every_query(app):
    s = app.extensions["panel.sessions"]()
    with pytest.raises(TenantScopeError):
        s.execute(select(Customer))
    s.close()


def test_anonymous_scope_sees_no_tenant_rows(app):
    with scoped_session(app, Scope.anonymous()) as s:
        assert s.scalars(select(Customer)).all() == []
        assert s.scalars(select(Principal)).all() == []


def test_scope_is_bound_once(app, world):
    s = scoped_session(app, Scope("reseller", reseller_id=world.demo))
    with pytest.raises(TenantScopeError):
        s.bind_scope(Scope("reseller", reseller_id=world.acme))
    s.close()


def test_insert_is_stamped_with_the_scope_and_foreign_tenant_refused(app, world):
    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        course = Course(name="Stamped")
        s.add(course)
        s.flush()
        assert course.reseller_id == world.demo
        s.add(Course(name="Smuggled", reseller_id=world.acme))
        with pytest.raises(TenantScopeError):
            s.flush()
        s.rollback()
    with scoped_session(app, Scope.system()) as s:
        assert s.scalars(select(Course).where(Course.name == "Smuggled")).all() == []


def test_moving_a_row_to_another_tenant_is_refused(app, world):
    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        customer = s.get(Customer, world.demo_customer)
        customer.reseller_id = world.acme
        with pytest.raises(TenantScopeError):
            s.flush()


def test_bulk_update_is_scoped(app, world):
    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        s.execute(update(Customer).values(contact_email="x@example.jp"))
        s.commit()
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Customer, world.acme_customer).contact_email != "x@example.jp"
        assert s.get(Customer, world.demo_customer).contact_email == "x@example.jp"


def test_get_owned_or_404_ignores_identity_map(app, world):
    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        with pytest.raises(NotFound):
            get_owned_or_404(s, Customer, world.acme_customer)
        with pytest.raises(NotFound):
            get_owned_or_404(s, Customer, "not-a-number")
        assert get_owned_or_404(s, Customer, world.demo_customer).id == world.demo_customer


def test_enduser_cannot_write_someone_elses_rows_or_audit_as_them(app, world):
    scope = Scope("enduser", reseller_id=world.demo, customer_id=world.demo_customer,
                  principal_id=world.principals["taro"])
    with scoped_session(app, scope) as s:
        entry = AuditLog(actor="enduser:taro", action="x")
        s.add(entry)
        s.flush()
        assert (entry.reseller_id, entry.customer_id) == (world.demo, world.demo_customer)
        s.add(AuditLog(actor="enduser:taro", action="y", customer_id=world.acme_customer))
        with pytest.raises(TenantScopeError):
            s.flush()


def test_operator_cannot_create_resellers_or_servers(app, world):
    for obj in (Reseller(code="evil", name="e", brand_name="e"), Server(hostname="evil", address="127.0.0.2")):
        with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
            s.add(obj)
            with pytest.raises(TenantScopeError):
                s.flush()
