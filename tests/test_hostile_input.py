"""Hostile input never leaves the site: the `next` target after a login or a language switch stays
on this site."""
from urllib.parse import urlencode

import pytest

from tests.conftest import DEMO_PASSWORDS

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
