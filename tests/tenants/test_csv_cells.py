"""CSV cells a spreadsheet cannot run as formulas, and the import that takes the guard off again."""
import csv
import io

import pytest

from tenants.csv_cells import SafeWriter, export_cell, import_cell


@pytest.mark.parametrize("value,exported", [
    ("=1+2", "'=1+2"), ("+81-3-1234", "'+81-3-1234"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("'=1", "''=1"), ("''-x", "'''-x"),
    ("山田 太郎", "山田 太郎"), ("a=b", "a=b"), ("'plain", "'plain"), ("", ""), ("'", "'"),
    (-5, -5), (1.5, 1.5),
])
def test_formula_like_text_gets_one_apostrophe_and_the_import_takes_it_off(value, exported):
    assert export_cell(value) == exported
    if isinstance(value, str):
        assert import_cell(exported) == value


def test_the_writer_guards_every_text_cell_and_leaves_numbers_alone():
    out = io.StringIO()
    SafeWriter(out).writerow(["=HYPERLINK(\"http://x\")", -1, "ok"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=HYPERLINK(\"http://x\")", "-1", "ok"]
