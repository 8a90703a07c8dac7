"""The pages themselves: Japanese by default with English selectable, error pages in each panel's
style, phone-friendly layout, and nothing loaded from another site."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_japanese_is_the_default_and_english_selectable(client):
    assert "ログイン" in client.get("/admin/login").get_data(as_text=True)
    r = client.get("/lang/en?next=/admin/login")
    assert r.status_code == 302 and r.headers["Location"] == "/admin/login"
    html = client.get("/admin/login").get_data(as_text=True)
    assert "Log in" in html and 'lang="en"' in html


def test_language_switch_never_redirects_off_site(client):
    r = client.get("/lang/en?next=//evil.example/")
    assert r.headers["Location"] == "/"


def test_404_pages_are_in_each_panels_style(client, as_provider, as_taro, app):
    staff = as_provider.get("/admin/resellers/99999")
    assert staff.status_code == 404 and "/admin/" in staff.get_data(as_text=True)
    enduser = as_taro.get("/u/demo/no-such-page")
    html = enduser.get_data(as_text=True)
    assert enduser.status_code == 404
    assert "デモホスティング" in html and app.config["SETTINGS"].provider_name not in html
    assert client.get("/u/no-such-reseller/").status_code == 404


def test_500_page_is_styled_and_says_nothing_was_saved(app):
    @app.get("/admin/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = app.test_client().get("/admin/boom-for-test")
    assert r.status_code == 500
    assert "panel.css" in r.get_data(as_text=True)


def test_pages_are_usable_on_a_phone(client):
    html = client.get("/panel/login").get_data(as_text=True)
    assert 'name="viewport"' in html
    css = client.get("/static/web/panel.css").get_data(as_text=True)
    assert "@media (max-width" in css


def test_no_external_cdn_or_third_party_assets():
    offenders = []
    for path in list(ROOT.glob("*/templates/**/*.html")) + list(ROOT.glob("**/static/**/*")):
        if ".venv" in path.parts or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for m in re.finditer(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", text):
            offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert not offenders, offenders


def test_views_use_no_raw_sql():
    offenders = [str(p.relative_to(ROOT)) for d in ("panel", "enduser", "web") for p in (ROOT / d).rglob("*.py")
                 if re.search(r"\btext\(|__table__", p.read_text())]
    assert not offenders, offenders


def test_security_headers(client):
    r = client.get("/admin/login")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    cookie = client.get_cookie("session")
    assert cookie is None or cookie.http_only
