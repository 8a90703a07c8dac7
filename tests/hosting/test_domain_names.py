"""A customer's domain never takes a name another customer holds, above or below it, nor a name the
provider keeps (its nameservers, panel host names, its own domains), nor a bare public suffix; a
customer may still add names below its own domains. The refusal names no one: not the other
customer, not the provider."""
from __future__ import annotations

import html as html_module

import pytest
from sqlalchemy import func, select, update

from tenants.accounts.principals import create_principal
from tenants.models import Customer, DnsRecord, Domain, Reseller, Role
from tenants.tenancy import Scope
from tests.support import login, scoped_session

OVERLAP = "or a domain above or below it, is already registered"


def errors_beside(html: str, field: str) -> str:
    start = html.index(f'name="{field}"')
    block = html[html.rfind('<div class="field', 0, start):]
    return html_module.unescape(block[:block.index("</div>")])


def domain_count(app) -> int:
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(Domain))


def own(app, customer_id: int, name: str, **extra) -> int:
    """A domain of the customer, as a worker has applied it."""
    with scoped_session(app, Scope.system()) as s:
        reseller_id = s.get(Customer, customer_id).reseller_id
        d = Domain(customer_id=customer_id, reseller_id=reseller_id, name=name, docroot=f"public_html/{name}",
                   state="applied", **extra)
        s.add(d)
        s.commit()
        return d.id


@pytest.fixture
def taro(as_taro):
    as_taro.get("/lang/en")
    return as_taro


@pytest.fixture
def hanako(as_hanako):
    as_hanako.get("/lang/en")
    return as_hanako


@pytest.fixture
def jiro(app, world):
    """A second customer of reseller demo (taro's neighbour), logged in."""
    with scoped_session(app, Scope.system()) as s:
        c = Customer(reseller_id=world.demo, course_id=world.demo_course, server_id=world.server,
                     contractor_name="鈴木 次郎")
        s.add(c)
        s.flush()
        create_principal(s, Role.ENDUSER, "jiro", "Neighbour-Pass-1", reseller_id=world.demo, customer_id=c.id)
        s.commit()
    client = app.test_client()
    login(client, "enduser", "jiro", "Neighbour-Pass-1", code="demo")
    client.get("/lang/en")
    return client


def refused(app, client, code: str, name: str) -> str:
    """Post the name; it must come back beside the field, saving nothing; returns the page."""
    before = domain_count(app)
    r = client.post(f"/u/{code}/domains", data={"name": name})
    page = r.get_data(as_text=True)
    assert r.status_code == 400, name
    assert OVERLAP in errors_beside(page, "name") or "already registered" in errors_beside(page, "name")
    assert domain_count(app) == before
    return page


def test_another_resellers_customer_cannot_add_a_name_under_taros_domain(app, world, taro, hanako):
    assert taro.post("/u/demo/domains", data={"name": "taro-shop.example.jp"}).status_code == 302
    page = refused(app, hanako, "acme", "mail.taro-shop.example.jp")
    assert OVERLAP in errors_beside(page, "name")
    assert "mail.taro-shop.example.jp" in errors_beside(page, "name")
    for secret in ("taro-shop.example.jp is", "山田", "デモ", "demo"):  # whose it is stays unsaid
        assert secret not in errors_beside(page, "name")
    refused(app, hanako, "acme", "a.b.taro-shop.example.jp")
    refused(app, hanako, "acme", "MAIL.Taro-Shop.Example.JP.")


def test_a_customer_of_the_same_reseller_cannot_add_one_either(app, world, taro, jiro):
    own(app, world.demo_customer, "taro-shop.example.jp")
    refused(app, jiro, "demo", "mail.taro-shop.example.jp")


def test_nobody_takes_the_name_above_another_customers_domain(app, world, taro, hanako):
    own(app, world.acme_customer, "shop.hanako-site.example.jp")
    page = refused(app, taro, "demo", "hanako-site.example.jp")
    assert OVERLAP in errors_beside(page, "name") and "shop.hanako-site.example.jp" not in page
    # the other direction: hanako holds the parent, taro asks for a child
    own(app, world.acme_customer, "hanako-corp.example.jp")
    refused(app, taro, "demo", "shop.hanako-corp.example.jp")


def test_a_domain_being_removed_still_holds_its_names_until_it_is_gone(app, world, taro):
    domain_id = own(app, world.acme_customer, "leaving.example.jp", deleting=True)
    refused(app, taro, "demo", "www.leaving.example.jp")
    with scoped_session(app, Scope.system()) as s:
        s.delete(s.get(Domain, domain_id))  # the worker took it off the server
        s.commit()
    assert taro.post("/u/demo/domains", data={"name": "www.leaving.example.jp"}).status_code == 302


def test_a_customer_adds_names_below_and_above_its_own_domains(app, world, taro, hanako):
    assert taro.post("/u/demo/domains", data={"name": "www.taro-home.example.jp"}).status_code == 302
    assert taro.post("/u/demo/domains", data={"name": "blog.www.taro-home.example.jp"}).status_code == 302
    assert taro.post("/u/demo/domains", data={"name": "taro-home.example.jp"}).status_code == 302
    # above its own domain only while no other customer holds anything below the new name
    own(app, world.demo_customer, "shop.taro-mixed.example.jp")
    own(app, world.acme_customer, "blog.taro-mixed.example.jp")
    refused(app, taro, "demo", "taro-mixed.example.jp")
    with scoped_session(app, Scope.system()) as s:
        names = set(s.scalars(select(Domain.name).where(Domain.customer_id == world.demo_customer)))
    assert {"www.taro-home.example.jp", "blog.www.taro-home.example.jp", "taro-home.example.jp"} <= names
    # the exact name stays refused, for its owner too
    refused(app, taro, "demo", "taro-home.example.jp")


def test_siblings_under_a_public_suffix_are_fine_and_the_suffix_itself_is_refused(app, world, taro, hanako):
    assert taro.post("/u/demo/domains", data={"name": "taro-trading.co.jp"}).status_code == 302
    assert hanako.post("/u/acme/domains", data={"name": "hanako-trading.co.jp"}).status_code == 302
    assert hanako.post("/u/acme/domains", data={"name": "hanako.github.io"}).status_code == 302
    before = domain_count(app)
    for name in ("co.jp", "CO.JP.", "tokyo.jp", "github.io", "ｃｏ．ｊｐ"):
        r = taro.post("/u/demo/domains", data={"name": name})
        assert r.status_code == 400, name
        assert "public suffix" in errors_beside(r.get_data(as_text=True), "name")
    assert domain_count(app) == before


@pytest.mark.parametrize("name", ["ns1.example.jp", "x.ns1.example.jp", "example.jp", "NS2.Example.JP"])
def test_the_providers_nameservers_and_the_names_around_them_are_refused(app, world, taro, name):
    page = refused(app, taro, "demo", name)
    assert OVERLAP in errors_beside(page, "name")
    provider = app.config["SETTINGS"].provider_name
    assert provider not in page and "reserved" not in errors_beside(page, "name").lower()


def test_a_resellers_own_panel_host_name_is_refused_to_every_customer(app, world, taro, hanako):
    with scoped_session(app, Scope.system()) as s:
        s.execute(update(Reseller).where(Reseller.id == world.acme).values(panel_host="panel.acme-hosting.example"))
        s.commit()
    for name in ("panel.acme-hosting.example", "acme-hosting.example", "x.panel.acme-hosting.example"):
        refused(app, taro, "demo", name)
        refused(app, hanako, "acme", name)
    assert taro.post("/u/demo/domains", data={"name": "shop.acme-hosting.example"}).status_code == 302


def test_a_record_name_cannot_publish_a_name_outside_the_own_zone(app, world, taro):
    taro_zone = own(app, world.demo_customer, "taro-zone.example.jp")
    own(app, world.acme_customer, "hanako-zone.example.jp")
    r = taro.post(f"/u/demo/domains/{taro_zone}/dns",
                  data={"type": "A", "name": "www.hanako-zone.example.jp.", "value": "192.0.2.66"})
    assert r.status_code == 400 and "outside the zone" in errors_beside(r.get_data(as_text=True), "name")
    r = taro.post(f"/u/demo/domains/{taro_zone}/dns",
                  data={"type": "A", "name": "evil-taro-zone.example.jp.", "value": "192.0.2.66"})
    assert r.status_code == 400 and "outside the zone" in errors_beside(r.get_data(as_text=True), "name")
    # without the final dot a name is relative: it stays inside taro's own zone
    assert taro.post(f"/u/demo/domains/{taro_zone}/dns",
                     data={"type": "A", "name": "www.hanako-zone.example.jp", "value": "192.0.2.66"}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        names = list(s.scalars(select(DnsRecord.name).where(DnsRecord.domain_id == taro_zone)))
    assert names == ["www.hanako-zone.example.jp"]  # i.e. www.hanako-zone.example.jp.taro-zone.example.jp.
