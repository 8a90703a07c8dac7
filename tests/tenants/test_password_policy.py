"""The password policy: length, characters, kinds, the login ID, and common or easily guessed ones."""
import pytest

from tenants.accounts.password_policy import generate_password, password_problems
from tests.conftest import DEMO_PASSWORDS

TOO_GUESSABLE = "This password is too common or too easy to guess."


def _messages(password, login_id=None):
    return [p.render() for p in password_problems(password, login_id)]


@pytest.mark.parametrize("password,login_id", [
    ("Password12", None), ("Passw0rd!", None), ("Qwerty123456", None), ("Welcome123", None),
    ("Aa12345678", None), ("P@ssw0rd2024", None), ("Summer2024!", None), ("Abcdefg123", None),
    ("Ikuzus-2026", "suzuki"), ("5uzuk1-2026", "suzuki"), ("D3mo-0p-2026", "demo-op"), ("Demo0p2026", "demo-op"),
])
def test_common_or_guessable_passwords_are_refused(password, login_id):
    assert any(m.startswith(TOO_GUESSABLE) for m in _messages(password, login_id)), password


def test_the_login_id_is_taken_into_account():
    assert _messages("Ikuzus-2026") == []  # fine for anyone else,
    assert _messages("Ikuzus-2026", "suzuki") != []  # but it is suzuki's login ID backwards


@pytest.mark.parametrize("password,login_id", [
    ("Brand-New-Pass-9", "taro"), ("kV7#pQ2!wLx9", None), ("Api-Typed-2026", "api-user"), ("Suzuk1-Ichiro-77", "suzuki"),
])
def test_strong_passwords_are_accepted(password, login_id):
    assert _messages(password, login_id) == []


@pytest.mark.parametrize("login_id,password", DEMO_PASSWORDS.items())
def test_the_demo_passwords_are_not_called_guessable(login_id, password):
    # (some contain their login ID, which the seed allows for the demo only)
    assert not any(m.startswith(TOO_GUESSABLE) for m in _messages(password, login_id))


def test_generated_passwords_pass():
    for _ in range(200):
        assert _messages(generate_password()) == []


def test_the_old_rules_still_hold():
    assert "Use at least 10 characters." in _messages("Sh0rt")
    assert "Use at least 10 characters." in _messages("")
    assert "The password must not contain the login ID." in _messages("Suzuki-2026-xyz", "suzuki")
    assert "Mix lower-case letters, upper-case letters and digits." in _messages("only-lower-case-words")
