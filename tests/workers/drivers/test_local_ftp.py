"""FTP: pure-ftpd virtual users compiled with pure-pw, logged in to a real pure-ftpd."""
from __future__ import annotations

import ftplib
import os
import shutil

import pytest

from tenants.hosting.account_names import ftp_password_hash
from tests.workers.drivers.local_helpers import (
    OTHER_PASSWORD,
    PASSWORD,
    free_port,
    need_tool,
    running,
    tree,
    world_readable_dir,
)
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, FtpUser

HASH = ftp_password_hash(PASSWORD)
UID = 54321


@pytest.fixture
def pure_pw():
    return need_tool("pure-pw")


def test_virtual_users_are_written_compiled_and_applied_idempotently(tmp_path, pure_pw):
    home = tmp_path / "home"
    (home / "www").mkdir(parents=True)
    driver = LocalDriver(tmp_path / "cfg")
    users = [FtpUser("web1", HASH, "www", str(home), UID, UID), FtpUser("all", HASH, "", str(home), UID, UID)]
    assert driver.apply_ftp(users).ok
    text = (tmp_path / "cfg" / "ftp" / "pureftpd.passwd").read_text()
    assert f"web1:{HASH}:{UID}:{UID}::{home.resolve()}/www/./::::::::::::\n" in text
    assert f"all:{HASH}:{UID}:{UID}::{home.resolve()}/./::::::::::::\n" in text
    assert (tmp_path / "cfg" / "ftp" / "pureftpd.pdb").stat().st_size > 0
    before = tree(tmp_path / "cfg")
    assert driver.apply_ftp(users).detail.endswith("unchanged")
    assert tree(tmp_path / "cfg") == before


def test_login_confined_to_the_home_in_a_running_pure_ftpd(tmp_path, pure_pw):
    pure_ftpd = need_tool("pure-ftpd")
    if os.geteuid() != 0:
        pytest.skip("pure-ftpd with virtual users needs root")
    base = world_readable_dir("panel-ftp-")
    try:
        home = base / "customer"
        (home / "www").mkdir(parents=True)
        (home / "www" / "index.html").write_text("hello\n")
        (home / "private.txt").write_text("outside the FTP home\n")
        for path in (home, home / "www", home / "www" / "index.html"):
            os.chown(path, UID, UID)
        driver = LocalDriver(tmp_path / "cfg")
        driver.apply_ftp([FtpUser("web1", HASH, "www", str(home), UID, UID)])
        port = free_port()
        pdb = tmp_path / "cfg" / "ftp" / "pureftpd.pdb"
        argv = [pure_ftpd, "-l", f"puredb:{pdb}", "-S", f"127.0.0.1,{port}", "-E", "-A", "-H",
                "-p", f"{port + 1}:{port + 20}", "-u", "1000"]
        with running(argv, port):
            ftp = ftplib.FTP()
            ftp.connect("127.0.0.1", port, timeout=10)
            ftp.login("web1", PASSWORD)
            assert ftp.pwd() == "/"
            assert sorted(n for n in ftp.nlst() if n not in (".", "..")) == ["index.html"]
            ftp.cwd("..")  # chrooted: the parent of / is / again
            assert "private.txt" not in ftp.nlst()
            ftp.quit()
            ftp = ftplib.FTP()
            ftp.connect("127.0.0.1", port, timeout=10)
            with pytest.raises(ftplib.error_perm, match="530"):
                ftp.login("web1", OTHER_PASSWORD)
            ftp.close()
    finally:
        shutil.rmtree(base)


def test_homes_outside_the_customer_home_are_refused(tmp_path, pure_pw):
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "other").mkdir()
    os.symlink(tmp_path / "other", home / "link")
    cases = [
        (FtpUser("web1", HASH, "../other", str(home), UID, UID), "'..'"),
        (FtpUser("web1", HASH, "link", str(home), UID, UID), "outside your home"),
        (FtpUser("web1", HASH, "link/sub", str(home), UID, UID), "outside your home"),
        (FtpUser("web1", HASH, str(tmp_path / "other"), str(home), UID, UID), "not inside"),
        (FtpUser("web1", HASH, f"{home}/../other", str(home), UID, UID), "FTP home"),
        (FtpUser("web1", HASH, "www", "relative/home", UID, UID), "customer home"),
        (FtpUser("web1", HASH, "www", str(home), 0, 0), "uid"),
        (FtpUser("web1", HASH, "www", str(home), UID, 999), "gid"),
        (FtpUser("root", HASH, "www", str(home), UID, UID), "reserved"),
        (FtpUser("we:b", HASH, "www", str(home), UID, UID), "Use lower-case letters"),
        (FtpUser("web1", "{PLAIN}x", "www", str(home), UID, UID), "crypt(3)"),
        (FtpUser("web1", HASH + ":0:0", "www", str(home), UID, UID), "crypt(3)"),
    ]
    for user, message in cases:
        with pytest.raises(ApplyError) as caught:
            LocalDriver(tmp_path / "cfg").apply_ftp([user])
        assert message in str(caught.value), user
    assert not (tmp_path / "cfg").exists()


def test_duplicate_users_are_refused(tmp_path):
    users = [FtpUser("web1", HASH, "", str(tmp_path), UID, UID), FtpUser("Web1", HASH, "", str(tmp_path), UID, UID)]
    with pytest.raises(ApplyError, match="listed twice"):
        LocalDriver(tmp_path / "cfg").apply_ftp(users)


def test_a_user_whose_folder_became_a_link_out_of_the_home_is_left_out_and_the_others_applied(tmp_path, pure_pw):
    one, two = tmp_path / "homes" / "1", tmp_path / "homes" / "2"
    (one / "www").mkdir(parents=True)
    (two / "www").mkdir(parents=True)
    driver = LocalDriver(tmp_path / "cfg")
    users = [FtpUser("one", HASH, "www", str(one), UID, UID), FtpUser("two", HASH, "www", str(two), UID, UID)]
    driver.apply_ftp(users)
    # the first customer replaces its folder with a link to the other customer's files
    shutil.rmtree(one / "www")
    os.symlink(two, one / "www")
    result = driver.apply_ftp(users + [FtpUser("three", HASH, "www", str(two), UID, UID)])
    assert list(result.left_out) == ["one"] and not result.left_out["one"].served
    assert "outside your home" in str(result.left_out["one"].error)
    passwd = (tmp_path / "cfg" / "ftp" / "pureftpd.passwd").read_text()
    assert "three:" in passwd and "two:" in passwd and "one:" not in passwd
