"""Reading JSON bodies and query arguments for the API, with errors in the one JSON shape."""
from __future__ import annotations

from datetime import date

from flask import g, request
from flask_babel import gettext as _

from panel.api.errors import ApiError
from web.db import db


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", _("Send a JSON object with Content-Type: application/json."))
    return data


def integer(data: dict, name: str, *, required: bool = False, nullable: bool = False):
    if name not in data:
        if required:
            raise ApiError(422, "invalid", _("This field is required."), name)
        return None
    value = data[name]
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**53:
        raise ApiError(422, "invalid", _("Enter a whole number."), name)
    return value


def text_field(data: dict, name: str, max_len: int, *, nullable: bool = True):
    value = data.get(name)
    if value is None:
        return None if nullable else ""
    if not isinstance(value, str) or len(value) > max_len:
        raise ApiError(422, "invalid", _("Use text of at most %(n)s characters.", n=max_len), name)
    return value


def boolean(data: dict, name: str):
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise ApiError(422, "invalid", _("Use true or false."), name)
    return value


def iso_date(data: dict, name: str):
    value = data.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name):
    raise ApiError(422, "invalid", _("Enter a date as YYYY-MM-DD."), name)


def query_int(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid", _("Enter a whole number."), name) from None
    if not lo <= value <= hi:
        raise ApiError(400, "invalid", _("Enter a number from %(lo)s to %(hi)s.", lo=lo, hi=hi), name)
    return value


def session_and_actor():
    return db(), g.api_actor
