"""In a real browser (Debian's chromium through Playwright): the demo's direct managed customer
logs in to /managed, opens its contract, asks for work, sees the request listed as received,
opens its printable invoice and its annual report, and logs out."""
from __future__ import annotations

from sqlalchemy import select

from tenants.models import Invoice, Principal, WorkRequest
from tests.conftest import DEMO_PASSWORDS
from tests.contracts.helpers import system
from tests.hosting.test_browser import browser, served  # noqa: F401  (fixtures)


def test_a_managed_customer_files_work_and_reads_its_invoice_in_a_browser(app, served, browser):  # noqa: F811
    with system(app) as s:
        party = s.execute(select(Principal.managed_customer_id).where(Principal.login_id == "kanri")).scalar_one()
        invoice = s.execute(select(Invoice).join(Invoice.contract).where(Invoice.contract.has(party_id=party))
                            .order_by(Invoice.service_month)).scalars().first()
        number = invoice.number
    page = browser.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{served}/managed/")
    assert "/managed/login" in page.url  # not logged in yet
    page.fill("#login_id", "kanri")
    page.fill("#password", DEMO_PASSWORDS["kanri"])
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/managed/contracts")
    assert "株式会社サンプル製作所" in page.locator("header").inner_text()
    page.goto(f"{served}/lang/en?next=/managed/contracts")  # logging in starts a fresh session: English after it

    page.locator("table a").first.click()
    page.wait_for_url("**/managed/contracts/*")
    assert "株式会社サンプル製作所" in page.locator("h1").inner_text()
    assert page.get_by_role("link", name=number).count() == 1  # in the invoices table (and its payment below)

    page.fill("#work-title", "Raise the PHP memory limit")
    page.fill("#work-details", "256M for the shop site, please.")
    page.locator("form", has=page.locator("#work-title")).get_by_role("button", name="Send").click()
    assert "Sent to the provider." in page.locator(".flash.success").inner_text()
    row = page.locator("tr", has_text="Raise the PHP memory limit")
    assert row.count() == 1
    with system(app) as s:
        filed = s.execute(select(WorkRequest).where(WorkRequest.title == "Raise the PHP memory limit")).scalar_one()
        assert filed.contract.party_id == party and filed.details == "256M for the shop site, please."

    page.get_by_role("link", name=number).click()
    assert number in page.content() and "大阪府大阪市北区1-2-3" in page.content()
    page.go_back()
    page.get_by_role("link", name="Annual service report").click()
    assert "株式会社サンプル製作所" in page.content()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/managed/login**")
    page.goto(f"{served}/managed/contracts")
    assert "/managed/login" in page.url  # the session has ended
