"""The one check of roles before every request of the provider admin and the business panel: each
page's URL table names its area (``area(...)``), tenants/accounts/rights.py says who may read or
write there, and a page that names no area is refused to everyone. The view itself never asks.

It also sends a login that must use two-factor login and has not set it up yet to the set-up page,
whatever it asks for (tenants/accounts/totp.py says who must)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, redirect, request, url_for
from flask_login import current_user

from tenants.accounts import rights
from tenants.accounts.rights import Area, Level
from tenants.models import Role


@dataclass(frozen=True)
class Need:
    area: Area | None           # None: a page anyone may open (login, password reset)
    forms_only: bool = False    # a page that only changes something: writing needed even to see it


PUBLIC = Need(None)
# blueprint -> the kind of login its pages are for, and its login page
GUARDED = {"provider": (Role.PROVIDER.value, "provider.login"), "reseller": (Role.OPERATOR.value, "reseller.login")}
NEEDS: dict[str, Need] = {}  # endpoint -> what its page needs, filled in as the URL tables register


def area(name: Area | None, rules: list[tuple], forms: tuple = ()) -> list[tuple]:
    """URL-table rules (rule, view[, methods]) that belong to one area; the views in ``forms`` are
    pages that only change something (their GET shows the form)."""
    need = Need(name) if name is not None else PUBLIC
    return [(rule, view, methods[0] if methods else ["GET"],
             Need(name, True) if view in forms or getattr(view, "__wrapped__", None) in forms else need)
            for rule, view, *methods in rules]


def note(endpoint: str, need: Need | None) -> None:
    if need is not None:
        NEEDS[endpoint] = need


def check_request():
    """Before every request: refuse what the login's role does not allow (403), send a stranger to
    the panel's login page, and a login that must set up two-factor login to its set-up page."""
    guarded = GUARDED.get(request.blueprint or "")
    if guarded is None or request.endpoint is None:
        return None
    kind, login_endpoint = guarded
    need = NEEDS.get(request.endpoint)
    if need is PUBLIC:
        return None
    if not current_user.is_authenticated or current_user.role != kind:
        return redirect(url_for(login_endpoint, next=request.full_path.rstrip("?")))
    if need is None:
        abort(403)  # a page that forgot to say what it needs is refused by default
    writing = need.forms_only or request.method not in ("GET", "HEAD", "OPTIONS")
    if not rights.may(current_user, need.area, Level.WRITE if writing else Level.READ):
        abort(403)
    if need.area is not Area.ACCOUNT and getattr(current_user, "must_enrol_totp", False):
        return redirect(url_for(f"{request.blueprint}.two_factor"))
    return None


def may(area_name: Area | str, write: bool = False) -> bool:
    """For templates: whether the current login may read (or write) in an area, to show only the
    links and buttons it may use."""
    if not current_user.is_authenticated or not rights.has_roles(current_user.role):
        return False
    return rights.may(current_user, area_name, Level.WRITE if write else Level.READ)


def install(app) -> None:
    app.before_request(check_request)
    app.context_processor(lambda: {"may": may, "Area": Area})
