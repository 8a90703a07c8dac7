"""Account names, database identifiers, paths under a home, and service password hashes."""
from __future__ import annotations

import os

import bcrypt
import pytest
from argon2 import PasswordHasher

from tenants.errors import RuleViolation
from tenants.hosting import account_names as names


def refused(call, *args, **kwargs):
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)
    return caught.value.problems[0]


@pytest.mark.parametrize("typed, expected", [
    ("info", "info"), ("John.Smith", "john.smith"), ("a_b-c", "a_b-c"), ("x" * 64, "x" * 64), ("7", "7"),
])
def test_good_local_parts(typed, expected):
    assert names.mailbox_local_part(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("", "Enter the part before the @."),
    ("x" * 65, "at most 64 characters"),
    ("a..b", "Use lower-case letters"),
    (".a", "Use lower-case letters"),
    ("a.", "Use lower-case letters"),
    ("a+b", "Use lower-case letters"),  # + is the recipient delimiter
    ("a b", "Use lower-case letters"),
    ("a@b", "Use lower-case letters"),
    ("ü", "Use lower-case letters"),
    ("a,b", "Use lower-case letters"),
])
def test_bad_local_parts(typed, message):
    problem = refused(names.mailbox_local_part, typed, field="local_part")
    assert message in problem.render() and problem.field == "local_part"


@pytest.mark.parametrize("typed, expected", [
    ("Info@Example.COM", "info@example.com"),
    ("info@münchen.de", "info@xn--mnchen-3ya.de"),
])
def test_hosted_addresses(typed, expected):
    assert names.hosted_address(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("Some.One+tag@Example.NET", "Some.One+tag@example.net"),  # foreign local parts keep their case
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("user@例え.テスト", "user@xn--r8jz45g.xn--zckzah"),
])
def test_external_addresses(typed, expected):
    assert names.email_address(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("no-at-sign", "Enter an e-mail address"),
    ("a@b@example.com", "Enter an e-mail address"),
    ("@example.com", "Enter an e-mail address"),
    ('"quoted"@example.com', "is not a valid e-mail address"),
    ("a..b@example.com", "is not a valid e-mail address"),
    ("a,b@example.com", "is not a valid e-mail address"),
    ("a b@example.com", "is not a valid e-mail address"),
    ("user@[192.0.2.1]", "not an IP address"),
    ("user@localhost", "full domain name"),
    ("x" * 65 + "@example.com", "is not a valid e-mail address"),
    ("x" * 10 + "@" + ".".join(["a" * 60] * 4) + ".com", "at most 254 characters"),
])
def test_bad_external_addresses(typed, message):
    problem = refused(names.email_address, typed, field="forward")
    assert message in problem.render() and problem.field == "forward"


@pytest.mark.parametrize("typed, expected", [("web1", "web1"), ("Shop.Admin", "shop.admin"), ("a" * 32, "a" * 32)])
def test_good_service_users(typed, expected):
    assert names.service_user(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("", "Enter a user name."), ("1web", "starting with a letter"), ("web-", "starting with a letter"),
    ("we b", "starting with a letter"), ("web:1", "starting with a letter"), ("a" * 33, "at most 32"),
    ("root", "is reserved"), ("anonymous", "is reserved"), ("ftp", "is reserved"),
])
def test_bad_service_users(typed, message):
    problem = refused(names.service_user, typed)
    assert message in problem.render() and problem.field == "name"


@pytest.mark.parametrize("typed, ok", [
    ("Alice", True), ("alice@example.com", True), ("a.b_c-d", True), ("a:b", False), ("a b", False),
    ("", False), ("a" * 65, False), ("ä", False),
])
def test_htpasswd_users(typed, ok):
    if ok:
        assert names.htpasswd_user(typed) == typed
    else:
        refused(names.htpasswd_user, typed)


@pytest.mark.parametrize("typed, ok", [
    ("Members only", True), ("会員専用", True), ('say "x"', False), ("a;b", False), ("$host", False),
    ("a\nb", False), ("", False), ("x" * 65, False),
])
def test_auth_realms(typed, ok):
    if ok:
        assert names.auth_realm(typed) == typed
    else:
        refused(names.auth_realm, typed)


DB_GOOD = [
    ("mariadb", "shop_db1", "x" * 64, "shop_user", "u" * 80),
    ("postgresql", "shop_db1", "x" * 63, "shop_user", "u" * 63),
]


@pytest.mark.parametrize("engine, name, longest_name, user, longest_user", DB_GOOD)
def test_database_names_at_each_engines_limit(engine, name, longest_name, user, longest_user):
    assert names.database_name(name, engine) == name
    assert names.database_name(longest_name, engine) == longest_name
    assert names.database_user(user, engine) == user
    assert names.database_user(longest_user, engine) == longest_user
    assert "at most" in refused(names.database_name, longest_name + "x", engine).render()
    assert "at most" in refused(names.database_user, longest_user + "x", engine).render()


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
@pytest.mark.parametrize("typed, message", [
    ("", "Enter a name."), ("Shop", "lower-case"), ("1shop", "starting with a letter"),
    ("shop-db", "lower-case"), ("shop`db", "lower-case"), ('shop"db', "lower-case"),
    ("shop db", "lower-case"), ("shop;drop", "lower-case"), ("shop%", "lower-case"), ("_shop", "lower-case"),
    ("mysql", "reserved"), ("information_schema", "reserved"), ("postgres", "reserved"),
    ("template1", "reserved"),
])
def test_bad_database_names(engine, typed, message):
    problem = refused(names.database_name, typed, engine)
    assert message in problem.render() and problem.field == "name"


@pytest.mark.parametrize("typed", ["pg_monitor", "root", "public", "current_user", "mariadb_sys"])
def test_reserved_database_users(typed):
    problem = refused(names.database_user, typed, "postgresql")
    assert "reserved" in problem.render() and problem.field == "user"


@pytest.mark.parametrize("typed, ok", [
    ("a" * 64, True), ("a_" * 21 + "a" * 1, True), ("a_" * 21 + "a" * 2, False), ("a" + "_" * 32, False),
])
def test_mariadb_underscores_count_twice(typed, ok):
    """GRANT ON `a\\_b`.* escapes each '_' and MariaDB limits the escaped name to 64 characters."""
    if ok:
        assert names.database_name(typed, "mariadb") == typed
    else:
        assert "each '_' counting as two" in refused(names.database_name, typed, "mariadb").render()
    assert names.database_name(typed[:63], "postgresql") == typed[:63]


def test_unknown_engine():
    assert refused(names.database_name, "shop", "oracle").field == "engine"


@pytest.mark.parametrize("typed, expected", [
    ("", ""), (".", ""), ("public_html", "public_html"), ("./www//public/", "www/public"),
    ("sites/blog.example.com", "sites/blog.example.com"), (".well-known/acme", ".well-known/acme"),
])
def test_good_relative_paths(typed, expected):
    assert names.relative_path(typed) == expected


@pytest.mark.parametrize("typed, message", [
    ("/etc", "relative to your home"), ("~root", "relative to your home"), ("..", "'..'"),
    ("www/../../etc", "'..'"), ("a/..", "'..'"), ("a\x00b", "control characters"),
    ("a\nb", "control characters"), ("a\\b", "Use '/'"), ("a b", "folder names"), ("a;b", "folder names"),
    ("$x", "folder names"), ("x" * 256, "at most 255"), ("a/" * 600, "at most 1024"),
])
def test_bad_relative_paths(typed, message):
    problem = refused(names.relative_path, typed, field="docroot")
    assert message in problem.render() and problem.field == "docroot"


def test_resolve_under_follows_symlinks_and_stays_home(tmp_path):
    home = tmp_path / "home"
    (home / "www").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    os.symlink(tmp_path / "secret", home / "escape")
    os.symlink(home / "www", home / "site")
    os.symlink("/", home / "www" / "root")
    assert names.resolve_under(home, "") == home.resolve()
    assert names.resolve_under(home, "www/public") == home.resolve() / "www" / "public"  # need not exist
    assert names.resolve_under(home, "site") == home.resolve() / "www"
    for sneaky in ("escape", "escape/x", "site/root/etc", "www/root"):
        assert "outside your home" in refused(names.resolve_under, home, sneaky).render()


def test_resolve_under_a_home_that_is_itself_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert names.resolve_under(tmp_path / "link", "www") == (tmp_path / "real" / "www")


def test_mail_hash_is_argon2id_in_dovecot_form():
    hashed = names.mail_password_hash("Correct-Horse7")
    assert hashed.startswith("{ARGON2ID}$argon2id$")
    assert PasswordHasher().verify(hashed[len("{ARGON2ID}"):], "Correct-Horse7")


def test_bcrypt_hash_verifies_and_refuses_long_or_weak_passwords():
    hashed = names.bcrypt_password_hash("Correct-Horse7")
    assert hashed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"Correct-Horse7", hashed.encode())
    assert not bcrypt.checkpw(b"Correct-Horse8", hashed.encode())
    long_but_strong = "Kumo-Hare-Sora-73-Yama-Kawa-Umi-Mori-Hoshi-Tsuki-Sakura-Fuji-Tokyo-Osaka!"  # 73 bytes
    assert "at most 72" in refused(names.bcrypt_password_hash, long_but_strong).render()
    assert refused(names.ftp_password_hash, "short").msgid == "Use at least %(n)s characters."
    assert refused(names.mail_password_hash, "alllowercase").field == "password"
