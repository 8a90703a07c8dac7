"""What every request goes through before any view (or the CSRF check) reads its values: the size
limit of its body, which a view may raise for itself, and characters that no field accepts."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

NUL = "\x00"


class UnacceptableCharacter(BadRequest):
    """A NUL character somewhere in the request; `field` names the value that carried it."""

    description = _l("The request contains a NUL character (a zero byte), which no field accepts. "
                     "Go back, remove it and send again.")

    def __init__(self, field: str | None):
        super().__init__()
        self.field = field


def body_limit(max_bytes: int):
    """Let this view take request bodies up to `max_bytes` (the app's MAX_CONTENT_LENGTH is lower),
    so that it can answer an oversized upload with its own form and message."""
    def decorator(view):
        view.max_content_length = max_bytes
        return view
    return decorator


def install(app: Flask) -> None:
    """Run the guards first: before blueprints load anything from the URL, before CSRF reads the form."""
    app.url_value_preprocessor(_apply_body_limit)
    app.url_value_preprocessor(_refuse_nul)


def _apply_body_limit(_endpoint, _values) -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    limit = getattr(view, "max_content_length", None)
    if limit is not None:
        request.max_content_length = limit


def _refuse_nul(_endpoint, _values) -> None:
    """PostgreSQL refuses NUL in text (a query would fail deep inside a view) and SQLite would store
    it; no field of ours has a use for it, so a request carrying one is refused whole."""
    field = nul_field()
    if field is not None:
        raise UnacceptableCharacter(field or None)


def nul_field() -> str | None:
    """The name of the first value carrying a NUL ("" when it has none, e.g. the path), or None."""
    if NUL in request.path or NUL in request.host:
        return ""
    for values in (request.args, request.form):
        for name, items in values.lists():
            if NUL in name or any(NUL in item for item in items):
                return name
    if request.is_json:
        return _json_nul_field(request.get_json(silent=True))
    return None


def _json_nul_field(data) -> str | None:
    if isinstance(data, dict):
        for key, value in data.items():
            if NUL in key or _has_nul(value):
                return key
        return None
    return "" if _has_nul(data) else None


def _has_nul(data) -> bool:
    stack = [data]
    while stack:  # a loop, not recursion: the body may nest deeply
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
