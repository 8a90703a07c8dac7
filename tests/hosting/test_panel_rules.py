"""The end-user screens refuse what breaks a rule, beside the field, saving nothing; course limits
hold on every create; the owner reaches each of their own objects (so the walk's 404s mean
something); the dashboard shows usage against every limit."""
from __future__ import annotations

import html as html_module

import pytest
from sqlalchemy import func, select, update

from tenants.models import Course, Database, DnsRecord, Domain, FtpAccount, MailAccount, MailingList, ProtectedDirectory
from tenants.tenancy import Scope
from tests.hosting.victims import make_hosting
from tests.support import scoped_session
from tests.workers.drivers.local_helpers import PASSWORD

HOSTED = (Domain, MailAccount, MailingList, FtpAccount, DnsRecord, ProtectedDirectory, Database)


def counts(app):
    with scoped_session(app, Scope.system()) as s:
        return {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in HOSTED}


def errors_beside(html: str, field: str) -> str:
    """The error text shown in the field block of ``field``."""
    start = html.index(f'name="{field}"')
    block = html[html.rfind('<div class="field', 0, start):]
    return html_module.unescape(block[:block.index("</div>")])


@pytest.fixture
def taro(as_taro, app, world):
    as_taro.get("/lang/en")
    with scoped_session(app, Scope.system()) as s:
        d = Domain(customer_id=world.demo_customer, reseller_id=world.demo, name="taro.example.jp",
                   docroot="public_html/taro.example.jp", state="applied")
        s.add(d)
        s.commit()
        as_taro.domain_id = d.id
    return as_taro


BAD_INPUT = [
    ("/u/demo/domains", {"name": "exa mple.com"}, "name", "must not contain spaces"),
    ("/u/demo/domains", {"name": "192.0.2.1"}, "name", "not an IP address"),
    ("/u/demo/domains", {"name": "shop.example.jp", "docroot": "../../etc"}, "docroot", "must not contain '..'"),
    ("/u/demo/domains", {"name": "shop.example.jp", "docroot": "~/x"}, "docroot", "without a leading '/' or '~'"),
    ("/u/demo/domains", {"name": "shop.example.jp", "docroot": "/etc"}, "docroot", "without a leading '/'"),
    ("/u/demo/mail", {"local_part": "a..b", "password": PASSWORD}, "local_part", "before the @"),
    ("/u/demo/mail", {"local_part": "info", "password": "short"}, "password", "at least 10 characters"),
    ("/u/demo/mail", {"local_part": "info", "password": PASSWORD, "forwards": "not-an-address"}, "forwards",
     "e-mail address"),
    ("/u/demo/mail", {"local_part": "info", "password": PASSWORD, "quota_mb": "999999"}, "quota_mb", "Enter from 1"),
    ("/u/demo/lists", {"local_part": "team", "members": "x@@example.org"}, "members", "e-mail address"),
    ("/u/demo/ftp", {"name": "root", "password": PASSWORD}, "name", "reserved"),
    ("/u/demo/ftp", {"name": "web1", "password": PASSWORD, "directory": "../hanako"}, "directory", "'..'"),
    ("/u/demo/ftp", {"name": "web1", "password": PASSWORD, "directory": "/etc"}, "directory", "leading '/'"),
    ("/u/demo/databases", {"engine": "mariadb", "name": "Bad-Name"}, "name", "lower-case letters"),
    ("/u/demo/databases", {"engine": "postgresql", "name": "shop", "user": "x;drop"}, "user", "lower-case letters"),
    ("/u/demo/protected", {"path": "../x", "realm": "Members"}, "path", "'..'"),
    ("/u/demo/protected", {"path": "members", "realm": 'a"b'}, "realm", "must not contain quotes"),
]


@pytest.mark.parametrize("url, data, field, message", BAD_INPUT, ids=[f"{u.split('/')[-1]}-{f}" for u, _d, f, _m, in
                                                                      [(b[0], b[1], b[2], b[3]) for b in BAD_INPUT]])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(app, taro, url, data, field, message):
    if "domain_id" not in data and url.endswith(("mail", "lists", "protected")):
        data = {**data, "domain_id": str(taro.domain_id)}
    before = counts(app)
    r = taro.post(url, data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert message in errors_beside(html, field)
    assert counts(app) == before


DNS_BAD = [
    ({"type": "A", "name": "www", "value": "999.1.1.1"}, "value", "IPv4 address"),
    ({"type": "AAAA", "name": "www", "value": "192.0.2.1"}, "value", "IPv6 address"),
    ({"type": "CNAME", "name": "@", "value": "other.example.com"}, "name", "not allowed at the zone apex"),
    ({"type": "MX", "name": "@", "value": "mail"}, "value", "preference host"),
    ({"type": "SRV", "name": "sip", "value": "5 5060 sip.example.com", "priority": "10"}, "name", "_service._protocol"),
    ({"type": "CAA", "name": "@", "value": '0 bogus "x"'}, "value", ""),
    ({"type": "TXT", "name": "www", "value": "ok", "ttl": "5"}, "ttl", ""),
    ({"type": "A", "name": "bad name", "value": "192.0.2.1"}, "name", ""),
]


@pytest.mark.parametrize("data, field, message", DNS_BAD)
def test_dns_records_are_checked_per_type(app, taro, data, field, message):
    before = counts(app)
    r = taro.post(f"/u/demo/domains/{taro.domain_id}/dns", data=data)
    assert r.status_code == 400
    beside = errors_beside(r.get_data(as_text=True), field)
    assert 'class="error"' in beside and message in beside
    assert counts(app) == before


def test_a_cname_cannot_share_its_name(app, taro):
    ok = taro.post(f"/u/demo/domains/{taro.domain_id}/dns", data={"type": "A", "name": "www", "value": "192.0.2.1"})
    assert ok.status_code == 302
    r = taro.post(f"/u/demo/domains/{taro.domain_id}/dns", data={"type": "CNAME", "name": "www",
                                                                 "value": "host.example.org"})
    assert r.status_code == 400 and "cannot share its name" in r.get_data(as_text=True)


def _limit(app, world, **limits):
    with scoped_session(app, Scope.system()) as s:
        course = s.get(Course, world.demo_course)
        for key, value in limits.items():
            setattr(course, key, value)
        s.commit()


def test_course_limits_hold_on_every_create(app, world, taro):
    _limit(app, world, max_domains=1, max_mail_accounts=1, max_mailing_lists=1, max_ftp_accounts=1,
           max_databases=1, max_dns_records=1)
    d = str(taro.domain_id)
    creates = [
        ("/u/demo/domains", {"name": "second.example.jp"}, None, "domains: 1 of 1 used"),
        ("/u/demo/mail", {"domain_id": d, "local_part": "a", "password": PASSWORD},
         {"domain_id": d, "local_part": "b", "password": PASSWORD}, "mail accounts: 1 of 1 used"),
        ("/u/demo/lists", {"domain_id": d, "local_part": "l1"}, {"domain_id": d, "local_part": "l2"},
         "mailing lists: 1 of 1 used"),
        ("/u/demo/ftp", {"name": "tarouser1", "password": PASSWORD}, {"name": "tarouser2", "password": PASSWORD},
         "FTP accounts: 1 of 1 used"),
        ("/u/demo/databases", {"engine": "mariadb", "name": "one"}, {"engine": "mariadb", "name": "two"},
         "databases: 1 of 1 used"),
        (f"/u/demo/domains/{d}/dns", {"type": "A", "name": "a", "value": "192.0.2.1"},
         {"type": "A", "name": "b", "value": "192.0.2.2"}, "DNS records: 1 of 1 used"),
    ]
    for url, first, second, message in creates:
        if first is not None and second is not None:
            r = taro.post(url, data=first)
            assert r.status_code in (200, 302), (url, r.get_data(as_text=True)[:3000])
        before = counts(app)
        r = taro.post(url, data=second or first)
        assert r.status_code == 400 and message in r.get_data(as_text=True), url
        assert counts(app) == before
    home = taro.get("/u/demo/home").get_data(as_text=True)
    for kind in ("domains", "mail_accounts", "mailing_lists", "ftp_accounts", "databases", "dns_records"):
        assert f'<tr data-kind="{kind}">' in home
        row = home.split(f'<tr data-kind="{kind}">')[1].split("</tr>")[0]
        assert row.count("<td>1</td>") == 2, (kind, row)


def test_https_only_where_the_course_allows_it(app, world, taro):
    _limit(app, world, https_allowed=False)
    r = taro.post(f"/u/demo/domains/{taro.domain_id}/https", data={"https": "y"}, follow_redirects=True)
    assert "Your course does not include HTTPS." in r.get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, taro.domain_id).https is False
    _limit(app, world, https_allowed=True)
    taro.post(f"/u/demo/domains/{taro.domain_id}/https", data={"https": "y"})
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, taro.domain_id).https is True


def test_names_taken_by_another_customer_are_refused(app, world, taro):
    with scoped_session(app, Scope.system()) as s:
        from tenants.models import Customer

        make_hosting(s, s.get(Customer, world.acme_customer), "hanako")
        s.commit()
    r = taro.post("/u/demo/domains", data={"name": "HANAKO.example.com"})
    assert r.status_code == 400 and "already registered" in errors_beside(r.get_data(as_text=True), "name")
    r = taro.post("/u/demo/ftp", data={"name": "hanakoftp", "password": PASSWORD})
    assert r.status_code == 400 and "already taken" in errors_beside(r.get_data(as_text=True), "name")


def test_an_idn_domain_is_stored_as_punycode_and_shown_as_typed(app, taro):
    assert taro.post("/u/demo/domains", data={"name": "例え.jp"}).status_code == 302
    with scoped_session(app, Scope.system()) as s:
        assert s.scalar(select(Domain.name).where(Domain.name.like("xn--%"))) == "xn--r8jz45g.jp"
    assert "例え.jp" in taro.get("/u/demo/domains").get_data(as_text=True)


def test_a_domain_with_mail_cannot_be_deleted_until_the_mail_is_gone(app, world, taro):
    taro.post("/u/demo/mail", data={"domain_id": str(taro.domain_id), "local_part": "a", "password": PASSWORD})
    r = taro.post(f"/u/demo/domains/{taro.domain_id}/delete", follow_redirects=True)
    assert "Delete the mail accounts of taro.example.jp first." in r.get_data(as_text=True)
    with scoped_session(app, Scope.system()) as s:
        assert s.get(Domain, taro.domain_id).deleting is False


def test_the_owner_reaches_each_of_their_own_objects(app, world, as_taro):
    """The walk's 404s come from scoping: the same routes with taro's own ids work."""
    from tests.test_isolation_walk import VICTIM_IDS, _url, id_rules

    with scoped_session(app, Scope.system()) as s:
        from tenants.models import Customer

        mine = make_hosting(s, s.get(Customer, world.demo_customer), "taro")
        s.commit()
    own = {"domain_id": mine["domain"], "mailbox_id": mine["mail"], "list_id": mine["list"],
           "account_id": mine["ftp"], "database_id": mine["database"], "directory_id": mine["protected"],
           "user_id": mine["protected_user"], "alias_id": mine["alias"], "restore_id": mine["backup_restore"],
           "sftp_id": mine["ssh"]}
    kinds = {"domains": "domain", "dns": "record", "mail": "mail", "lists": "list", "ftp": "ftp",
             "databases": "database", "protected": "protected", "aliases": "alias", "cron": "cron",
             "dkim": "dkim", "ssh": "ssh"}
    checked = 0
    for rule in id_rules(app):
        if not rule.endpoint.startswith("enduser.") or rule.endpoint == "enduser.session_end":
            continue  # ending one of one's own sessions is walked in tests/accounts
        values = VICTIM_IDS[rule.endpoint](world) if False else {}
        for arg in rule.arguments - {"code"}:
            if arg == "obj_id":
                values[arg] = mine[kinds[rule.endpoint.split(".")[1].rsplit("_", 1)[0]]]
            else:
                values[arg] = own[arg]
        url = _url(app, rule, {"code": "demo", **values})
        method = "GET" if "GET" in rule.methods else "POST"
        status = as_taro.open(url, method=method).status_code
        # 400: a form posted empty came back with its messages (reached, not refused as another's)
        assert status in (200, 302) or (status, method) == (400, "POST"), f"{method} {url} -> {status}"
        checked += 1
    assert checked >= 20


def test_editing_a_mailbox_and_a_lists_members_saves_new_wanted_state(app, taro):
    d = str(taro.domain_id)
    taro.post("/u/demo/mail", data={"domain_id": d, "local_part": "info", "password": PASSWORD})
    taro.post("/u/demo/lists", data={"domain_id": d, "local_part": "team", "members": "a@example.org"})
    with scoped_session(app, Scope.system()) as s:
        box = s.execute(select(MailAccount)).scalar_one()
        ml = s.execute(select(MailingList)).scalar_one()
        old_hash = box.password_hash
        s.execute(update(MailAccount).values(state="applied"))
        s.commit()
    r = taro.post(f"/u/demo/mail/{box.id}", data={"password": "", "quota_mb": "50",
                                                  "forwards": "x@example.org\ny@example.org"})
    assert r.status_code == 302
    r = taro.post(f"/u/demo/lists/{ml.id}", data={"members": "b@example.org\nc@EXAMPLE.org"})
    assert r.status_code == 302
    with scoped_session(app, Scope.system()) as s:
        box = s.get(MailAccount, box.id)
        assert (box.quota_mb, box.forward_list, box.keep_copy, box.state) == \
            (50, ["x@example.org", "y@example.org"], False, "pending")
        assert box.password_hash == old_hash  # empty password: kept
        assert [m.address for m in s.get(MailingList, ml.id).members] == ["b@example.org", "c@example.org"]
    r = taro.post(f"/u/demo/mail/{box.id}", data={"password": "weak", "quota_mb": "50"})
    assert r.status_code == 400 and "at least 10 characters" in errors_beside(r.get_data(as_text=True), "password")
