"""Japanese is the default language: every text the code marks for translation has a Japanese
translation in the catalog, with the same placeholders."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "tests", "migrations", "bench", "instance", "translations", "node_modules"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
# Placeholders of both forms: %(name)s and the like
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _ids(msg) -> list[str]:
    """A message's msgid, or for a plural message both its singular and plural forms."""
    return list(msg) if isinstance(msg, tuple) else [msg]


def source_msgids() -> set[str]:
    found = set()
    for top in ROOT.iterdir():
        if top.is_dir() and top.name not in SKIP and not top.name.startswith("."):
            for _f, _l, msg, _c, _ctx in extract_from_dir(top, METHODS, keywords=KEYWORDS):
                found.update(_ids(msg)[:1])
    for f in ROOT.glob("*.py"):
        from babel.messages.extract import extract_from_file
        for _l, msg, _c, _ctx in extract_from_file("python", f, keywords=KEYWORDS):
            found.update(_ids(msg)[:1])
    return {m for m in found if m}


def japanese() -> dict[str, str]:
    """msgid -> Japanese; a plural message is keyed by its singular, with its (only) Japanese form."""
    with open(ROOT / "tenants/translations/ja/LC_MESSAGES/messages.po", "rb") as fh:
        out = {}
        for m in read_po(fh):
            if m.id:
                text = m.string[0] if isinstance(m.string, tuple) else m.string
                out[_ids(m.id)[0]] = text
                if isinstance(m.id, tuple):
                    out[m.id[1]] = text
        return out


def test_every_ui_text_has_a_japanese_translation():
    ja = japanese()
    missing = sorted(m for m in source_msgids() if not ja.get(m))
    assert not missing, f"{len(missing)} text(s) without Japanese (run `make messages`, then translate): {missing[:20]}"


def test_translations_keep_their_placeholders():
    wrong = [mid for mid, text in japanese().items()
             if text and sorted(PLACEHOLDER.findall(mid)) != sorted(PLACEHOLDER.findall(text))]
    assert not wrong, wrong


def test_catalog_passes_babels_own_checks():
    """What `pybabel compile` (run by make install) refuses: a broken format in any translation."""
    with open(ROOT / "tenants/translations/ja/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, problems
