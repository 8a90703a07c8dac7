"""Hostile or odd input never leaves the site and never ends in a 500: the `next` target after a
login or a language switch stays on this site, NUL characters are refused with a clear 400 before
any view reads them, and page numbers past any real page are clamped."""
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tenants.models import Customer, Principal
from tests.conftest import DEMO_PASSWORDS
from tests.reseller.helpers import count, customer_form, one

# Each would take a browser to another host (browsers drop TAB/CR/LF and read "\" as "/"), split the
# Location header, or run script.
HOSTILE_NEXT = [
    "/\t/evil.example/", "/\r\n/evil.example/", "/\n/evil.example/", "/\r/evil.example/",
    "\r\nSet-Cookie: x=1", "/ /evil.example/", " //evil.example/", "/\u2028/evil.example/",
    "/\\evil.example/", "\\\\evil.example/", "/\\/evil.example/", "//evil.example/", "///evil.example/",
    "/%2F%2Fevil.example/", "/%2f/evil.example/", "/%09/evil.example/", "/%5Cevil.example/",
    "/..//evil.example/", "/.//evil.example/",
    "https://evil.example/", "http:/evil.example/", "HTTPS://evil.example/", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example/", "",
]

PANELS = [  # login URL, login ID, where a login without a usable `next` lands
    ("/admin/login", "admin", "/admin/"),
    ("/panel/login", "demo-op", "/panel/"),
    ("/managed/login", "kanri", "/managed/"),
    ("/u/demo/", "taro", "/u/demo/home"),
]


@pytest.mark.parametrize("path,login_id,home", PANELS)
def test_login_never_sends_the_browser_off_site(app, path, login_id, home):
    credentials = {"login_id": login_id, "password": DEMO_PASSWORDS[login_id]}
    for number, target in enumerate(HOSTILE_NEXT):
        for how in ("query", "form") if number % 3 == 0 else ("query",):  # both read the same way
            client = app.test_client()
            if how == "query":
                r = client.post(f"{path}?{urlencode({'next': target})}", data=credentials)
            else:
                r = client.post(path, data={**credentials, "next": target})
            assert r.status_code == 302, (target, how, r.status_code)
            assert r.headers["Location"] == home, (target, how, r.headers["Location"])
    # a same-site path, query and all, is still honoured
    r = app.test_client().post(f"{path}?{urlencode({'next': home + '?q=a%2Fb&sort=name'})}", data=credentials)
    assert r.headers["Location"] == home + "?q=a%2Fb&sort=name"


def test_language_switch_never_sends_the_browser_off_site(client):
    for target in HOSTILE_NEXT:
        r = client.get(f"/lang/en?{urlencode({'next': target})}")
        assert r.status_code == 302 and r.headers["Location"] == "/", (target, r.headers.get("Location"))
    assert client.get("/lang/ja?next=/panel/customers%3Fq%3Dx").headers["Location"] == "/panel/customers?q=x"


NUL_TEXT = "The request contains a NUL character"


def test_nul_in_the_login_form_is_a_clear_400(client):
    client.get("/lang/en")
    for data in ({"login_id": "demo-op\x00", "password": DEMO_PASSWORDS["demo-op"]},
                 {"login_id": "demo-op", "password": DEMO_PASSWORDS["demo-op"] + "\x00"}):
        r = client.post("/panel/login", data=data)
        assert r.status_code == 400 and NUL_TEXT in r.get_data(as_text=True)
    assert client.get("/panel/").status_code == 302  # not logged in


def test_nul_in_a_search_or_a_form_is_a_clear_400_and_saves_nothing(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    for url in ("/panel/customers?q=%00", "/panel/customers?q=ab%00cd&sort=name", "/admin/login?next=/%00",
                "/u/%00/", "/u/demo%00/home", "/panel/customers/1%00"):
        r = as_demo_operator.get(url)
        assert r.status_code == 400 and NUL_TEXT in r.get_data(as_text=True), url
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world, contractor_name="鈴木\x00一郎"))
    assert r.status_code == 400 and NUL_TEXT in r.get_data(as_text=True)
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}",
                              data=customer_form(world, login_id="taro", contractor_name="山田\x00"))
    assert r.status_code == 400
    assert count(app, Principal, Principal.login_id == "suzuki") == 0
    assert one(app, select(Customer.contractor_name).where(Customer.id == world.demo_customer)) == "山田 太郎"


def test_nul_in_an_api_call_is_a_400_in_the_api_error_shape(app, as_demo_operator, world):
    from tests.reseller.test_api import _api, _token

    api = _api(app, _token(as_demo_operator))
    r = api.post("/api/customers", json={"login_id": "nul-user", "contractor_name": "NUL\x00太郎",
                                         "course_id": world.demo_course})
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "invalid_character" and error["field"] == "contractor_name" and "NUL" in error["message"]
    r = api.patch(f"/api/customers/{world.demo_customer}", json={"contractor_name": ["x", {"y": "\x00"}]})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "contractor_name"
    r = api.get("/api/customers?q=%00")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "q"
    assert count(app, Principal, Principal.login_id == "nul-user") == 0
    assert one(app, select(Customer.contractor_name).where(Customer.id == world.demo_customer)) == "山田 太郎"


HUGE = "99999999999999999999999"


def test_page_numbers_past_any_real_page_are_clamped(as_demo_operator, as_provider):
    for client, url in ((as_demo_operator, "/panel/customers"), (as_demo_operator, "/panel/audit"),
                        (as_provider, "/admin/resellers"), (as_provider, "/admin/audit")):
        for page in (HUGE, "9223372036854775807", "-" + HUGE, "1e9", "x"):
            r = client.get(f"{url}?page={page}")
            assert r.status_code == 200, (url, page, r.status_code)
    r = as_demo_operator.get(f"/panel/customers?q=taro&page={HUGE}")
    assert r.status_code == 200


def test_api_page_numbers_past_the_limit_are_a_400(app, as_demo_operator):
    from tests.reseller.test_api import _api, _token

    api = _api(app, _token(as_demo_operator))
    r = api.get(f"/api/customers?page={HUGE}")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "page"
