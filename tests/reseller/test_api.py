"""The reseller API: bearer tokens (hashed, shown once, expiry, source addresses, revoke), customers
and courses CRUD with the screens' rules, usage read, credential reset, one error shape."""
import re

from sqlalchemy import select

from tenants.models import ApiToken, AuditLog, Customer, Principal
from tests.hosting.helpers import run_jobs
from tests.reseller.helpers import count, one, scalars, set_disk_use
from tests.support import login


def _token(operator, **fields):
    r = operator.post("/panel/api-tokens", data={"name": "billing system", **fields})
    assert r.status_code == 200, r.status_code
    return re.search(r'id="api-token">([^<]+)<', r.get_data(as_text=True)).group(1)


def _api(app, token):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_token_is_shown_once_and_stored_hashed(app, as_demo_operator):
    token = _token(as_demo_operator)
    row = one(app, select(ApiToken))
    assert token not in row.secret_hash and token.startswith("rp_" + row.prefix)
    assert token not in as_demo_operator.get("/panel/api-tokens").get_data(as_text=True)


def test_customer_crud_and_credential_reset_through_the_api(app, as_demo_operator, world):
    api = _api(app, _token(as_demo_operator))
    r = api.post("/api/customers", json={"login_id": "api-user", "contractor_name": "API 太郎",
                                         "course_id": world.demo_course, "server_id": world.server,
                                         "contract_date": "2026-07-01", "customer_number": "C-9000"})
    assert r.status_code == 201
    created = r.get_json()
    cid, password = created["id"], created["password"]
    login(app.test_client(), "enduser", "api-user", password, code="demo")
    listing = api.get("/api/customers?q=api-user").get_json()
    assert listing["total"] == 1 and listing["items"][0]["login_id"] == "api-user"
    assert listing["items"][0]["course_id"] == world.demo_course
    assert api.get(f"/api/customers/{cid}").get_json()["contract_date"] == "2026-07-01"
    r = api.patch(f"/api/customers/{cid}", json={"contractor_name": "API 次郎"})
    assert r.status_code == 200 and r.get_json()["contractor_name"] == "API 次郎"
    assert api.post(f"/api/customers/{cid}/suspend").get_json()["status"] == "suspended"
    assert api.post(f"/api/customers/{cid}/resume").get_json()["status"] == "active"
    r = api.post(f"/api/customers/{cid}/password", json={"password": "Api-Typed-2026"})
    assert r.status_code == 200 and "password" not in r.get_json()
    login(app.test_client(), "enduser", "api-user", "Api-Typed-2026", code="demo")
    assert api.delete(f"/api/customers/{cid}").status_code == 202
    run_jobs(app)
    assert count(app, Customer, Customer.id == cid) == 0 and count(app, Principal, Principal.login_id == "api-user") == 0
    actors = set(scalars(app, select(AuditLog.actor).where(AuditLog.action.startswith("customer."))))
    assert any(a.startswith("api:billing system") for a in actors)


def test_api_errors_have_one_shape_and_the_screens_rules(app, as_demo_operator, world):
    api = _api(app, _token(as_demo_operator))
    r = api.post("/api/customers", json={"login_id": "taro", "contractor_name": "x", "course_id": world.acme_course})
    body = r.get_json()
    assert r.status_code == 422 and set(body["error"]) >= {"code", "message", "field"}
    assert {p["field"] for p in body["error"]["problems"]} >= {"login_id", "course_id"}
    r = api.post("/api/customers", data="not json", content_type="text/plain")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_json"
    r = api.post("/api/customers", json={"login_id": "ok-user", "contractor_name": "x", "course_id": "one"})
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "course_id"
    assert api.get(f"/api/customers/{world.acme_customer}").get_json()["error"]["code"] == "not_found"
    assert api.get("/api/customers?per_page=1000").status_code == 400


def test_courses_through_the_api_with_confirmation_and_in_use_refusal(app, as_demo_operator, world):
    api = _api(app, _token(as_demo_operator))
    r = api.post("/api/courses", json={"name": "API", "disk_quota_mb": 500})
    assert r.status_code == 201 and r.get_json()["disk_quota_mb"] == 500 and r.get_json()["max_domains"] == 5
    new_id = r.get_json()["id"]
    assert api.get("/api/courses").get_json()["total"] == 2
    set_disk_use(app, world.demo_customer, 2 * 1024 ** 3)
    r = api.patch(f"/api/courses/{world.demo_course}", json={"disk_quota_mb": 100})
    assert r.status_code == 409 and r.get_json()["error"]["customers"][0]["id"] == world.demo_customer
    assert api.patch(f"/api/courses/{world.demo_course}", json={"disk_quota_mb": 100, "confirm": True}).status_code == 200
    r = api.delete(f"/api/courses/{world.demo_course}")
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "in_use"
    assert api.delete(f"/api/courses/{new_id}").status_code == 204
    assert api.get(f"/api/courses/{world.acme_course}").status_code == 404


def test_usage_read(app, as_demo_operator, world):
    api = _api(app, _token(as_demo_operator))
    body = api.get("/api/usage").get_json()
    assert body["line_bits_per_second"] == 100_000_000 and body["servers"][0]["hostname"] == "localhost"
    r = api.get(f"/api/customers/{world.demo_customer}/usage")
    assert r.status_code == 200 and r.get_json()["disk_quota_bytes"] == 20480 * 1048576


def test_missing_bad_revoked_expired_and_foreign_address_tokens_are_refused(app, as_demo_operator, world):
    assert app.test_client().get("/api/customers").status_code == 401
    assert _api(app, "rp_nothing_here").get("/api/customers").status_code == 401
    token = _token(as_demo_operator)
    cookie_only = as_demo_operator.get("/api/customers")  # a logged-in browser session is not enough
    assert cookie_only.status_code == 401 and cookie_only.get_json()["error"]["code"] == "unauthorized"
    row_id = one(app, select(ApiToken.id))
    as_demo_operator.post(f"/panel/api-tokens/{row_id}/revoke")
    assert _api(app, token).get("/api/customers").status_code == 401
    elsewhere = _token(as_demo_operator, allowed_addresses="10.0.0.0/8")
    assert _api(app, elsewhere).get("/api/customers").status_code == 401
    here = _token(as_demo_operator, allowed_addresses="127.0.0.0/8\n::1")
    assert _api(app, here).get("/api/customers").status_code == 200
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post("/panel/api-tokens", data={"name": "old", "expires_on": "2020-01-01"})
    assert r.status_code == 400 and "Choose today or a later date." in r.get_data(as_text=True)
    r = as_demo_operator.post("/panel/api-tokens", data={"name": "bad", "allowed_addresses": "not-an-ip"})
    assert r.status_code == 400 and "is not an IP address or network" in r.get_data(as_text=True)


def test_an_expired_token_is_refused(app, as_demo_operator):
    from datetime import date

    from tenants.tenancy import Scope
    from tests.support import scoped_session

    token = _token(as_demo_operator)
    with scoped_session(app, Scope.system()) as s:
        s.scalars(select(ApiToken)).one().expires_on = date(2020, 1, 1)
        s.commit()
    assert _api(app, token).get("/api/customers").status_code == 401


def test_csrf_is_waived_only_for_bearer_requests(app, as_demo_operator, world):
    token = _token(as_demo_operator)
    app.config["WTF_CSRF_ENABLED"] = True
    r = _api(app, token).post("/api/courses", json={"name": "CSRF"})
    assert r.status_code == 201
    assert as_demo_operator.post("/panel/courses/new", data={"name": "x"}).status_code == 400


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "/api/customers/{customer_id}/password" in doc["paths"]


def test_unknown_api_paths_answer_json(client):
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
