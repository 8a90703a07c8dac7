"""A customer's server (OEM spec 顧客管理): a customer whose sites, mail or databases live on a server
keeps that server through the form, the API and the CSV import (moving hosting is not offered);
a customer without hosting may get, change or lose its server; a server the provider withdrew
from the reseller stays the customer's own through an edit of other fields."""
import io
import re

import pytest
from sqlalchemy import select

from tenants.models import Customer, Database, Domain, FtpAccount, Server, ServerAssignment
from tenants.tenancy import Scope
from tests.reseller.helpers import customer_form, one
from tests.support import scoped_session

MOVE_REFUSED = ("This customer has sites, mail or databases on its server; to change it, use Move to another "
                "server on the customer page.")
MOVE_REFUSED_JA = "この顧客はサーバ上にサイト・メール・データベースがあります"


def second_server(app, world, hostname="web02.example.jp") -> int:
    """Another server the provider assigned to the demo reseller."""
    with scoped_session(app, Scope.system()) as s:
        server = Server(hostname=hostname, address="192.0.2.2", assignments=[ServerAssignment(reseller_id=world.demo)])
        s.add(server)
        s.commit()
        return server.id


def give_hosting(app, world, model=Domain) -> None:
    """One hosting row of taro's (a site, an FTP user or a database), as the end-user panel saves it."""
    fields = {Domain: {"name": "shop.example.jp", "docroot": "public_html/shop.example.jp"},
              FtpAccount: {"name": "taroweb", "password_hash": "$2b$12$" + "a" * 53},
              Database: {"engine": "mariadb", "name": "taro_db", "db_user": "taro_db"}}[model]
    with scoped_session(app, Scope.system()) as s:
        s.add(model(reseller_id=world.demo, customer_id=world.demo_customer, **fields))
        s.commit()


def server_of(app, customer_id):
    return one(app, select(Customer.server_id).where(Customer.id == customer_id))


def edit_taro(world, **changes):
    """Taro's details as his edit form shows them, with some changed."""
    return customer_form(world, **({"contractor_name": "山田 太郎", "customer_number": "C-0001",
                                    "contract_date": "2026-04-01", "start_date": "2026-04-01",
                                    "contact_email": "taro@example.jp"} | changes))


def upload(client, text):
    data = {"file": (io.BytesIO(text.encode()), "c.csv")}
    return client.post("/panel/customers/import", data=data, content_type="multipart/form-data")


def api_client(app, operator):
    r = operator.post("/panel/api-tokens", data={"name": "billing system"})
    token = re.search(r'id="api-token">([^<]+)<', r.get_data(as_text=True)).group(1)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


# --- a customer with hosting keeps its server ------------------------------------------------------

def test_the_form_refuses_to_move_or_clear_the_server_of_a_customer_with_a_site(app, as_demo_operator, world):
    other = second_server(app, world)
    give_hosting(app, world)
    as_demo_operator.get("/lang/en")
    for server_id in (other, 0):  # another server, then "(none)"
        r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}",
                                  data=edit_taro(world, server_id=server_id, contractor_name="山田 次郎"))
        assert r.status_code == 400 and MOVE_REFUSED in r.get_data(as_text=True), server_id
        assert server_of(app, world.demo_customer) == world.server
        assert one(app, select(Customer.contractor_name).where(Customer.id == world.demo_customer)) == "山田 太郎"
    # keeping the server while changing something else is fine
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}",
                              data=edit_taro(world, contractor_name="山田 次郎"))
    assert r.status_code == 302 and server_of(app, world.demo_customer) == world.server


@pytest.mark.parametrize("model", [Domain, FtpAccount, Database])
def test_the_api_refuses_to_clear_or_move_the_server_of_a_customer_with_hosting(app, as_demo_operator, world, model):
    other = second_server(app, world)
    give_hosting(app, world, model)
    api = api_client(app, as_demo_operator)
    for server_id in (None, other):
        r = api.patch(f"/api/customers/{world.demo_customer}", json={"server_id": server_id})
        assert r.status_code == 422, server_id
        error = r.get_json()["error"]
        assert error["field"] == "server_id"
        assert MOVE_REFUSED_JA in error["message"]
        assert server_of(app, world.demo_customer) == world.server


def test_the_csv_import_refuses_to_move_a_customer_with_hosting(app, as_demo_operator, world):
    second_server(app, world)
    give_hosting(app, world)
    as_demo_operator.get("/lang/en")
    r = upload(as_demo_operator, "login_id,contractor_name,course,server\ntaro,山田 太郎,スタンダード,web02.example.jp\n")
    assert r.status_code == 400
    assert f"<td>2</td><td>server</td><td>{MOVE_REFUSED}</td>" in r.get_data(as_text=True)
    assert server_of(app, world.demo_customer) == world.server


def test_a_customer_without_hosting_may_get_change_and_lose_its_server(app, as_demo_operator, world):
    other = second_server(app, world)
    cid = world.demo_customer
    r = as_demo_operator.post(f"/panel/customers/{cid}", data=edit_taro(world, server_id=other))
    assert r.status_code == 302 and server_of(app, cid) == other
    r = as_demo_operator.post(f"/panel/customers/{cid}", data=edit_taro(world, server_id=0))
    assert r.status_code == 302 and server_of(app, cid) is None
    api = api_client(app, as_demo_operator)
    r = api.patch(f"/api/customers/{cid}", json={"server_id": world.server})
    assert r.status_code == 200 and server_of(app, cid) == world.server
    r = upload(as_demo_operator, "login_id,contractor_name,course,server\ntaro,山田 太郎,スタンダード,web02.example.jp\n")
    assert r.status_code == 200 and server_of(app, cid) == other


# --- a withdrawn server stays the customer's --------------------------------------------------------

def withdraw_demo(as_provider, world, server_id, hostname="localhost"):
    """The provider's server form, saved with only acme left assigned."""
    data = {"hostname": hostname, "address": "127.0.0.1", "role": "all-in-one", "kind": "oem", "driver": "local",
            "monitor_interval_minutes": "10", "auto_remediation": "y", "status": "active", "notes": "",
            "resellers": [str(world.acme)]}
    assert as_provider.post(f"/admin/servers/{server_id}/edit", data=data).status_code == 302


def test_editing_a_customer_keeps_a_server_the_provider_withdrew(app, as_provider, as_demo_operator, world):
    other = second_server(app, world)
    withdraw_demo(as_provider, world, world.server)
    as_demo_operator.get("/lang/en")
    page = as_demo_operator.get(f"/panel/customers/{world.demo_customer}").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*name="server_id".*?</select>', page, re.S).group(0)
    current = re.search(r'<option[^>]*value="%d"[^>]*>([^<]*)<' % world.server, select_)
    assert current is not None and "selected" in current.group(0)
    assert "localhost" in current.group(1) and "no longer assigned" in current.group(1)
    # the operator changes the contractor name; the form posts what it shows
    form = {"contractor_name": "山田 太郎 (改)", "customer_number": "C-0001", "course_id": world.demo_course,
            "server_id": world.server, "contract_date": "2026-04-01", "start_date": "2026-04-01",
            "contact_email": "taro@example.jp", "status": "active"}
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}", data=form)
    assert r.status_code == 302
    assert one(app, select(Customer.contractor_name).where(Customer.id == world.demo_customer)) == "山田 太郎 (改)"
    assert server_of(app, world.demo_customer) == world.server
    # the API keeps it too when other fields change
    api = api_client(app, as_demo_operator)
    assert api.patch(f"/api/customers/{world.demo_customer}", json={"contractor_name": "山田"}).status_code == 200
    assert server_of(app, world.demo_customer) == world.server
    # but the withdrawn server is not offered to others, and cannot be given to another customer
    new_page = as_demo_operator.get("/panel/customers/new").get_data(as_text=True)
    assert "localhost" not in new_page and "web02.example.jp" in new_page
    r = as_demo_operator.post("/panel/customers/new", data=customer_form(world, server_id=world.server))
    assert r.status_code == 400 and "Choose a server assigned to you." in r.get_data(as_text=True)
    # and once moved away from it (no hosting), it cannot be chosen again
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}", data=form | {"server_id": other})
    assert r.status_code == 302 and server_of(app, world.demo_customer) == other
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}", data=form | {"server_id": world.server})
    assert r.status_code == 400 and "Choose a server assigned to you." in r.get_data(as_text=True)
    assert server_of(app, world.demo_customer) == other


def test_a_move_to_a_server_not_assigned_is_refused_beside_the_field_and_nothing_is_recorded(app, as_demo_operator,
                                                                                           as_provider, world):
    from tenants.hosting.move_models import CustomerMove

    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move", data={"to_server_id": str(world.server)})
    assert r.status_code == 400  # no hosting yet: nothing to move, the edit form changes its server
    assert "This customer has nothing on a server to move" in r.get_data(as_text=True)
    give_hosting(app, world)
    with scoped_session(app, Scope.system()) as s:
        elsewhere = Server(hostname="other.example.jp", address="192.0.2.9")  # not assigned to demo
        s.add(elsewhere)
        s.commit()
        elsewhere_id = elsewhere.id
    for value in (str(elsewhere_id), "abc", str(world.server)):
        r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move", data={"to_server_id": value})
        page = r.get_data(as_text=True)
        assert r.status_code == 400, value
        assert re.search(r'class="field has-error">\s*<label for="to_server_id"', page), value
        assert ("Choose a server assigned to you." in page) or ("already on this server" in page), value
    assert one(app, select(CustomerMove.id)) is None and server_of(app, world.demo_customer) == world.server
    second = second_server(app, world)
    assert as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move",
                                 data={"to_server_id": str(second)}).status_code == 302
    page = as_demo_operator.get(f"/panel/customers/{world.demo_customer}").get_data(as_text=True)
    assert "Move to web02.example.jp:" in page and "badge queued" in page
    assert server_of(app, world.demo_customer) == world.server  # until the move job has verified the copy
    as_provider.get("/lang/en")
    servers = as_provider.get("/admin/servers").get_data(as_text=True)
    assert "Customer moves" in servers and "山田 太郎" in servers and "web02.example.jp" in servers
    r = as_demo_operator.post(f"/panel/customers/{world.demo_customer}/move", data={"to_server_id": str(second)})
    assert r.status_code == 400 and "already under way" in r.get_data(as_text=True)
