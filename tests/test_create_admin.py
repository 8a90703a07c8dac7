"""Starting from an empty install: `flask --app app create-admin` makes the first provider login on a
freshly migrated database (password typed twice, or generated and shown once); bad input is refused
with a clear message and nothing saved; the demo is then never seeded over it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tenants.models import AuditLog, Principal
from tenants.tenancy import Scope
from tests.support import login, scoped_session

PASSWORD = "Kasumi-Teahouse-48"


def rows(app, model, *where) -> int:
    with scoped_session(app, Scope.system()) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def create_admin(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["create-admin", *args], input=input)


def test_the_first_admin_is_created_on_an_empty_database_and_logs_in(empty_app):
    assert rows(empty_app, Principal) == 0
    result = create_admin(empty_app, input=f"Boss\n{PASSWORD}\n{PASSWORD}\n")  # login ID asked for, too
    assert result.exit_code == 0, result.output
    assert "Provider login 'boss' created" in result.output
    assert PASSWORD not in result.output  # typed passwords are never echoed

    browser = empty_app.test_client()
    login(browser, "provider", "boss", PASSWORD)
    page = browser.get("/admin/").get_data(as_text=True)
    assert "boss" in page
    assert "boss" in browser.get("/admin/staff").get_data(as_text=True)
    with scoped_session(empty_app, Scope.system()) as s:
        entry = s.execute(select(AuditLog).where(AuditLog.action == "staff.create")).scalar_one()
        assert entry.actor == "system" and "create-admin" in entry.summary
        stored = s.execute(select(Principal.password_hash).where(Principal.login_id == "boss")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored

    from workers.cli import seed_on_first_start  # make run afterwards: the demo is not seeded over it

    said = []
    with empty_app.app_context():
        assert seed_on_first_start(said.append) is False
    assert rows(empty_app, Principal) == 1


def test_a_generated_password_is_shown_once_and_works(empty_app):
    result = create_admin(empty_app, "--login-id", "ops-lead", "--name", "運用リーダー", "--generate")
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output  # nothing was asked
    (password,) = re.findall(r"shown only this once; keep it safe\): (\S+)", result.output)
    assert result.output.count(password) == 1
    login(empty_app.test_client(), "provider", "ops-lead", password)
    assert rows(empty_app, Principal, Principal.display_name == "運用リーダー") == 1


@pytest.mark.parametrize("args,typed,said", [
    (["--login-id", "boss"], f"{PASSWORD}\n{PASSWORD}x\n", "Password (again): The two passwords differ."),
    (["--login-id", "boss"], "Password123\nPassword123\n", "Password: This password is too common"),
    (["--login-id", "boss"], "short\nshort\n", "Password: Use at least 10 characters."),
    (["--login-id", "boss"], "Boss-Kasumi-48\nBoss-Kasumi-48\n", "Password: The password must not contain the login ID."),
    (["--login-id", "Big Boss", "--generate"], None, "Login ID: Use 3 to 64 characters"),
    (["--login-id", "boss", "--email", "not-an-address", "--generate"], None, "Email: Enter a valid email address."),
])
def test_bad_input_is_refused_and_nothing_saved(empty_app, args, typed, said):
    result = create_admin(empty_app, *args, input=typed)
    assert result.exit_code == 1
    assert said in result.output and "Nothing was saved." in result.output
    assert rows(empty_app, Principal) == 0 and rows(empty_app, AuditLog) == 0


def test_an_existing_login_id_is_refused_before_a_password_is_asked(empty_app):
    assert create_admin(empty_app, "--login-id", "boss", "--generate").exit_code == 0
    result = create_admin(empty_app, "--login-id", "BOSS")  # login IDs are lower case: the same one
    assert result.exit_code == 1
    assert "Login ID: This login ID is already in use." in result.output and "Password" not in result.output
    assert rows(empty_app, Principal) == 1 and rows(empty_app, AuditLog, AuditLog.action == "staff.create") == 1


def test_a_database_not_migrated_yet_is_refused_with_what_to_do(tmp_path, redis_url):
    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "REDIS_URL": redis_url,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "TESTING": True})
    try:
        result = create_admin(app, "--login-id", "boss", "--generate")
        assert result.exit_code == 1
        assert "flask --app app migrate" in result.output and "Nothing was saved." in result.output
    finally:
        app.extensions["panel.engine"].dispose()
