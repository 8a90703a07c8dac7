"""OpenDKIM's files from the driver: keys readable by OpenDKIM's group only, the tables, checked
with the real ``opendkim -n``; only what changed is written, a refused change leaves every file as
it was, and a key the rules refuse never reaches the server."""
from __future__ import annotations

import grp
import shutil

import pytest

from tenants.hosting.dkim import new_key
from tests.workers.drivers.local_helpers import need_tool, tree
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, DkimSigning

KEY, _PUBLIC = new_key()


@pytest.fixture(autouse=True)
def opendkim():
    need_tool("opendkim")


def test_keys_and_tables_are_written_checked_and_rewritten_only_when_changed(tmp_path):
    driver = LocalDriver(tmp_path / "cfg")
    result = driver.apply_dkim([DkimSigning("shop.example.jp", "mail2026", KEY), DkimSigning("a.example.com", "s1", KEY)])
    assert result.ok and "2 signing domain(s)" in result.detail
    directory = tmp_path / "cfg" / "opendkim"
    key_file = directory / "keys" / "shop.example.jp.mail2026.private"
    assert key_file.read_text() == KEY.strip() + "\n"
    assert key_file.stat().st_mode & 0o777 == 0o640 and key_file.stat().st_gid == grp.getgrnam("opendkim").gr_gid
    assert (f"mail2026._domainkey.shop.example.jp shop.example.jp:mail2026:{key_file}"
            in (directory / "KeyTable").read_text())
    assert "*@shop.example.jp mail2026._domainkey.shop.example.jp" in (directory / "SigningTable").read_text()
    assert "127.0.0.1" in (directory / "TrustedHosts").read_text()
    again = driver.apply_dkim([DkimSigning("shop.example.jp", "mail2026", KEY), DkimSigning("a.example.com", "s1", KEY)])
    assert again.detail.endswith("unchanged")
    # a domain no longer signing: its key file goes
    driver.apply_dkim([DkimSigning("shop.example.jp", "mail2026", KEY)])
    assert sorted(p.name for p in (directory / "keys").iterdir()) == ["shop.example.jp.mail2026.private"]


def test_a_refused_check_puts_every_file_back(tmp_path):
    LocalDriver(tmp_path / "cfg").apply_dkim([DkimSigning("shop.example.jp", "mail2026", KEY)])
    before = tree(tmp_path / "cfg" / "opendkim")
    refusing = LocalDriver(tmp_path / "cfg", tools={"opendkim": [shutil.which("false")]})
    with pytest.raises(ApplyError, match="opendkim -n failed"):
        refusing.apply_dkim([DkimSigning("shop.example.jp", "mail2027", KEY)])
    assert tree(tmp_path / "cfg" / "opendkim") == before


@pytest.mark.parametrize("item, message", [
    (DkimSigning("shop.example.jp", "mail.2026", KEY), "refused"),
    (DkimSigning("shop.example.jp", "mail 2026", KEY), "refused"),
    (DkimSigning("münchen.de", "s1", KEY), "not in its ASCII form"),
    (DkimSigning("shop.example.jp", "s1", "not a key"), "not a PEM private key"),
])
def test_what_the_rules_refuse_never_reaches_the_server(tmp_path, item, message):
    with pytest.raises(ApplyError, match=message):
        LocalDriver(tmp_path / "cfg").apply_dkim([item])
    assert not (tmp_path / "cfg" / "opendkim").exists()
