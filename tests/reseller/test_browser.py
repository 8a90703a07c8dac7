"""One real-browser walk (Playwright driving Debian's chromium): a reseller logs in, creates a course
and a customer, logs out; the customer logs in to the end-user panel with the issued password and
sees the reseller's brand."""
import os
import threading

import pytest

from tests.conftest import DEMO_PASSWORDS
from tests.support import require_service

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(app):
    from werkzeug.serving import make_server

    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, with their CSRF tokens
    # One request at a time: CPython 3.11's ast module (werkzeug builds URL code with it) is not safe
    # to use from two threads at once and stays broken afterwards ("AST constructor recursion depth").
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_reseller_issues_a_login_and_the_end_user_sees_the_brand(live_server, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("one browser walk is enough; the same screens run on PostgreSQL in the client tests")
    require_service(os.path.exists(CHROMIUM), "Debian chromium at /usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            page.goto(f"{live_server}/panel/login")
            page.fill("input[name=login_id]", "demo-op")
            page.fill("input[name=password]", DEMO_PASSWORDS["demo-op"])
            page.click("button[type=submit]")
            page.goto(f"{live_server}/lang/en?next=/panel/")  # login starts a fresh session
            expect(page.locator("h1")).to_contain_text("Dashboard")

            page.goto(f"{live_server}/panel/courses/new")
            page.fill("input[name=name]", "ブラウザコース")
            page.fill("input[name=disk_quota_mb]", "3000")
            page.click("form.stack button[type=submit]")
            expect(page.locator("table")).to_contain_text("ブラウザコース")

            page.goto(f"{live_server}/panel/customers/new")
            page.fill("input[name=login_id]", "browser-user")
            page.fill("input[name=contractor_name]", "ブラウザ 花子")
            page.select_option("select[name=course_id]", label="ブラウザコース")
            page.click("form.stack button[type=submit]")
            password = page.locator("#issued-password").inner_text().strip()
            assert len(password) >= 10
            page.click("header form button[type=submit], form[action$='/logout'] button")
            expect(page).to_have_url(f"{live_server}/panel/login")

            page.goto(f"{live_server}/u/demo/")
            page.fill("input[name=login_id]", "browser-user")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{live_server}/u/demo/home")
            body = page.locator("body")
            expect(body).to_contain_text("デモホスティング")
            expect(body).to_contain_text("ブラウザ 花子")
            expect(body).not_to_contain_text("OEM Hosting")
        finally:
            browser.close()
