"""The account features in a real browser (Playwright driving Debian's chromium): an operator sets
up two-factor login, logs out, logs in with password and code, uses a recovery code once (the
second use fails); an end user resets its password from the mail the test SMTP server caught."""
import os
import re

import pytest

from tests.accounts.helpers import code_of, run_mail_jobs
from tests.conftest import DEMO_PASSWORDS
from tests.contracts.conftest import smtp_sink  # noqa: F401  (a fixture)
from tests.reseller.test_browser import ARGS, CHROMIUM, live_server  # noqa: F401  (a fixture)
from tests.support import require_service

NEW_PASSWORD = "Yuzu-Komorebi-418"


@pytest.fixture
def browser_page(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("one browser walk is enough; the same screens run on PostgreSQL in the client tests")
    require_service(os.path.exists(CHROMIUM), "Debian chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(15000)
            yield page
        finally:
            browser.close()


def _password_step(page, base, login_id="demo-op", password=None):
    page.goto(f"{base}/panel/login")
    page.fill("input[name=login_id]", login_id)
    page.fill("input[name=password]", password or DEMO_PASSWORDS[login_id])
    page.click("form.stack button[type=submit]")


def _log_out(page, base):
    page.click("header form[action$='/logout'] button")
    page.wait_for_url(f"{base}/panel/login")


def test_an_operator_enrols_logs_in_with_a_code_and_uses_a_recovery_code_once(live_server, browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page, base = browser_page, live_server
    _password_step(page, base)
    page.wait_for_url(f"{base}/panel/")
    page.goto(f"{base}/panel/account")
    page.click("text=二要素認証を設定する")
    expect(page.locator(".qr svg")).to_be_visible()  # the QR code, drawn by the panel itself
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", code_of(secret))
    page.click("form.stack button[type=submit]")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    page.click("text=保管しました")
    _log_out(page, base)

    _password_step(page, base)
    page.wait_for_url(f"{base}/panel/login/code")
    page.fill("input[name=code]", code_of(secret, 1))
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/panel/")
    _log_out(page, base)

    _password_step(page, base)
    page.fill("input[name=code]", codes[0])
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/panel/")
    _log_out(page, base)

    _password_step(page, base)
    page.fill("input[name=code]", codes[0])
    page.click("form.stack button[type=submit]")
    expect(page.locator(".field .error")).to_contain_text("すでに使われています")
    assert page.url == f"{base}/panel/login/code"
    page.goto(f"{base}/panel/")
    expect(page).to_have_url(re.compile(r".*/panel/login.*"))


def test_an_end_user_resets_the_password_from_the_mail(app, live_server, browser_page, smtp_sink):  # noqa: F811
    from playwright.sync_api import expect

    page, base = browser_page, live_server
    page.goto(f"{base}/u/demo/")
    page.click("text=パスワードをお忘れですか？")
    page.fill("input[name=email]", "taro@example.jp")
    page.click("form.stack button[type=submit]")
    expect(page.locator("#reset-sent")).to_be_visible()
    run_mail_jobs(app)
    ((recipients, mail),) = smtp_sink.messages
    assert recipients == ["taro@example.jp"] and "デモホスティング" in str(mail["From"])
    body = mail.get_content()
    assert app.config["SETTINGS"].provider_name not in body
    link = re.search(r"(http://\S+/u/demo/password/reset/\S+)", body).group(1)

    page.goto(link)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=confirm_password]", NEW_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/u/demo/")
    page.fill("input[name=login_id]", "taro")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page).to_have_url(f"{base}/u/demo/home")
    page.goto(link)  # the link worked once
    expect(page.locator(".form-errors")).to_contain_text("期限切れ")
