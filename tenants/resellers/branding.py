"""Branding (OEM spec: the end-user panel shows the reseller's brand, never the provider's):
brand name, logo, support contact and hours."""
from __future__ import annotations

from tenants import audit
from tenants.accounts.principals import email_problems
from tenants.errors import N_, Problem, RuleViolation
from tenants.models import Reseller

MAX_LOGO_BYTES = 256 * 1024
BRAND_FIELDS = ("brand_name", "support_email", "support_phone", "support_hours")
_LENGTHS = {"brand_name": 200, "support_email": 254, "support_phone": 40, "support_hours": 200}


def logo_type(data: bytes) -> str | None:
    """The image type by its content (magic bytes), never by the file name or the browser's word."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def logo_problems(data: bytes, field: str = "logo") -> list[Problem]:
    if len(data) > MAX_LOGO_BYTES:
        return [Problem(N_("The logo may be at most %(kb)s KB."), field, {"kb": MAX_LOGO_BYTES // 1024})]
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or b"<svg" in head:
        # SVG can carry scripts; we refuse it rather than trust a sanitiser with it.
        return [Problem(N_("SVG logos are not accepted, because they can contain scripts. "
                           "Upload a PNG or JPEG image."), field)]
    if logo_type(data) is None:
        return [Problem(N_("The file is not a PNG or JPEG image."), field)]
    return []


def update_brand(session, actor, reseller: Reseller, data: dict) -> None:
    problems: list[Problem] = []
    if not (data.get("brand_name") or "").strip():
        problems.append(Problem(N_("This field is required."), "brand_name"))
    for name, limit in _LENGTHS.items():
        if len((data.get(name) or "").strip()) > limit:
            problems.append(Problem(N_("Use at most %(n)s characters."), name, {"n": limit}))
    problems += email_problems((data.get("support_email") or "").strip() or None, "support_email")
    if problems:
        raise RuleViolation(problems)
    for name in BRAND_FIELDS:
        value = (data.get(name) or "").strip()
        setattr(reseller, name, value if name == "brand_name" else (value or None))
    audit.record(session, actor, "brand.update", reseller, "changed branding", reseller_id=reseller.id)


def set_logo(session, actor, reseller: Reseller, data: bytes) -> None:
    problems = logo_problems(data)
    if problems:
        raise RuleViolation(problems)
    reseller.logo_mime = logo_type(data)
    reseller.logo_data = data
    audit.record(session, actor, "brand.logo", reseller, f"uploaded logo ({len(data)} bytes)",
                 reseller_id=reseller.id)


def remove_logo(session, actor, reseller: Reseller) -> None:
    reseller.logo_mime = None
    reseller.logo_data = None
    audit.record(session, actor, "brand.logo_remove", reseller, "removed logo", reseller_id=reseller.id)
