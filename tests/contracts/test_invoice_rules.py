"""The pure rules of qualified invoices, table-driven with their sources: consumption tax once
per invoice per rate (消費税法施行令第70条の10) with the issuer's rounding, the registration
number's check digit, the reminder schedule in business days, and the bank-statement parser."""
from datetime import date

import pytest

from tenants.contracts.bank_import import normalize_name, parse_statement
from tenants.contracts.billing_admin import parse_reminder_days
from tenants.contracts.reminders import reminder_step_due
from tenants.contracts.tax import registration_number_problem, summarize, tax_on
from tenants.errors import RuleViolation


@pytest.mark.parametrize("taxable, rate, rounding, tax", [
    (38_000, 10, "floor", 3_800),
    (12_345, 10, "floor", 1_234),     # 1,234.5 → 切り捨て
    (12_345, 10, "half_up", 1_235),   # 四捨五入
    (12_344, 10, "half_up", 1_234),
    (12_341, 10, "ceil", 1_235),      # 切り上げ
    (12_340, 10, "ceil", 1_234),      # nothing to round
    (1_001, 8, "floor", 80),          # 80.08
    (1_007, 8, "half_up", 81),        # 80.56
    (0, 10, "floor", 0),
])
def test_tax_of_one_rate_rounded_once(taxable, rate, rounding, tax):
    assert tax_on(taxable, rate, rounding) == tax


def test_tax_is_computed_on_the_sum_per_rate_not_per_line():
    # 5 + 5 yen at 10 %: per line 0 + 0, once on their sum of 10 yen: 1; 1,001 + 1,001 at 8 %: per
    # line 80 + 80, once on 2,002: 160 (施行令第70条の10: one rounding per invoice and rate)
    lines = [(5, 10), (5, 10), (1_001, 8), (1_001, 8), (2_000, None)]
    summary = summarize(lines, "floor")
    assert [(r.rate, r.taxable, r.tax) for r in summary.by_rate] == [(10, 10, 1), (8, 2_002, 160)]
    assert (summary.untaxed, summary.subtotal, summary.tax, summary.total) == (2_000, 4_012, 161, 4_173)


@pytest.mark.parametrize("number, ok", [
    ("T7000012050002", True),    # 国税庁's own corporate number
    ("T7123456789012", True),
    ("T1000012050002", False),   # wrong check digit
    ("T700001205000", False),    # 12 digits
    ("7000012050002", False),    # no T
    ("T70000120500021", False),  # 14 digits
    ("T７０００01205000２", False),  # full-width digits are not a registration number as printed
    ("", False),
])
def test_registration_number_is_t_and_13_digits_with_a_valid_check_digit(number, ok):
    assert (registration_number_problem(number) is None) is ok


def test_registration_number_problems_say_what_is_wrong():
    assert "check digit" in registration_number_problem("T1000012050002")
    assert "13 digits" in registration_number_problem("T700001205000")


@pytest.mark.parametrize("today, step", [
    (date(2026, 10, 31), None), (date(2026, 11, 4), None),
    (date(2026, 11, 5), 3), (date(2026, 11, 13), 3), (date(2026, 11, 16), 10), (date(2027, 3, 1), 10)])
def test_the_latest_reminder_step_reached_is_due(today, step):
    # due Sat 2026-10-31; business days after it: 11-02 (1), 11-04 (2; 11-03 is 文化の日), 11-05 (3) ... 11-16 (10)
    assert reminder_step_due(date(2026, 10, 31), today, [3, 10]) == step


@pytest.mark.parametrize("text, days", [("3, 10", [3, 10]), ("10,3,3", [3, 10]), ("", []), ("5", [5])])
def test_reminder_days_parse(text, days):
    assert parse_reminder_days(text) == days


@pytest.mark.parametrize("text", ["3, x", "0", "61", "-3"])
def test_bad_reminder_days_are_refused(text):
    with pytest.raises(RuleViolation) as exc:
        parse_reminder_days(text)
    assert exc.value.problems[0].field == "reminder_days"


@pytest.mark.parametrize("statement, bank", [
    ("カ)サンプルセイサクシヨ", "ｶ)ｻﾝﾌﾟﾙｾｲｻｸｼﾖ"),
    ("カ)サンプルセイサクシヨ", "ｻﾝﾌﾟﾙｾｲｻｸｼｮ"),
    ("デモシヨウジ(カ", "ﾃﾞﾓｼﾖｳｼﾞ (ｶ)"),
    ("株式会社サンプル", "カブシキガイシヤ サンプル"),
])
def test_payer_names_compare_as_banks_print_them(statement, bank):
    assert normalize_name(statement) == normalize_name(bank)


def test_statement_rows_in_shift_jis_are_read():
    text = "日付,金額,振込依頼人名,照会番号\n2026/11/02,\"41,800\",ｶ)ｻﾝﾌﾟﾙｾｲｻｸｼﾖ,A1\n20261103,77000円,ﾃﾞﾓｼﾖｳｼﾞ(ｶ,\n"
    rows = parse_statement(text.encode("cp932"))
    assert [(r.row_number, r.booked_on, r.amount, r.reference) for r in rows] == [
        (2, date(2026, 11, 2), 41_800, "A1"), (3, date(2026, 11, 3), 77_000, "")]


@pytest.mark.parametrize("body, message", [
    ("2026/11/02,-500,ｶ)ｻﾝﾌﾟﾙ\n", "Row %(row)s: the amount %(value)s is not a whole number of yen above 0."),
    ("2026/11/02,1000.5,ｶ)ｻﾝﾌﾟﾙ\n", "Row %(row)s: the amount %(value)s is not a whole number of yen above 0."),
    ("2026/13/02,1000,ｶ)ｻﾝﾌﾟﾙ\n", "Row %(row)s: the date %(value)s is not a date."),
    ("2026/11/02,1000\n", "Row %(row)s has %(got)s columns instead of %(want)s."),
    ("2026/11/02,1000,\n", "Row %(row)s: the payer is empty."),
])
def test_a_broken_row_refuses_the_whole_statement_naming_the_row(body, message):
    data = ("日付,金額,振込依頼人名\n2026/11/01,100,ｵｰｹｰ\n" + body).encode("cp932")
    with pytest.raises(RuleViolation) as exc:
        parse_statement(data)
    assert [(p.msgid, p.params.get("row")) for p in exc.value.problems] == [(message, 3)]


def test_a_statement_without_the_needed_columns_or_not_text_is_refused():
    with pytest.raises(RuleViolation) as exc:
        parse_statement("日付,金額\n2026/11/01,100\n".encode("cp932"))
    assert exc.value.problems[0].params == {"missing": "payer"}
    with pytest.raises(RuleViolation) as exc:
        parse_statement(b"\x81\xff\xfe\x00garbage")
    assert exc.value.problems[0].msgid == "The file is neither UTF-8 nor Shift_JIS text."
