"""An end user already logged in when the reseller suspends the customer sees the read-only
suspended panel on the very next page, and every change is refused (issue 16 item 1)."""
from __future__ import annotations

from sqlalchemy import select

from tenants.models import Domain
from tenants.tenancy import Scope
from tests.support import scoped_session


def test_an_open_end_user_session_turns_read_only_at_once(app, world, as_taro, as_demo_operator):
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)
    assert "data-frozen" not in page  # logged in, running
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend").status_code == 302
    page = as_taro.get("/u/demo/domains").get_data(as_text=True)  # the same session, no new login
    assert "data-frozen" in page and "support@demo.example.jp" in page
    r = as_taro.post("/u/demo/domains", data={"name": "open-session.example.jp"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "停止" in html and "support@demo.example.jp" in html
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(Domain.id).where(Domain.name == "open-session.example.jp")) is None
