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
