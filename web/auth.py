"""Who may see which panel: role checks and the client address used for throttling."""
from __future__ import annotations

import unicodedata
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import redirect, request, url_for
from flask_login import current_user

from tenants.models import Role


def client_address() -> str:
    return request.remote_addr or "unknown"


def role_required(role: Role, login_endpoint: str, **login_args):
    """Only principals of this role; others are sent to this panel's login page."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role != role.value:
                values = {k: (v() if callable(v) else v) for k, v in login_args.items()}
                return redirect(url_for(login_endpoint, next=request.full_path.rstrip("?"), **values))
            return view(*args, **kwargs)
        return wrapped
    return decorator


def safe_next(default: str) -> str:
    """A same-site path to go to after login, never another host; anything else means `default`."""
    target = request.args.get("next") or request.form.get("next") or ""
    return target if is_same_site_path(target) else default


MAX_TARGET_LENGTH = 2000


def is_same_site_path(target: str) -> bool:
    """Whether `target` is an absolute path of this site (a query may follow) however a browser reads
    it. Browsers drop TAB/CR/LF and read "\\" as "/", so "/\\t/evil.example" or "/\\evil.example" would
    lead to another host: any control or space character, any backslash, an empty, "." or ".."
    segment (also once percent-decoded), a scheme or a host name is refused."""
    if not target or len(target) > MAX_TARGET_LENGTH or any(_unsafe(c) for c in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    path = target.partition("#")[0].partition("?")[0]  # as sent: urlsplit reads "///x" as the path "/x"
    decoded = unquote(path)
    return _plain_path(path) and _plain_path(decoded) and not any(_unsafe(c) for c in decoded)


def _unsafe(char: str) -> bool:
    return char == "\\" or char.isspace() or unicodedata.category(char).startswith("C")


def _plain_path(path: str) -> bool:
    """Starts with one "/", and no segment is empty (but the last), "." or ".."."""
    segments = path.split("/")
    return (path.startswith("/") and "" not in segments[1:-1]
            and not {".", ".."} & set(segments))

