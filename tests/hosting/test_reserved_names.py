"""The provider's reserved names (its nameservers, panel host names, its own domains): provider staff
list, add and delete them in the provider admin, every change is audited, a name some customer
already holds (or one above or below it) is added with a warning counting those domains, and only
provider staff reach the page."""
from __future__ import annotations

import html as html_module

from sqlalchemy import func, select

from tenants.models import AuditLog, Domain, ReservedName
from tenants.tenancy import Scope
from tests.support import scoped_session

URL = "/admin/reserved-names"


def errors_beside(html: str, field: str) -> str:
    start = html.index(f'name="{field}"')
    block = html[html.rfind('<div class="field', 0, start):]
    return html_module.unescape(block[:block.index("</div>")])


def reserved(app) -> dict[str, str]:
    with scoped_session(app, Scope.system()) as s:
        return {r.name: r.note for r in s.scalars(select(ReservedName))}


def actions(app) -> list[str]:
    with scoped_session(app, Scope.system()) as s:
        return list(s.scalars(select(AuditLog.action).where(AuditLog.action.like("reserved_name.%"))
                              .order_by(AuditLog.id)))


def test_the_demo_reserves_its_nameservers_and_the_page_lists_them(app, as_provider):
    assert {"ns1.example.jp", "ns2.example.jp"} <= set(reserved(app))
    as_provider.get("/lang/en")
    page = as_provider.get(URL).get_data(as_text=True)
    assert "ns1.example.jp" in page and "ns2.example.jp" in page
    assert f'href="{URL}"' in as_provider.get("/admin/").get_data(as_text=True)  # in the provider nav


def test_staff_add_and_delete_a_reserved_name_and_both_are_audited(app, as_provider, as_taro):
    as_provider.get("/lang/en")
    r = as_provider.post(URL, data={"name": " Panel.Example.NET. ", "note": "our panel"})
    assert r.status_code == 302
    assert reserved(app)["panel.example.net"] == "our panel"
    page = as_provider.get(URL).get_data(as_text=True)
    assert "panel.example.net" in page and "our panel" in page
    # end users can no longer take it, nor a name above or below it
    for name in ("panel.example.net", "example.net", "x.panel.example.net"):
        assert as_taro.post("/u/demo/domains", data={"name": name}).status_code == 400
    with scoped_session(app, Scope.system()) as s:
        row_id = s.scalar(select(ReservedName.id).where(ReservedName.name == "panel.example.net"))
    assert as_provider.post(f"{URL}/{row_id}/delete").status_code == 302
    assert "panel.example.net" not in reserved(app)
    assert actions(app) == ["reserved_name.add", "reserved_name.delete"]
    assert as_taro.post("/u/demo/domains", data={"name": "example.net"}).status_code == 302
    assert as_provider.post(f"{URL}/{row_id}/delete").status_code == 404


def test_an_idn_is_kept_in_its_ascii_form(app, as_provider):
    assert as_provider.post(URL, data={"name": "例え.jp", "note": ""}).status_code == 302
    assert "xn--r8jz45g.jp" in reserved(app)
    assert "例え.jp" in as_provider.get(URL).get_data(as_text=True)


def test_bad_or_duplicate_names_are_refused_beside_the_field_and_nothing_is_saved(app, as_provider):
    as_provider.get("/lang/en")
    before = reserved(app)
    for name, message in (("NS1.example.jp", "already reserved"), ("bad name.jp", "spaces"),
                          ("192.0.2.1", "not an IP address"), ("co.jp", "public suffix"), ("", "")):
        r = as_provider.post(URL, data={"name": name, "note": "x"})
        assert r.status_code == 400, name
        assert 'class="error"' in errors_beside(r.get_data(as_text=True), "name")
        assert message in errors_beside(r.get_data(as_text=True), "name"), name
    assert reserved(app) == before and actions(app) == []


def test_reserving_a_name_customers_already_hold_warns_with_the_count(app, world, as_provider):
    with scoped_session(app, Scope.system()) as s:
        for customer, reseller, name in ((world.demo_customer, world.demo, "brand.example.org"),
                                         (world.demo_customer, world.demo, "www.brand.example.org"),
                                         (world.acme_customer, world.acme, "shop.brand.example.org"),
                                         (world.acme_customer, world.acme, "other.example.org")):
            s.add(Domain(customer_id=customer, reseller_id=reseller, name=name, docroot="public_html/x"))
        s.commit()
    as_provider.get("/lang/en")
    r = as_provider.post(URL, data={"name": "brand.example.org", "note": "our brand"}, follow_redirects=True)
    page = html_module.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "brand.example.org" in reserved(app)
    assert "3 existing customer domains conflict with brand.example.org" in page
    assert "shop.brand.example.org" in page and "other.example.org" not in page.split("<table")[0]
    r = as_provider.post(URL, data={"name": "a.www.brand.example.org", "note": ""}, follow_redirects=True)
    assert "2 existing customer domains conflict" in html_module.unescape(r.get_data(as_text=True))
    r = as_provider.post(URL, data={"name": "quiet.example.org", "note": ""}, follow_redirects=True)
    assert "conflict" not in r.get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:  # nothing a customer holds was touched
        assert s.scalar(select(func.count()).select_from(Domain).where(Domain.deleting.is_(False))) == 4


def test_only_provider_staff_reach_the_page(app, world, as_demo_operator, as_taro, client):
    with scoped_session(app, Scope.system()) as s:
        row_id = s.scalar(select(ReservedName.id).where(ReservedName.name == "ns1.example.jp"))
    for who in (client, as_demo_operator, as_taro):
        for method, url in (("GET", URL), ("POST", URL), ("POST", f"{URL}/{row_id}/delete")):
            r = who.open(url, method=method, data={"name": "grab.example.jp", "note": ""})
            assert r.status_code in (302, 404), (method, url)
            if r.status_code == 302:
                assert r.headers["Location"].startswith("/admin/login")
    assert "ns1.example.jp" in reserved(app) and "grab.example.jp" not in reserved(app)
