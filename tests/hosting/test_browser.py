"""In a real browser (Debian's chromium through Playwright): an end user adds a domain, a mailbox
and a database, the provisioning jobs run, and the lists show them applied."""
from __future__ import annotations

import os
import secrets
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORDS
from tests.hosting.helpers import run_jobs
from tests.hosting.test_databases_real import cleanup, login  # noqa: F401  (fixture)
from tests.support import require_service
from tests.workers.drivers.local_helpers import PASSWORD
from tests.workers.drivers.test_local_databases import reachable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture
def served(app):
    """The app on a real HTTP server on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    require_service(os.access(CHROMIUM, os.X_OK), f"chromium at {CHROMIUM}")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def test_an_end_user_adds_a_domain_a_mailbox_and_a_database_and_sees_them_applied(
        app, served, browser, local_server, cleanup):  # noqa: F811
    reachable("mariadb")
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{served}/u/demo/")
    page.fill("#login_id", "taro")
    page.fill("#password", DEMO_PASSWORDS["taro"])
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/u/demo/home")
    page.goto(f"{served}/lang/en?next=/u/demo/home")  # logging in starts a fresh session: English after it

    page.get_by_role("link", name="Domains", exact=True).click()
    page.fill("#name", "browser.example.jp")
    page.get_by_role("button", name="Add domain").click()
    row = page.locator("tr", has_text="browser.example.jp")
    assert row.locator(".state").get_attribute("data-state") == "pending"

    page.get_by_role("link", name="Mail", exact=True).click()
    page.fill("#local_part", "info")
    page.select_option("#domain_id", label="browser.example.jp")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Add mail account").click()
    assert page.locator("tr", has_text="info@browser.example.jp").locator(".state").get_attribute(
        "data-state") == "pending"

    page.get_by_role("link", name="Databases", exact=True).click()
    short = f"web{secrets.token_hex(3)}"
    page.select_option("#engine", "mariadb")
    page.fill("#name", short)
    page.get_by_role("button", name="Add database").click()
    password = page.locator("#issued-password").inner_text()
    name = page.locator(".issued code").first.inner_text()
    user = page.locator(".issued code").nth(1).inner_text()
    cleanup.append(("mariadb", name, user))
    assert name.endswith(short) and len(password) >= 10

    run_jobs(app)  # the provisioning worker applies the three changes

    page.get_by_role("link", name="Databases", exact=True).click()
    assert page.locator("tr", has_text=name).locator(".state").get_attribute("data-state") == "applied"
    assert page.locator("#issued-password").count() == 0  # shown once only
    page.get_by_role("link", name="Mail", exact=True).click()
    assert page.locator("tr", has_text="info@browser.example.jp").locator(".state").get_attribute(
        "data-state") == "applied"
    page.get_by_role("link", name="Domains", exact=True).click()
    assert page.locator("tr", has_text="browser.example.jp").locator(".state").get_attribute(
        "data-state") == "applied"
    assert (local_server / "cfg" / "sites" / "browser.example.jp.conf").exists()
    assert login("mariadb", name, user, password) >= 1  # the database really is there for the issued user
    page.get_by_role("link", name="Home").click()
    assert page.locator('tr[data-kind="databases"] td').first.inner_text() == "1"
