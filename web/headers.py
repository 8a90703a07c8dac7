"""What every answer carries for the browser's safety, and the Origin check of every form post.

- Content-Security-Policy on every page: scripts, styles, images and fonts from this site only,
  never inline (no ``unsafe-inline``): the panels' one stylesheet and one small script are static
  files, and a page has no ``style=`` or ``on...=`` attribute.
- Served over HTTPS (directly, or through the TLS proxy that TRUSTED_PROXIES names): the cookies
  are ``Secure`` and HSTS tells the browser to come back over HTTPS only. SameSite=Lax stays.
- A page shown to someone logged in is ``Cache-Control: no-store``: no shared or back-button cache
  keeps it after logout.
- A form post (any unsafe method outside the bearer-token API) from another site is refused before
  the view runs: by its ``Origin`` header (or ``Sec-Fetch-Site``) as well as by the CSRF token.
"""
from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class ForeignOrigin(CSRFError):
    """A form post that another site's page sent."""


def check_origin() -> None:
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise ForeignOrigin(_l("The form was sent from another site."))
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise ForeignOrigin(_l("The form was sent from another site."))


def add_headers(response):
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    static = (request.endpoint or "").endswith("static")
    if not static and "Cache-Control" not in response.headers and current_user and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Before CSRFProtect is set up, so the Origin is checked first."""
    app.session_interface = SessionCookies()
    app.before_request(check_origin)
    app.after_request(add_headers)
