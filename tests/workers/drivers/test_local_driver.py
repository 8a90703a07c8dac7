"""The driver's own plumbing: tools, commands without a shell, clear errors."""
from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

from workers.drivers.host import driver as driver_module
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, FtpUser, Mailbox, VirtualHost, Zone

PACKAGE = Path(driver_module.__file__).parent
OUR_MODULES = ["spec.py", "files.py", "nginx.py", "postfix.py", "dovecot.py", "ftp.py", "dns.py", "htpasswd.py",
               "databases.py", "driver.py", "isolation.py"]


def calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = ast.unparse(func)
            yield node, name


@pytest.mark.parametrize("module", OUR_MODULES)
def test_no_shell_anywhere_and_processes_only_from_the_driver(module):
    tree = ast.parse((PACKAGE / module).read_text())
    for node, name in calls(tree):
        assert name not in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"), name
        for keyword in node.keywords:
            assert keyword.arg != "shell", f"{module}:{node.lineno} passes shell="
        if name.startswith("subprocess."):
            assert module == "driver.py", f"{module}:{node.lineno} starts a process"
    for node in ast.walk(tree):
        if isinstance(node, ast.List):
            items = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            assert not ({"sh", "bash", "/bin/sh"} & set(items) and "-c" in items), f"{module}: shell argv"


def test_run_takes_argument_lists_only(tmp_path):
    driver = LocalDriver(tmp_path)
    with pytest.raises(TypeError):
        driver.run("echo hello", "echo")
    assert driver.run([shutil.which("echo"), "a b; c"], "echo") == "a b; c"


def test_failing_and_slow_commands_give_clear_errors(tmp_path):
    driver = LocalDriver(tmp_path, timeout=0.5)
    with pytest.raises(ApplyError) as caught:
        driver.run([sys.executable, "-c", "import sys; print('it broke', file=sys.stderr); sys.exit(3)"], "tool")
    assert "tool failed (exit status 3)" in str(caught.value)
    assert caught.value.output == "it broke"
    with pytest.raises(ApplyError, match="did not finish within 0.5 s"):
        driver.run([sys.executable, "-c", "import time; time.sleep(5)"], "sleeper")


@pytest.mark.parametrize("tool, call", [
    ("nginx", lambda d: d.apply_web([VirtualHost("a.example.com", "/srv/a")])),
    ("postmap", lambda d: d.apply_mail([Mailbox("a@example.com", "{BLF-CRYPT}" + "$2b$12$" + "x" * 53)])),
    ("pure-pw", lambda d: d.apply_ftp([FtpUser("web1", "$2b$12$" + "x" * 53, "", "/srv/home", 2000, 2000)])),
    ("named-checkzone", lambda d: d.apply_dns([Zone("example.com", 1)])),
])
def test_each_service_reports_a_missing_tool_and_writes_nothing(tmp_path, tool, call):
    config_dir = tmp_path / "cfg"
    driver = LocalDriver(config_dir, tools={tool: [f"/nonexistent/{tool}"]}, nameservers=["ns1.example.net"])
    with pytest.raises(ApplyError) as caught:
        call(driver)
    assert f"/nonexistent/{tool} is not installed on this server" in str(caught.value)
    assert driver_module.PACKAGES[tool] in str(caught.value)
    assert not config_dir.exists() or not any(p.is_file() for p in config_dir.rglob("*"))


@pytest.mark.parametrize("kwargs, message", [
    ({"http_listen": ["80; include /etc/passwd"]}, "listen address"),
    ({"mail_root": "relative"}, "mail root"),
    ({"postfix_map_type": "mysql"}, "map type"),
    ({"secret_group": "no-such-group-here"}, "no group"),
    ({"nginx_user": "root;"}, "system user"),
])
def test_bad_driver_settings_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ApplyError, match=message):
        LocalDriver(tmp_path / "cfg", **kwargs)
    assert not (tmp_path / "cfg").exists()
