"""Who may see which panel: role checks and the client address used for throttling."""
from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
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
    """A same-site path to go to after login, never another host."""
    target = request.args.get("next") or request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def forbid_unless(condition: bool) -> None:
    if not condition:
        abort(403)
