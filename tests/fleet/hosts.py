"""Two remote hosts for the fleet tests, made by the test itself and taken down afterwards.

Each host is a network namespace with its own address on a private /24 (a bridge in the test's
namespace holds .1, the hosts .2 and .3; no traffic goes anywhere else), running Debian's
openssh-server (``sshd -D -f <test config>`` on the namespace's own address, host keys made
by the test, the panel's key in its authorized_keys) and a config root of its own (separate
folders on the same file system). Commands the panel runs over SSH run inside that namespace,
with the real nginx, postfix, bind9-utils and pure-ftpd tools; the machine's MariaDB and
PostgreSQL are reached there through their unix sockets, which cross network namespaces.

``Hosts`` makes any number of them (the benchmarks make 20): one namespace each, or several hosts
sharing one namespace, each with its own address and its own sshd listening only there.

The test sshd sets SHLVL=1 for its sessions, so the remote user's bash (started by sshd to run each
command) is not a top-level shell and does not source ~/.bashrc: on this machine root's .bashrc
runs ``pyenv init``, which cost ~150 ms per command over SSH (a median of 200 ms per command
against 52 ms without it).

Names carry a random tag, so parallel runs never clash. ``ip`` and ``sshd`` missing: the test
fails under CI=true and is skipped elsewhere.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tenants.servers.ssh_keys import generate_key_pair
from tests.support import require_service

SSHD = "/usr/sbin/sshd"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def tools_present() -> bool:
    return shutil.which("ip") is not None and os.path.exists(SSHD) and os.geteuid() == 0


def free_subnet() -> ipaddress.IPv4Network:
    used = ip("-o", "-4", "addr").stdout
    for _ in range(50):
        net = ipaddress.ip_network(f"10.{secrets.choice(range(200, 250))}.{secrets.randbelow(256)}.0/24")
        if f" {net.network_address + 1}/" not in used and str(net)[:-5] not in used:
            return net
    raise RuntimeError("no free private /24 for the test hosts")


@dataclass
class RemoteHost:
    label: str
    netns: str
    address: str
    root: Path                          # this host's own folders (config, homes, logs)
    panel_address: str
    host_key: str = ""                  # "ssh-ed25519 AAAA…" (public), what the panel pins
    authorized: list[str] = field(default_factory=list)
    sshd: subprocess.Popen | None = None

    @property
    def ssh_dir(self) -> Path:
        return self.root / "ssh"

    def authorize(self, public_line: str) -> None:
        """The line the provider pastes (README, "Adding a server"): the panel's key, root login,
        only from the panel's address."""
        self.authorized.append(f'from="{self.panel_address}",no-agent-forwarding,no-port-forwarding,'
                               f"no-X11-forwarding {public_line}")
        (self.ssh_dir / "authorized_keys").write_text("\n".join(self.authorized) + "\n")

    def write_config(self) -> Path:
        private, public = generate_key_pair("test host key")
        key = self.ssh_dir / "ssh_host_ed25519_key"
        key.write_text(private)
        key.chmod(0o600)
        self.host_key = " ".join(public.split()[:2])
        (self.ssh_dir / "authorized_keys").touch()
        config = self.ssh_dir / "sshd_config"
        config.write_text("\n".join([
            f"ListenAddress {self.address}", "Port 22", f"HostKey {key}", f"PidFile {self.ssh_dir}/sshd.pid",
            f"AuthorizedKeysFile {self.ssh_dir}/authorized_keys", "PermitRootLogin prohibit-password",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
            "Subsystem sftp internal-sftp", "PrintMotd no", "MaxSessions 50", "MaxStartups 50:30:100",
            "LogLevel VERBOSE", "SetEnv SHLVL=1", "",
        ]))
        return config

    def start_sshd(self) -> None:
        log = self.ssh_dir / "sshd.log"
        self.sshd = subprocess.Popen(["ip", "netns", "exec", self.netns, SSHD, "-D", "-e", "-f",
                                      str(self.ssh_dir / "sshd_config")],
                                     stdout=subprocess.DEVNULL, stderr=open(log, "ab"), start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.sshd.poll() is not None:
                raise AssertionError(f"sshd of host {self.label} exited: {log.read_text()[-2000:]}")
            try:
                with socket.create_connection((self.address, 22), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"sshd of host {self.label} does not answer on {self.address}:22")

    def stop_sshd(self) -> None:
        if self.sshd is not None and self.sshd.poll() is None:
            os.killpg(self.sshd.pid, signal.SIGKILL)  # sshd and the sessions it started for us
            self.sshd.wait(10)
        self.sshd = None

    def kill_everything(self) -> None:
        """End every process still inside this host's namespace (sessions sshd started for the
        panel, a service a test restarted there): all of them were started by the test."""
        for _ in range(20):
            pids = [int(p) for p in ip("netns", "pids", self.netns, check=False).stdout.split() if p.isdigit()]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)

    def connections(self) -> int:
        """SSH connections this host's sshd accepted so far (from its own log)."""
        log = self.ssh_dir / "sshd.log"
        return log.read_text(errors="replace").count("Accepted publickey") if log.exists() else 0

    def link(self, up: bool) -> None:
        """Pull (or put back) the host's network cable."""
        ip("-n", self.netns, "link", "set", "eth0", "up" if up else "down")

    def exec(self, *argv: str) -> subprocess.CompletedProcess:
        """Run a command inside the host (as its own checks would), for assertions."""
        return subprocess.run(["ip", "netns", "exec", self.netns, *argv], capture_output=True, text=True, timeout=60)


class Hosts:
    """Context manager: a bridge, the namespaces, an sshd per host; all removed on exit.
    ``shared``: all hosts in one namespace (one address and one sshd each)."""

    def __init__(self, labels, base: Path | None = None, shared: bool = False):
        require_service(tools_present(), "ip (iproute2), openssh-server and root for the two-host tests")
        labels = list(labels)
        if not 0 < len(labels) <= 250:
            raise ValueError("1 to 250 hosts on one /24")
        self.tag = secrets.token_hex(3)
        self.net = free_subnet()
        self.bridge = f"brf{self.tag}"
        self.base = Path(base or tempfile.mkdtemp(prefix=f"fleet-{self.tag}-"))
        self.base.chmod(0o755)
        panel = str(self.net.network_address + 1)
        self.panel_address = panel
        self.hosts = {label: RemoteHost(label, f"fleet-{self.tag}-{'all' if shared else label}",
                                        str(self.net.network_address + n), self.base / label, panel)
                      for n, label in enumerate(labels, start=2)}
        self.namespaces = list(dict.fromkeys(host.netns for host in self.hosts.values()))

    def __enter__(self) -> "Hosts":
        try:
            self._create()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _veth(self, index: int) -> str:
        return f"vf{self.tag}{index}"

    def _create(self) -> None:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.panel_address}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for index, netns in enumerate(self.namespaces):
            ip("netns", "add", netns)
            ip("link", "add", self._veth(index), "type", "veth", "peer", "name", "eth0", "netns", netns)
            ip("link", "set", self._veth(index), "master", self.bridge, "up")
            ip("-n", netns, "link", "set", "eth0", "up")
            ip("-n", netns, "link", "set", "lo", "up")
        for host in self.hosts.values():
            ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
            host.ssh_dir.mkdir(parents=True)
            host.root.chmod(0o755)
            host.write_config()
            host.start_sshd()

    def __exit__(self, *exc) -> None:
        for host in self.hosts.values():
            try:
                host.stop_sshd()
            except Exception:  # noqa: BLE001 - keep cleaning up
                pass
        first = {}
        for host in self.hosts.values():
            first.setdefault(host.netns, host)
        for index, netns in enumerate(self.namespaces):
            first[netns].kill_everything()
            ip("netns", "del", netns, check=False)
            ip("link", "del", self._veth(index), check=False)
        ip("link", "del", self.bridge, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def __getitem__(self, label: str) -> RemoteHost:
        return self.hosts[label]


class TwoHosts(Hosts):
    """Hosts A and B, each in a namespace of its own."""

    def __init__(self, base: Path | None = None):
        super().__init__(("a", "b"), base)
