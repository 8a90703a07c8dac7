"""CSV cells that a spreadsheet cannot run as formulas (OWASP "CSV injection"), and back again.

A text cell that starts with = + - @ TAB or CR is a formula to Excel and LibreOffice, so every CSV
export writes it with one leading apostrophe ("'=HYPERLINK(...)" shows as text). An import strips
exactly that one apostrophe again, so an exported file imports unchanged. Text that already starts
with apostrophes before such a character gets one more, so the round trip keeps it too. Numbers the
code writes as numbers stay numbers."""
from __future__ import annotations

import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")


def export_cell(value):
    """The value as a CSV export writes it: text that a spreadsheet would run gets a leading "'"."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or _QUOTED_FORMULA.match(value)):
        return "'" + value
    return value


def import_cell(text: str) -> str:
    """A cell of an imported CSV file with the apostrophe that export_cell added taken off again."""
    return text[1:] if _QUOTED_FORMULA.match(text) else text


class SafeWriter:
    """csv.writer whose rows go through export_cell: the one way our CSV exports write rows."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row) -> None:
        self._writer.writerow([export_cell(v) for v in row])
