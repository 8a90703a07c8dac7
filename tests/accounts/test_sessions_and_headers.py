"""One's own sessions (where, when last used; end one; log out everywhere), and what every answer
carries: a Content-Security-Policy without inline code, no-store when logged in, HSTS and Secure
cookies over HTTPS behind the trusted proxy, and form posts from another site refused by Origin."""
import re
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORDS
from tests.support import login

ROOT = Path(__file__).resolve().parents[2]


def _two_browsers(app):
    first, second = app.test_client(), app.test_client()
    login(first, "reseller", "demo-op", DEMO_PASSWORDS["demo-op"])
    second.post("/panel/login", data={"login_id": "demo-op", "password": DEMO_PASSWORDS["demo-op"]},
                environ_base={"REMOTE_ADDR": "198.51.100.23"}, headers={"User-Agent": "PhoneBrowser/1.0"})
    return first, second


def test_the_account_page_lists_ones_sessions_and_ends_another_one(app):
    first, second = _two_browsers(app)
    page = first.get("/panel/account").get_data(as_text=True)
    rows = re.findall(r'<tr data-session="(\d+)">(.*?)</tr>', page, re.S)
    assert len(rows) == 2 and "198.51.100.23" in page and "PhoneBrowser/1.0" in page
    assert "このブラウザ" in page
    other = next(sid for sid, row in rows if "198.51.100.23" in row)
    assert first.post(f"/panel/account/sessions/{other}/end").status_code == 302
    assert second.get("/panel/").status_code == 302 and first.get("/panel/").status_code == 200


def test_log_out_everywhere_ends_every_session(app):
    first, second = _two_browsers(app)
    r = first.post("/panel/account/sessions/end-all")
    assert r.status_code == 302 and r.headers["Location"] == "/panel/login"
    assert first.get("/panel/").status_code == 302 and second.get("/panel/").status_code == 302


@pytest.mark.parametrize("path", ["/admin/login", "/panel/login", "/u/demo/", "/managed/login", "/",
                                  "/panel/password/forgot"])
def test_every_page_has_a_content_security_policy_without_inline_code(client, path):
    policy = client.get(path).headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_no_template_has_inline_styles_or_scripts():
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        text = path.read_text()
        for m in re.finditer(r"<style|<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=|javascript:", text):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not offenders, offenders


def test_logged_in_pages_are_not_cached(as_provider, client):
    assert as_provider.get("/admin/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/web/panel.css").headers.get("Cache-Control", "")


def test_over_https_behind_the_proxy_cookies_are_secure_and_hsts_is_sent(database_url, redis_url, keys_instance):
    from app import create_app

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(keys_instance),
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "TRUSTED_PROXIES": 1})
    try:
        c = app.test_client()
        plain = c.get("/admin/login")
        assert "Strict-Transport-Security" not in plain.headers
        https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
        r = c.post("/admin/login", data={"login_id": "admin", "password": DEMO_PASSWORDS["admin"]}, headers=https)
        assert r.status_code == 302 and "max-age=" in r.headers["Strict-Transport-Security"]
        cookies = r.headers.getlist("Set-Cookie")
        assert all("Secure" in c and "SameSite=Lax" in c for c in cookies), cookies
    finally:
        app.extensions["panel.engine"].dispose()


def test_a_form_post_from_another_site_is_refused_by_its_origin(client):
    r = client.post("/admin/login", data={"login_id": "admin", "password": DEMO_PASSWORDS["admin"]},
                    headers={"Origin": "https://evil.example"})
    assert r.status_code == 400 and "別のサイト" in r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    same = client.post("/admin/login", data={"login_id": "admin", "password": DEMO_PASSWORDS["admin"]},
                       headers={"Origin": "http://localhost"})
    assert same.status_code == 302 and client.get("/admin/").status_code == 200
