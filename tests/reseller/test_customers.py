"""Customers (顧客管理): list/search/sort/pages, every field, the issued login, suspend/resume,
cancel at a date (removed by the worker job on that date), delete, and other tenants refused."""
import re
from datetime import date

from sqlalchemy import select

from tenants.models import AuditLog, Customer, Principal
from tests.hosting.helpers import run_jobs
from tests.reseller.helpers import count, customer_form, one, scalars
from tests.support import login


def _issued_password(html):
    return re.search(r'id="issued-password">([^<]+)<', html).group(1)


def test_create_a_customer_with_every_field_and_log_in_with_the_issued_password(app, as_demo_operator, world):
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    password = _issued_password(html).replace("&amp;", "&")
    c = one(app, select(Customer).where(Customer.customer_number == "C-0100"))
    assert (c.contractor_name, c.reseller_id, c.course_id, c.server_id, c.contact_email) == \
        ("鈴木 一郎", world.demo, world.demo_course, world.server, "suzuki@example.jp")
    assert (c.contract_date, c.start_date, c.status) == (date(2026, 5, 1), date(2026, 5, 10), "active")
    p = one(app, select(Principal).where(Principal.customer_id == c.id))
    assert p.login_id == "suzuki" and password not in p.password_hash
    end_user = app.test_client()
    login(end_user, "enduser", "suzuki", password, code="demo")
    assert "鈴木 一郎" in end_user.get("/u/demo/home").get_data(as_text=True)
    # the list shows the new customer with login ID and course, found by each search key
    for q in ("suzuki", "鈴木", "C-0100"):
        assert "鈴木 一郎" in as_demo_operator.get(f"/panel/customers?q={q}").get_data(as_text=True), q
    assert "鈴木 一郎" not in as_demo_operator.get("/panel/customers?q=nobody").get_data(as_text=True)


def test_a_typed_password_is_checked_against_the_policy(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world, password="short"))
    assert r.status_code == 400 and "Use at least 10 characters." in r.get_data(as_text=True)
    assert count(app, Customer, Customer.customer_number == "C-0100") == 0
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world, password="Typed-Pass-2026"))
    assert r.status_code == 200 and "Typed-Pass-2026" not in r.get_data(as_text=True)
    login(app.test_client(), "enduser", "suzuki", "Typed-Pass-2026", code="demo")


def test_refusals_unique_login_number_and_foreign_course(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post("/panel/customers/new",
                              data=customer_form(world, login_id="taro", customer_number="C-0001",
                                                 course_id=world.acme_course, contact_email="bad"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    for text in ("This login ID is already in use.", "This customer number is already in use.",
                 "Choose one of your courses.", "Enter a valid email address."):
        assert text in html, text
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world, start_date="2026-04-01"))
    assert "The start of use cannot be before the contract date." in r.get_data(as_text=True)
    assert count(app, Customer, Customer.reseller_id == world.demo) == 1


def test_the_same_login_id_is_fine_at_another_reseller(app, as_acme_operator, world):
    r = as_acme_operator.post("/panel/customers/new",
                              data=customer_form(world, login_id="taro", customer_number="C-0001",
                                                 course_id=world.acme_course))
    assert r.status_code == 200


def test_edit_suspend_resume_and_reset_the_password(app, as_demo_operator, as_taro, world):
    cid = world.demo_customer
    r = as_demo_operator.post(f"/panel/customers/{cid}", data=customer_form(world, contractor_name="山田 太郎 (改)",
                                                                             customer_number="C-0001"))
    assert r.status_code == 302
    assert one(app, select(Customer.contractor_name).where(Customer.id == cid)) == "山田 太郎 (改)"
    assert as_demo_operator.post(f"/panel/customers/{cid}/suspend").status_code == 302
    assert one(app, select(Customer.status).where(Customer.id == cid)) == "suspended"
    assert as_demo_operator.post(f"/panel/customers/{cid}/resume").status_code == 302
    assert one(app, select(Customer.status).where(Customer.id == cid)) == "active"
    r = as_demo_operator.post(f"/panel/customers/{cid}/password", data={"password": ""})
    new_password = _issued_password(r.get_data(as_text=True)).replace("&amp;", "&")
    assert as_taro.get("/u/demo/home").status_code == 302  # the old session has ended
    login(app.test_client(), "enduser", "taro", new_password, code="demo")
    actions = set(scalars(app, select(AuditLog.action).where(AuditLog.customer_id == cid)))
    assert {"customer.update", "customer.suspend", "customer.resume", "customer.password_reset"} <= actions


def test_cancel_keeps_everything_until_the_date_then_the_job_removes_it(app, as_demo_operator, world):
    from workers.jobs.customers import remove_cancelled_customers

    cid = world.demo_customer
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post(f"/panel/customers/{cid}/cancel", data={"cancel_on": "2020-01-01"}, follow_redirects=True)
    assert "Choose today or a later date." in r.get_data(as_text=True)
    assert as_demo_operator.post(f"/panel/customers/{cid}/cancel", data={"cancel_on": "2099-12-31"}).status_code == 302
    assert one(app, select(Customer.status).where(Customer.id == cid)) == "cancelled"
    assert remove_cancelled_customers(today=date(2099, 12, 30)) == 0
    assert count(app, Customer, Customer.id == cid) == 1 and count(app, Principal, Principal.customer_id == cid) == 1
    assert remove_cancelled_customers(today=date(2099, 12, 31)) == 1
    assert remove_cancelled_customers(today=date(2099, 12, 31)) == 0  # safe to run twice
    assert count(app, Customer, Customer.id == cid) == 0
    assert count(app, Principal, Principal.login_id == "taro") == 0
    assert count(app, AuditLog, AuditLog.action == "customer.remove") == 1


def test_resume_withdraws_a_cancellation(app, as_demo_operator, world):
    cid = world.demo_customer
    as_demo_operator.post(f"/panel/customers/{cid}/cancel", data={"cancel_on": "2099-12-31"})
    as_demo_operator.post(f"/panel/customers/{cid}/resume")
    c = one(app, select(Customer).where(Customer.id == cid))
    assert c.status == "active" and c.cancel_on is None


def test_delete_needs_the_login_id_typed(app, as_demo_operator, world):
    cid = world.demo_customer
    assert as_demo_operator.post(f"/panel/customers/{cid}/delete", data={"confirm": "nope"}).status_code == 303
    assert count(app, Customer, Customer.id == cid) == 1
    assert as_demo_operator.post(f"/panel/customers/{cid}/delete", data={"confirm": "taro"}).status_code == 302
    # cancelled at once: the end user can no longer log in ...
    assert one(app, select(Customer).where(Customer.id == cid)).status == "cancelled"
    assert app.test_client().post("/u/demo/", data={"login_id": "taro", "password": "Demo-User-2026"}).status_code == 200
    run_jobs(app)  # ... and the removal job takes it off the server, then the records go
    assert count(app, Customer, Customer.id == cid) == 0 and count(app, Principal, Principal.login_id == "taro") == 0


def test_list_sorts_and_pages(app, as_demo_operator, world):
    from tenants.models import Customer as C
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    with scoped_session(app, Scope.system()) as s:
        for i in range(60):
            s.add(C(reseller_id=world.demo, course_id=world.demo_course, contractor_name=f"あ顧客{i:03d}",
                    customer_number=f"N{i:03d}"))
        s.commit()
    page1 = as_demo_operator.get("/panel/customers?sort=name").get_data(as_text=True)
    page2 = as_demo_operator.get("/panel/customers?sort=name&page=2").get_data(as_text=True)
    assert "顧客000" in page1 and "顧客049" in page1 and "顧客050" not in page1
    assert "顧客050" in page2 and "顧客059" in page2 and "顧客000" not in page2
    assert "(61)" in page1
    assert "顧客059" in as_demo_operator.get("/panel/customers?sort=number&page=2").get_data(as_text=True)


def test_search_counts_every_match_and_pages_past_the_end(app, as_demo_operator, world):
    from tenants.models import Customer as C
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    with scoped_session(app, Scope.system()) as s:
        for i in range(55):
            s.add(C(reseller_id=world.demo, course_id=world.demo_course, contractor_name=f"検索{i:03d}"))
        s.commit()
    page1 = as_demo_operator.get("/panel/customers?q=検索&sort=name").get_data(as_text=True)
    page2 = as_demo_operator.get("/panel/customers?q=検索&sort=name&page=2").get_data(as_text=True)
    beyond = as_demo_operator.get("/panel/customers?q=検索&sort=name&page=9").get_data(as_text=True)
    assert "(55)" in page1 and "検索000" in page1 and "検索050" not in page1
    assert "(55)" in page2 and "検索054" in page2 and "検索049" not in page2
    assert "(55)" in beyond and "検索0" not in beyond.split("(55)", 1)[1]
    assert "(0)" in as_demo_operator.get("/panel/customers?q=該当なし").get_data(as_text=True)


def test_other_tenants_customers_are_invisible(app, as_acme_operator, world):
    assert "山田" not in as_acme_operator.get("/panel/customers?q=taro").get_data(as_text=True)
    assert as_acme_operator.get(f"/panel/customers/{world.demo_customer}").status_code == 404
    for action in ("suspend", "resume", "cancel", "delete", "password", "support"):
        assert as_acme_operator.post(f"/panel/customers/{world.demo_customer}/{action}",
                                     data={"confirm": "taro", "cancel_on": "2099-01-01"}).status_code == 404
    assert one(app, select(Customer.status).where(Customer.id == world.demo_customer)) == "active"


def test_ids_beyond_the_column_range_are_not_found(app, as_demo_operator):
    assert as_demo_operator.get("/panel/customers/2147483648").status_code == 404
    assert as_demo_operator.get("/panel/courses/99999999999/edit").status_code == 404


def test_only_servers_assigned_to_the_reseller_may_be_chosen(app, as_demo_operator, world):
    from tenants.models import Server, ServerAssignment
    from tenants.tenancy import Scope
    from tests.support import scoped_session

    with scoped_session(app, Scope.system()) as s:
        other = Server(hostname="acme-only.example.jp", address="127.0.0.2",
                       assignments=[ServerAssignment(reseller_id=world.acme)])
        s.add(other)
        s.commit()
        other_id = other.id
    as_demo_operator.get("/lang/en")
    page = as_demo_operator.get("/panel/customers/new").get_data(as_text=True)
    assert "localhost" in page and "acme-only.example.jp" not in page
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world, server_id=other_id))
    assert r.status_code == 400 and "Choose a server assigned to you." in r.get_data(as_text=True)


def test_every_action_is_in_the_resellers_audit_log(app, as_demo_operator, as_acme_operator, world):
    as_demo_operator.post(f"/panel/customers/{world.demo_customer}/suspend")
    html = as_demo_operator.get("/panel/audit").get_data(as_text=True)
    assert "customer.suspend" in html and "demo-op" in html
    assert "customer.suspend" not in as_acme_operator.get("/panel/audit").get_data(as_text=True)


def test_a_typed_reset_password_must_meet_the_policy(app, as_demo_operator, as_taro, world):
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/password", data={"password": "taro-short"},
                              follow_redirects=True)
    assert "Mix lower-case letters, upper-case letters and digits." in r.get_data(as_text=True)
    assert as_taro.get("/u/demo/home").status_code == 200  # nothing changed: the session lives on
