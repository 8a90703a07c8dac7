"""Mail aliases and catch-alls added in the end-user panel reach the real postfix: a message to an
alias, and one to an unknown address of a catch-all domain, land in the target mailbox, while a
mailbox of that domain still gets its own mail. Loops, foreign domains, duplicates and the course
limit are refused beside the field, and nothing is saved."""
from __future__ import annotations

import re
import shutil

from sqlalchemy import func, select

from tenants.models import Course, MailAlias
from tenants.tenancy import Scope
from tests.hosting.helpers import run_jobs, update_server_config
from tests.hosting.postfix_server import delivered, running_postfix, send
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD, world_readable_dir
from workers.drivers.host.driver import LocalDriver


def add_domain_and_boxes(client, domain="shop.example.jp") -> str:
    assert client.post("/u/demo/domains", data={"name": domain}).status_code == 302
    page = client.get("/u/demo/mail").get_data(as_text=True)
    domain_id = re.search(r'<option value="(\d+)"', page).group(1)
    for local in ("info", "plain"):
        assert client.post("/u/demo/mail", data={"domain_id": domain_id, "local_part": local, "password": PASSWORD,
                                                 "quota_mb": "100"}).status_code == 302
    return domain_id


def alias_count(app) -> int:
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(MailAlias))


def test_an_alias_and_a_catch_all_deliver_to_the_target_mailbox_through_the_real_postfix(app, world, as_taro,
                                                                                         local_server):
    base = world_readable_dir("panel-aliases-")
    try:
        update_server_config(app, world.server, config_dir=str(base / "cfg"))
        domain_id = add_domain_and_boxes(as_taro)
        r = as_taro.post("/u/demo/aliases", data={"address": "sales@shop.example.jp",
                                                  "targets": "info@shop.example.jp\nboss@example.org"})
        assert r.status_code == 302
        r = as_taro.post("/u/demo/aliases/catch-all", data={"catchall-domain_id": domain_id,
                                                            "catchall-targets": "info@shop.example.jp"})
        assert r.status_code == 302
        page = as_taro.get("/u/demo/aliases").get_data(as_text=True)
        assert "sales@shop.example.jp" in page and "shop.example.jp" in page
        run_jobs(app)
        with scoped_session(app, Scope.system()) as s:
            assert set(s.scalars(select(MailAlias.state))) == {"applied"}
        driver = LocalDriver(base / "cfg")
        assert driver.lookup_mail_map("virtual_aliases", "sales@shop.example.jp") == \
            "info@shop.example.jp, boss@example.org"
        assert driver.lookup_mail_map("virtual_aliases", "@shop.example.jp") == "info@shop.example.jp"

        mail_root = base / "mail"
        with running_postfix(base / "cfg" / "postfix", mail_root) as port:
            send(port, ["sales@shop.example.jp"], "to the alias")
            send(port, ["nobody-here@shop.example.jp"], "to an unknown address")
            send(port, ["plain@shop.example.jp"], "to plain itself")
            assert delivered(mail_root, "info@shop.example.jp", "to the alias")
            assert delivered(mail_root, "info@shop.example.jp", "to an unknown address")
            assert delivered(mail_root, "plain@shop.example.jp", "to plain itself")  # not taken by the catch-all
            assert not delivered(mail_root, "info@shop.example.jp", "to plain itself", timeout=1)

        # changed, then removed in the panel: the server follows
        alias_id = re.search(r'/u/demo/aliases/(\d+)"', page).group(1)
        assert as_taro.post(f"/u/demo/aliases/{alias_id}", data={"targets": "plain@shop.example.jp"}).status_code == 302
        run_jobs(app)
        assert driver.lookup_mail_map("virtual_aliases", "sales@shop.example.jp") == "plain@shop.example.jp"
        assert as_taro.post(f"/u/demo/aliases/{alias_id}/delete").status_code == 302
        run_jobs(app)
        assert driver.lookup_mail_map("virtual_aliases", "sales@shop.example.jp") is None
        assert alias_count(app) == 1
    finally:
        shutil.rmtree(base)


def refused(client, url, data, message):
    r = client.post(url, data=data)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert re.search(r'<p class="error" role="alert">[^<]*' + re.escape(message), html), html[-3000:]


def test_loops_foreign_domains_duplicates_and_the_course_limit_are_refused_beside_the_field(app, world, as_taro,
                                                                                              local_server):
    as_taro.get("/lang/en")
    domain_id = add_domain_and_boxes(as_taro)
    assert as_taro.post("/u/demo/aliases", data={"address": "a@shop.example.jp",
                                                 "targets": "info@shop.example.jp"}).status_code == 302
    before = alias_count(app)
    refused(as_taro, "/u/demo/aliases", {"address": "self@shop.example.jp", "targets": "self@shop.example.jp"},
            "loop back to self@shop.example.jp")
    refused(as_taro, "/u/demo/aliases", {"address": "b@shop.example.jp",
                                               "targets": "a@shop.example.jp\nb@shop.example.jp"},
            "loop back to b@shop.example.jp")
    refused(as_taro, "/u/demo/aliases", {"address": "sales@other-customer.example.com", "targets": "x@example.org"},
            "Use an address in one of your domains.")
    refused(as_taro, "/u/demo/aliases", {"address": "info@shop.example.jp", "targets": "x@example.org"},
            "This address is already in use.")
    refused(as_taro, "/u/demo/aliases", {"address": "c@shop.example.jp", "targets": "ghost@shop.example.jp"},
            "ghost@shop.example.jp does not exist")
    refused(as_taro, "/u/demo/aliases", {"address": "d@shop.example.jp", "targets": "not an address"},
            "Enter an e-mail address such as name@example.com.")
    # through another alias: b → a is fine (a → info); then a → b closes the loop
    assert as_taro.post("/u/demo/aliases", data={"address": "b@shop.example.jp",
                                                 "targets": "a@shop.example.jp"}).status_code == 302
    page = as_taro.get("/u/demo/aliases").get_data(as_text=True)
    a_id = re.search(r'href="/u/demo/aliases/(\d+)">a@', page).group(1)
    refused(as_taro, f"/u/demo/aliases/{a_id}", {"targets": "b@shop.example.jp"}, "loop back to a@shop.example.jp")
    refused(as_taro, "/u/demo/aliases/catch-all", {"catchall-domain_id": domain_id, "catchall-targets": ""},
            "Enter at least one address.")
    # a mailbox cannot take an alias's address either
    refused(as_taro, "/u/demo/mail", {"domain_id": domain_id, "local_part": "a", "password": PASSWORD},
            "This address is already in use.")
    with scoped_session(app, Scope.system()) as s:
        s.get(Course, world.demo_course).max_mail_aliases = 2
        s.commit()
    refused(as_taro, "/u/demo/aliases", {"address": "e@shop.example.jp", "targets": "x@example.org"},
            "mail aliases: 2 of 2 used")
    assert alias_count(app) == before + 1  # only b was saved
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(MailAlias.targets).where(MailAlias.local_part == "a")) == "info@shop.example.jp"


def test_a_mailbox_forward_that_comes_back_through_an_alias_is_refused(app, world, as_taro, local_server):
    as_taro.get("/lang/en")
    add_domain_and_boxes(as_taro)
    assert as_taro.post("/u/demo/aliases", data={"address": "back@shop.example.jp",
                                                 "targets": "plain@shop.example.jp"}).status_code == 302
    page = as_taro.get("/u/demo/mail").get_data(as_text=True)
    plain_id = re.search(r'href="/u/demo/mail/(\d+)">plain@', page).group(1)
    refused(as_taro, f"/u/demo/mail/{plain_id}", {"quota_mb": "100", "forwards": "back@shop.example.jp"},
            "loop back to plain@shop.example.jp")
    # keeping a copy while forwarding elsewhere is no loop
    assert as_taro.post(f"/u/demo/mail/{plain_id}", data={"quota_mb": "100", "forwards": "boss@example.org",
                                                          "keep_copy": "y"}).status_code == 302


def test_a_domain_with_aliases_is_not_removed_before_them(app, world, as_taro, local_server):
    as_taro.get("/lang/en")
    domain_id = add_domain_and_boxes(as_taro)
    assert as_taro.post("/u/demo/aliases/catch-all", data={"catchall-domain_id": domain_id,
                                                           "catchall-targets": "boss@example.org"}).status_code == 302
    for local in ("info", "plain"):
        page = as_taro.get("/u/demo/mail").get_data(as_text=True)
        box_id = re.search(rf'href="/u/demo/mail/(\d+)">{local}@', page).group(1)
        assert as_taro.post(f"/u/demo/mail/{box_id}/delete").status_code == 302
    r = as_taro.post(f"/u/demo/domains/{domain_id}/delete", follow_redirects=True)
    assert "Delete the mail aliases of shop.example.jp first." in r.get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(func.count()).select_from(MailAlias).where(MailAlias.deleting.is_(False))) == 1


def test_a_mailbox_or_list_an_alias_delivers_to_is_not_removed_before_the_alias(app, world, as_taro, local_server):
    from tenants.models import MailAccount

    as_taro.get("/lang/en")
    add_domain_and_boxes(as_taro)
    assert as_taro.post("/u/demo/aliases", data={"address": "sales@shop.example.jp",
                                                 "targets": "info@shop.example.jp"}).status_code == 302
    page = as_taro.get("/u/demo/mail").get_data(as_text=True)
    info_id = re.search(r'href="/u/demo/mail/(\d+)">info@', page).group(1)
    r = as_taro.post(f"/u/demo/mail/{info_id}/delete", follow_redirects=True)
    assert ("Mail to sales@shop.example.jp is delivered here: remove info@shop.example.jp from those aliases first."
            in r.get_data(as_text=True))
    with scoped_session(app, Scope.system()) as s:
        assert s.get(MailAccount, int(info_id)).deleting is False
    page = as_taro.get("/u/demo/aliases").get_data(as_text=True)
    alias_id = re.search(r'/u/demo/aliases/(\d+)/delete', page).group(1)
    assert as_taro.post(f"/u/demo/aliases/{alias_id}/delete").status_code == 302
    assert as_taro.post(f"/u/demo/mail/{info_id}/delete").status_code == 302
    with scoped_session(app, Scope.system()) as s:
        box = s.get(MailAccount, int(info_id))
        assert box is None or box.deleting is True
