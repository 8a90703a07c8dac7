"""A BMC for the level-2 power tests: Debian's ``ipmi_sim`` (package openipmi) on a loopback UDP
port, speaking IPMI 2.0 over LAN with one admin user. Its chassis control is a small script of the
test's: every power change the BMC is asked for is appended to ``events`` (the marker the tests
read to see that a power cycle really happened) and the power state is kept in ``power``."""
from __future__ import annotations

import errno
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers.process import START_TIMEOUT, ServerProcess, find_binary, unavailable

CHASSIS = """#!/bin/sh
# ipmi_sim chassis control: <device> get <parm>... | <device> set <parm> <value>...
dir=$(dirname "$0")
shift
op=$1
shift
case $op in
get)
    for parm in "$@"; do
        case $parm in
            power) echo "power:$(cat "$dir/power")" ;;
            boot) echo "boot:default" ;;
            *) echo "Invalid parameter: $parm"; exit 1 ;;
        esac
    done ;;
set)
    while [ $# -ge 2 ]; do
        echo "$1 $2" >> "$dir/events"
        [ "$1" = power ] && echo "$2" > "$dir/power"
        shift 2
    done ;;
*) echo "Unknown operation: $op"; exit 1 ;;
esac
"""

LAN_CONF = """name "panelbmc"
set_working_mc 0x20
startlan 1
  addr 127.0.0.1 {port}
  priv_limit admin
  allowed_auths_callback md5
  allowed_auths_user md5
  allowed_auths_operator md5
  allowed_auths_admin md5
  guid a123456789abcdefa123456789abcdef
endlan
chassis_control "{directory}/chassis 0x20"
user 2 true "{user}" "{password}" admin 10 md5
"""

EMU = """mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
mc_enable 0x20
"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def udp_bound(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
        return False


@dataclass
class IpmiSim:
    directory: Path
    binary: str
    user: str = "paneladmin"
    password: str = "Bmc-Pass-2026"
    port: int = 0
    process: ServerProcess | None = field(default=None, repr=False)

    def start(self) -> None:
        self.port = self.port or free_udp_port()
        chassis = self.directory / "chassis"
        chassis.write_text(CHASSIS)
        chassis.chmod(0o755)
        (self.directory / "power").write_text("1\n")
        (self.directory / "lan.conf").write_text(LAN_CONF.format(port=self.port, directory=self.directory,
                                                                 user=self.user, password=self.password))
        (self.directory / "bmc.emu").write_text(EMU)
        (self.directory / "state").mkdir(exist_ok=True)
        self.process = ServerProcess("ipmi_sim", [self.binary, "-c", str(self.directory / "lan.conf"),
                                                  "-f", str(self.directory / "bmc.emu"),
                                                  "-s", str(self.directory / "state"), "-n"],
                                     [], self.directory / "ipmi_sim.log", cwd=self.directory)
        self.process.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not udp_bound(self.port):
            if not self.process.running or time.monotonic() > deadline:
                log = self.process.log_tail()
                self.process.stop()
                raise RuntimeError(f"ipmi_sim did not listen on UDP {self.port}:\n{log}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def events(self) -> list[str]:
        """The power changes the BMC carried out, in order ("power 0", "power 1", ...)."""
        try:
            return (self.directory / "events").read_text().splitlines()
        except FileNotFoundError:
            return []

    def power(self) -> str:
        return "on" if (self.directory / "power").read_text().strip() == "1" else "off"


@pytest.fixture
def ipmi_sim():
    binary = find_binary("ipmi_sim")
    if binary is None:
        unavailable("ipmi_sim (Debian openipmi) is not installed")
    sim = IpmiSim(Path(tempfile.mkdtemp(prefix="ipmi-sim-")), binary)
    sim.start()
    yield sim
    sim.stop()
    shutil.rmtree(sim.directory, ignore_errors=True)
