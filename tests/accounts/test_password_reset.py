"""Password reset by e-mail: the answer never says whether a login has the address; the mail (an
end user's under its reseller's brand) carries a link that works once, for 30 minutes, and dies
when the password changes; requests are throttled."""
import statistics
import time
from datetime import timedelta

from sqlalchemy import select

from tenants.accounts import resets
from tenants.db import utcnow
from tenants.models import Principal
from tenants.tenancy import Scope
from tests.accounts.helpers import link_in, reset_mails, run_mail_jobs
from tests.conftest import DEMO_PASSWORDS
from tests.support import login, scoped_session

NEW = "Hoshizora-Kamome-62"


def _ask(client, base: str, email: str, address: str = "192.0.2.10"):
    return client.post(f"{base}/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address})


def test_an_end_user_resets_the_password_from_the_mail_once(app, client):
    r = _ask(client, "/u/demo", "Taro@Example.jp")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert 'id="reset-sent"' in r.get_data(as_text=True)
    run_mail_jobs(app)
    (mail,) = reset_mails(app, "taro@example.jp")
    assert mail.sender_name == "デモホスティング" and mail.reply_to == "support@demo.example.jp"
    assert app.config["SETTINGS"].provider_name not in mail.body + mail.subject
    assert "taro" in mail.subject and "30" in mail.body
    link = link_in(mail)
    assert link.startswith("/u/demo/password/reset/")
    assert "新しいパスワード" in client.get(link).get_data(as_text=True)
    weak = client.post(link, data={"new_password": "password1", "confirm_password": "password1"})
    assert weak.status_code == 400  # the policy, beside the field; the link still works
    done = client.post(link, data={"new_password": NEW, "confirm_password": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/u/demo/"
    login(app.test_client(), "enduser", "taro", NEW, code="demo")
    refused = app.test_client().post("/u/demo/", data={"login_id": "taro", "password": DEMO_PASSWORDS["taro"]})
    assert refused.status_code == 200  # the old password no longer works
    again = client.post(link, data={"new_password": "Another-Pass-Word-9", "confirm_password": "Another-Pass-Word-9"})
    assert again.status_code == 400 and "期限切れ" in again.get_data(as_text=True)
    login(app.test_client(), "enduser", "taro", NEW, code="demo")  # the second use changed nothing


def test_an_unknown_address_gets_the_same_answer_in_the_same_time_and_no_mail(app):
    pages, timings = {}, {"known": [], "unknown": []}
    for i in range(3):
        for kind, email in (("known", "taro@example.jp"), ("unknown", f"nobody{i}@example.jp")):
            c = app.test_client()
            started = time.perf_counter()
            r = _ask(c, "/u/demo", email, address=f"192.0.2.{20 + i}")
            timings[kind].append(time.perf_counter() - started)
            pages.setdefault(kind, r.get_data(as_text=True).replace(email, ""))
            assert r.status_code == 200
    assert pages["known"] == pages["unknown"]
    known, unknown = statistics.median(timings["known"]), statistics.median(timings["unknown"])
    assert abs(known - unknown) < 0.05, timings  # the lookup happens in the job, not in the answer
    run_mail_jobs(app)
    assert len(reset_mails(app, "taro@example.jp")) == 3 and reset_mails(app, "nobody0@example.jp") == []


def test_a_link_dies_when_the_password_changes_and_after_30_minutes(app, as_taro, world):
    secret = app.config["SECRET_KEY"]
    with scoped_session(app, Scope.system()) as s:
        taro = s.get(Principal, world.principals["taro"])
        fresh = resets.make_token(secret, taro)
        stale = resets.make_token(secret, taro, now=utcnow() - timedelta(minutes=31))
    c = app.test_client()
    assert c.get(f"/u/demo/password/reset/{stale}").status_code == 400
    assert c.get(f"/u/demo/password/reset/{fresh}").status_code == 200
    assert c.get(f"/u/acme/password/reset/{fresh}").status_code == 400  # another reseller's panel: not its login
    as_taro.post("/u/demo/password", data={"current_password": DEMO_PASSWORDS["taro"], "new_password": NEW,
                                           "confirm_password": NEW})
    r = c.post(f"/u/demo/password/reset/{fresh}", data={"new_password": "Kaede-Momiji-4711",
                                                        "confirm_password": "Kaede-Momiji-4711"})
    assert r.status_code == 400
    login(app.test_client(), "enduser", "taro", NEW, code="demo")


def test_requests_are_throttled_per_address(app, client):
    for i in range(5):
        assert _ask(client, "/panel", f"someone{i}@example.jp", address="203.0.113.50").status_code == 200
    r = _ask(client, "/panel", "someone9@example.jp", address="203.0.113.50")
    assert r.status_code == 429 and "15分" in r.get_data(as_text=True)


def test_an_operator_reset_ends_every_session_and_still_needs_the_second_factor(app, as_demo_operator, world):
    from tests.accounts.helpers import code_of, enrol

    with scoped_session(app, Scope.system()) as s:
        s.get(Principal, world.principals["demo-op"]).email = "ops@demo.example.jp"
        s.commit()
    secret, _codes = enrol(as_demo_operator, "/panel")
    c = app.test_client()
    _ask(c, "/panel", "ops@demo.example.jp")
    run_mail_jobs(app)
    (mail,) = reset_mails(app, "ops@demo.example.jp")
    assert mail.sender_name is None and link_in(mail).startswith("/panel/password/reset/")
    c.post(link_in(mail), data={"new_password": NEW, "confirm_password": NEW})
    assert as_demo_operator.get("/panel/").status_code == 302  # logged out everywhere
    r = c.post("/panel/login", data={"login_id": "demo-op", "password": NEW})
    assert r.headers["Location"] == "/panel/login/code"
    assert c.post("/panel/login/code", data={"code": code_of(secret, 1)}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        from tenants.models import AuditLog

        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.reseller_id == world.demo)))
    assert {"auth.password_reset_mail", "auth.password_reset"} <= actions


def test_a_managed_customer_resets_by_its_contract_partys_address(app, client):
    _ask(client, "/managed", "it@sample-mfg.example.jp")
    run_mail_jobs(app)
    (mail,) = reset_mails(app, "it@sample-mfg.example.jp")
    link = link_in(mail)
    assert link.startswith("/managed/password/reset/")
    assert client.post(link, data={"new_password": NEW, "confirm_password": NEW}).status_code == 302
    login(app.test_client(), "managed", "kanri", NEW)
