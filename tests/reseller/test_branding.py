"""Branding: name, support contact, logo checked by content; shown on the end-user panel."""
import io

from sqlalchemy import select

from tenants.models import Reseller
from tests.reseller.helpers import one

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
BRAND = {"brand_name": "デモクラウド", "support_email": "help@demo.example.jp", "support_phone": "03-1111-2222",
         "support_hours": "平日 9-18時"}


def _post(client, logo=None, name="logo.png", **changes):
    data = BRAND | changes
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), name)
    return client.post("/panel/brand", data=data, content_type="multipart/form-data")


def test_brand_and_logo_appear_on_the_end_user_panel(app, as_demo_operator, client):
    assert _post(as_demo_operator, PNG).status_code == 302
    html = client.get("/u/demo/").get_data(as_text=True)
    assert "デモクラウド" in html and "help@demo.example.jp" in html and "平日 9-18時" in html
    assert '/u/demo/logo' in html and app.config["SETTINGS"].provider_name not in html
    logo = client.get("/u/demo/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG
    assert _post(as_demo_operator, remove_logo="y").status_code == 302
    assert client.get("/u/demo/logo").status_code == 404


def test_svg_html_and_oversized_logos_are_refused(app, as_demo_operator):
    as_demo_operator.get("/lang/en")
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = _post(as_demo_operator, svg, name="logo.png")
    assert r.status_code == 400 and "SVG logos are not accepted" in r.get_data(as_text=True)
    r = _post(as_demo_operator, b"<html>hello</html>", name="logo.png")
    assert r.status_code == 400 and "not a PNG or JPEG image" in r.get_data(as_text=True)
    r = _post(as_demo_operator, PNG + b"\0" * (256 * 1024), name="big.png")
    assert r.status_code == 400 and "at most 256 KB" in r.get_data(as_text=True)
    assert one(app, select(Reseller.logo_mime).where(Reseller.code == "demo")) is None
    assert one(app, select(Reseller.brand_name).where(Reseller.code == "demo")) == "デモホスティング"


def test_brand_fields_are_checked_and_only_own_brand_changes(app, as_demo_operator):
    as_demo_operator.get("/lang/en")
    r = _post(as_demo_operator, support_email="nope")
    assert r.status_code == 400 and "Enter a valid email address." in r.get_data(as_text=True)
    assert _post(as_demo_operator).status_code == 302
    assert one(app, select(Reseller.brand_name).where(Reseller.code == "acme")) == "Acme Hosting"


def test_a_jpeg_logo_is_accepted_by_its_content(app, as_demo_operator, client):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
    assert _post(as_demo_operator, jpeg, name="logo.bin").status_code == 302
    assert client.get("/u/demo/logo").mimetype == "image/jpeg"


def _csrf_app(database_url, redis_url, keys_instance):
    """The app as it is served: with CSRF checks, which read the form before any view runs."""
    from app import create_app

    return create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                       "INSTANCE_PATH": str(keys_instance), "TESTING": True})


def _token(client, url):
    import re

    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_an_oversized_logo_comes_back_beside_the_field_with_every_typed_field(database_url, redis_url, keys_instance):
    from tests.conftest import DEMO_PASSWORDS

    app = _csrf_app(database_url, redis_url, keys_instance)
    try:
        c = app.test_client()
        c.get("/lang/en")
        r = c.post("/panel/login", data={"login_id": "demo-op", "password": DEMO_PASSWORDS["demo-op"],
                                         "csrf_token": _token(c, "/panel/login")})
        assert r.status_code == 302
        c.get("/lang/en")
        data = BRAND | {"brand_name": "新しいブランド名", "csrf_token": _token(c, "/panel/brand"),
                        "logo": (io.BytesIO(PNG + b"\0" * (20 * 1024 * 1024)), "photo.png")}
        r = c.post("/panel/brand", data=data, content_type="multipart/form-data")
        html = r.get_data(as_text=True)
        assert r.status_code == 400 and "The logo may be at most 256 KB." in html
        assert 'value="新しいブランド名"' in html and 'value="平日 9-18時"' in html and 'value="03-1111-2222"' in html
        assert one(app, select(Reseller.brand_name).where(Reseller.code == "demo")) == "デモホスティング"
        assert one(app, select(Reseller.logo_mime).where(Reseller.code == "demo")) is None
        # past the hard cap the upload is not read at all: the page says the limit and leads back
        data = BRAND | {"csrf_token": _token(c, "/panel/brand"),
                        "logo": (io.BytesIO(b"\0" * (33 * 1024 * 1024)), "huge.png")}
        r = c.post("/panel/brand", data=data, content_type="multipart/form-data")
        html = r.get_data(as_text=True)
        assert r.status_code == 413 and "at most 32 MB" in html and 'href="/panel/brand"' in html
        # any other form keeps the app's limit, and its page says so
        r = c.post("/panel/customers/import", data={"csrf_token": _token(c, "/panel/customers/import"),
                                                    "file": (io.BytesIO(b"\0" * (17 * 1024 * 1024)), "c.csv")},
                   content_type="multipart/form-data")
        html = r.get_data(as_text=True)
        assert r.status_code == 413 and "at most 16 MB" in html and 'href="/panel/customers/import"' in html
        assert one(app, select(Reseller.brand_name).where(Reseller.code == "demo")) == "デモホスティング"
    finally:
        app.extensions["panel.engine"].dispose()
