"""Support view (audited as the operator, no password shown) and customers as CSV."""
import io

from sqlalchemy import select

from tenants.models import AuditLog, Customer, Principal
from tests.reseller.helpers import count, one, scalars


def test_support_view_shows_the_customers_panel_with_a_banner_and_audits_the_operator(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/support")
    assert r.status_code == 302 and r.headers["Location"] == "/u/demo/home"
    html = as_demo_operator.get("/u/demo/home").get_data(as_text=True)
    assert "Support view" in html and "山田 太郎" in html and "デモホスティング" in html
    assert "argon2" not in html
    assert as_demo_operator.get("/u/demo/password").status_code == 403  # never the customer's password
    assert as_demo_operator.get("/u/acme/home").status_code == 302      # only this reseller's panel
    r = as_demo_operator.post("/u/demo/support/end")
    assert r.status_code == 302 and r.headers["Location"] == f"/panel/customers/{world.demo_customer}"
    entries = {a.action: a for a in scalars(app, select(AuditLog).where(AuditLog.action.startswith("support.")))}
    assert set(entries) == {"support.start", "support.end"}
    for entry in entries.values():
        assert entry.actor == "operator:demo-op" and entry.on_behalf_of == "enduser:taro"
        assert entry.customer_id == world.demo_customer
    # the support view has ended: the panel is the operator's own again
    assert as_demo_operator.get("/u/demo/home").status_code == 302
    assert as_demo_operator.get("/panel/").status_code == 200


def test_csv_export_lists_only_own_customers(app, as_demo_operator, world):
    r = as_demo_operator.get("/panel/customers/export.csv")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "taro" in text and "山田 太郎" in text and "C-0001" in text and "hanako" not in text


CSV_GOOD = ("login_id,contractor_name,customer_number,course,server,contract_date,start_date,contact_email,status,password\n"
            "kenji,木村 健二,C-0200,スタンダード,localhost,2026-06-01,2026-06-02,kenji@example.jp,active,\n"
            "taro,山田 太郎 (CSV),C-0001,スタンダード,,2026-04-01,2026-04-01,taro@example.jp,active,\n")


def _upload(client, text, dry_run):
    data = {"file": (io.BytesIO(text.encode()), "c.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/panel/customers/import", data=data, content_type="multipart/form-data")


def test_csv_import_dry_run_changes_nothing_then_import_creates_and_updates(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    r = _upload(as_demo_operator, CSV_GOOD, dry_run=True)
    assert r.status_code == 200 and "1 would be created and 1 updated" in r.get_data(as_text=True)
    assert count(app, Customer, Customer.customer_number == "C-0200") == 0
    r = _upload(as_demo_operator, CSV_GOOD, dry_run=False)
    assert r.status_code == 200 and "Imported: 1 created, 1 updated." in r.get_data(as_text=True)
    assert one(app, select(Customer.contractor_name).where(Customer.id == world.demo_customer)) == "山田 太郎 (CSV)"
    assert count(app, Principal, Principal.login_id == "kenji", Principal.reseller_id == world.demo) == 1


def test_csv_import_with_a_bad_row_reports_line_field_reason_and_changes_nothing(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    bad = CSV_GOOD + ("jiro,鈴木 次郎,C-0200,ゴールド,,2026-13-01,,bad,active,\n"
                      "hanako,佐藤,,スタンダード,,,,,active,short\n")
    r = _upload(as_demo_operator, bad, dry_run=False)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Nothing was imported" in html
    assert "<td>4</td><td>customer_number</td><td>This customer number is also on line 2.</td>" in html
    assert "<td>4</td><td>course</td><td>Choose one of your courses.</td>" in html
    assert "<td>4</td><td>contract_date</td>" in html and "<td>4</td><td>contact_email</td>" in html
    assert "<td>5</td><td>password</td><td>Use at least 10 characters.</td>" in html
    assert count(app, Customer, Customer.customer_number == "C-0200") == 0
    assert one(app, select(Customer.contractor_name).where(Customer.id == world.demo_customer)) == "山田 太郎"


def test_log_out_in_the_support_view_ends_it_and_keeps_the_operator_logged_in(app, as_demo_operator, world):
    as_demo_operator.post(f"/panel/customers/{world.demo_customer}/support")
    r = as_demo_operator.post("/u/demo/logout")
    assert r.status_code == 302 and r.headers["Location"] == f"/panel/customers/{world.demo_customer}"
    assert as_demo_operator.get("/panel/customers").status_code == 200


def test_end_users_see_only_their_own_usage_and_no_api_tokens(app, world, as_demo_operator):
    from datetime import date

    from tenants.models import ApiToken, CustomerUsageSample
    from tenants.resellers.api_tokens import create_token
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    with scoped_session(app, Scope("reseller", reseller_id=world.demo)) as s:
        create_token(s, None, "t", None, None, date(2026, 1, 1))
        s.commit()
    with scoped_session(app, Scope.system()) as s:
        jiro = Customer(reseller_id=world.demo, course_id=world.demo_course, contractor_name="次郎")
        s.add(jiro)
        s.flush()
        for cid in (world.demo_customer, jiro.id):
            s.add(CustomerUsageSample(reseller_id=world.demo, customer_id=cid, disk_bytes=1))
        s.commit()
    taro = Scope("enduser", reseller_id=world.demo, customer_id=world.demo_customer,
                 principal_id=world.principals["taro"])
    with scoped_session(app, taro) as s:
        assert s.scalars(select(CustomerUsageSample.customer_id)).all() == [world.demo_customer]
        assert s.scalars(select(ApiToken)).all() == []


def test_csv_without_the_required_columns_is_refused_at_line_1(app, as_demo_operator):
    as_demo_operator.get("/lang/en")
    r = _upload(as_demo_operator, "name,email\nx,y\n", dry_run=True)
    assert r.status_code == 400 and "<td>1</td><td></td><td>The header lacks the columns: login_id, contractor_name, course" \
        in r.get_data(as_text=True)


def test_csv_blank_or_missing_cells_leave_an_existing_customers_fields_as_they_are(app, as_demo_operator, world):
    from datetime import date

    as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend")
    as_demo_operator.get("/lang/en")
    page = as_demo_operator.get("/panel/customers/import").get_data(as_text=True)
    assert "an empty cell or a missing column leaves that field as it is" in page
    kept = ("C-0001", world.server, date(2026, 4, 1), date(2026, 4, 1), "taro@example.jp", "suspended")

    def taro():
        c = one(app, select(Customer).where(Customer.id == world.demo_customer))
        return c.contractor_name, (c.customer_number, c.server_id, c.contract_date, c.start_date, c.contact_email,
                                   c.status)

    # only the required columns ...
    r = _upload(as_demo_operator, "login_id,contractor_name,course\ntaro,山田 太郎 (CSV),スタンダード\n", dry_run=False)
    assert r.status_code == 200 and "Imported: 0 created, 1 updated." in r.get_data(as_text=True)
    assert taro() == ("山田 太郎 (CSV)", kept)
    # ... or every column with blank cells: the fields stay as they are
    r = _upload(as_demo_operator, "login_id,contractor_name,customer_number,course,server,contract_date,start_date,"
                "contact_email,status\ntaro,山田 太郎,,スタンダード,,,,,\n", dry_run=False)
    assert r.status_code == 200 and taro() == ("山田 太郎", kept)
    # a new customer's blank cells mean none (and the default status)
    r = _upload(as_demo_operator, "login_id,contractor_name,customer_number,course,server,contract_date,start_date,"
                "contact_email,status\njiro,鈴木 次郎,,スタンダード,,,,,\n", dry_run=False)
    assert r.status_code == 200
    jiro = one(app, select(Customer).where(Customer.contractor_name == "鈴木 次郎"))
    assert (jiro.customer_number, jiro.server_id, jiro.contract_date, jiro.contact_email, jiro.status) == \
        (None, None, None, None, "active")


def _rename_demo_customer(app, world, **values):
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    with scoped_session(app, Scope.system()) as s:
        customer = s.get(Customer, world.demo_customer)
        for name, value in values.items():
            setattr(customer, name, value)
        s.commit()


def test_csv_export_writes_formula_like_text_as_text_and_imports_it_back_unchanged(app, as_demo_operator, world):
    import csv

    formula = '=HYPERLINK("http://x.example/","click")'
    _rename_demo_customer(app, world, contractor_name=formula, customer_number="-42", disk_used_bytes=5 * 1048576)
    exported = as_demo_operator.get("/panel/customers/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    taro = next(r for r in rows if r["login_id"] == "taro")
    assert taro["contractor_name"] == "'" + formula  # a spreadsheet shows it as text, never runs it
    assert taro["customer_number"] == "'-42"
    assert taro["disk_used_mb"] == "5.0"  # numbers stay numbers
    as_demo_operator.get("/lang/en")
    r = _upload(as_demo_operator, exported.lstrip("\ufeff"), dry_run=False)
    assert r.status_code == 200 and "Imported:" in r.get_data(as_text=True)
    saved = one(app, select(Customer).where(Customer.id == world.demo_customer))
    assert (saved.contractor_name, saved.customer_number) == (formula, "-42")


def test_csv_export_round_trips_text_that_already_starts_with_an_apostrophe(app, as_demo_operator, world):
    _rename_demo_customer(app, world, contractor_name="'=1+2 (quoted)", customer_number="'plain")
    exported = as_demo_operator.get("/panel/customers/export.csv").get_data(as_text=True)
    assert "''=1+2 (quoted)" in exported and ",'plain," in exported
    assert _upload(as_demo_operator, exported.lstrip("\ufeff"), dry_run=False).status_code == 200
    saved = one(app, select(Customer).where(Customer.id == world.demo_customer))
    assert (saved.contractor_name, saved.customer_number) == ("'=1+2 (quoted)", "'plain")


def test_csv_field_over_128_kb_is_a_problem_of_its_line(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    text = CSV_GOOD + "jiro," + "x" * (130 * 1024) + ",,スタンダード,,,,,active,\n"
    r = _upload(as_demo_operator, text, dry_run=False)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Nothing was imported" in html
    assert "<td>4</td><td></td><td>A field on this line is longer than 128 KB" in html
    assert count(app, Customer, Customer.customer_number == "C-0200") == 0


def test_csv_with_a_nul_character_is_a_problem_of_its_line_and_field(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    text = CSV_GOOD + "jiro,鈴木\x00次郎,C-0300,スタンダード,,,,,active,\n"
    r = _upload(as_demo_operator, text, dry_run=False)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "<td>4</td><td>contractor_name</td><td>This field contains a NUL character" in html
    assert count(app, Customer, Customer.customer_number.in_(["C-0200", "C-0300"])) == 0
