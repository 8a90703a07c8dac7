"""The text of a mail in its reader's language: rules speak in msgids with parameters (marked with
``N_``), and the mail is written out from the shipped catalogs when it is queued, since the
outbox keeps the exact words sent."""
from __future__ import annotations

from functools import lru_cache

from babel.support import NullTranslations, Translations

from tenants import CATALOGS

NESTED = ("resource", "action")  # parameters that are msgids themselves


@lru_cache(maxsize=4)
def _catalog(locale: str) -> NullTranslations:
    """The locale's catalog; a NullTranslations (the msgids as they are) when none is shipped."""
    return Translations.load(str(CATALOGS), [locale])


def render(msg: tuple[str, dict], locale: str) -> str:
    """A (msgid, params) pair from tenants/ in the given language."""
    catalog = _catalog(locale)
    msgid, params = msg
    params = {k: (catalog.gettext(v) if k in NESTED and isinstance(v, str) else v) for k, v in params.items()}
    return catalog.gettext(msgid) % params
