"""Customers' domains (from the end-user panel's hosting objects): counted in the list, searchable,
and a course's domain limit is lowered below them only after confirmation."""
from sqlalchemy import select

from tenants.models import Course, Domain
from tenants.tenancy import Scope
from tests.reseller.helpers import COURSE, one
from tests.support import scoped_session


def _domains(app, customer_id, reseller_id, *names):
    with scoped_session(app, Scope.system()) as s:
        for name in names:
            s.add(Domain(reseller_id=reseller_id, customer_id=customer_id, name=name, docroot="public_html"))
        s.commit()


def test_domains_are_counted_and_searchable(app, as_demo_operator, world):
    _domains(app, world.demo_customer, world.demo, "yamada-shoten.example.jp", "yamada.example.com")
    html = as_demo_operator.get("/panel/customers?q=yamada-shoten").get_data(as_text=True)
    assert "山田 太郎" in html and "<td>2</td>" in html
    assert "山田 太郎" not in as_demo_operator.get("/panel/customers?q=nosuch.example").get_data(as_text=True)
    page = as_demo_operator.get(f"/panel/customers/{world.demo_customer}").get_data(as_text=True)
    assert '<div class="stat">2</div>' in page


def test_lowering_the_domain_limit_below_use_needs_confirmation(app, as_demo_operator, world):
    _domains(app, world.demo_customer, world.demo, "a.example.jp", "b.example.jp", "c.example.jp")
    data = COURSE | {"name": "スタンダード", "disk_quota_mb": 20480, "max_domains": 2}
    r = as_demo_operator.post(f"/panel/courses/{world.demo_course}/edit", data=data)
    assert r.status_code == 409 and "山田 太郎" in r.get_data(as_text=True)
    assert one(app, select(Course.max_domains).where(Course.id == world.demo_course)) == 10
    assert as_demo_operator.post(f"/panel/courses/{world.demo_course}/edit",
                                 data=data | {"confirmed": "yes"}).status_code == 302
    assert one(app, select(Course.max_domains).where(Course.id == world.demo_course)) == 2
