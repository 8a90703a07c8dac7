"""Starting and stopping the test servers as child processes of the test run, on free ports."""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
_running: set["ServerProcess"] = set()


def unavailable(message: str):
    """A server cannot be started here: a hard failure in CI, a skip on a developer machine."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def find_binary(name: str, *extra_dirs: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", *extra_dirs])
    return shutil.which(name, path=path)


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports free right now (held together while choosing, so they are distinct)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def as_user(name: str | None) -> dict:
    """Popen arguments that run a child as `name` (only possible, and only needed, as root)."""
    if not name or os.geteuid() != 0:
        return {}
    return {"user": name, "group": name, "extra_groups": []}


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a live process; None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[19]))


def _parent_of(pid: int) -> int | None:
    stat = _stat(pid)
    return stat[0] if stat else None


def descendants(root: int) -> dict[int, int]:
    """Live processes below `root`, pid -> start time (from /proc; empty where /proc is missing)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        parent = _parent_of(int(entry.name))
        if parent is not None:
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return {pid: stat[1] for pid in found if (stat := _stat(pid))}


class ServerProcess:
    """One server as a child process: start() waits until all its ports accept, stop() waits for exit."""

    def __init__(self, name: str, argv: list[str], ports: list[int], log_file: Path, cwd: Path | None = None,
                 run_as: str | None = None, stop_signal: int = signal.SIGTERM):
        self.name = name
        self.argv = argv
        self.ports = ports
        self.log_file = log_file
        self.cwd = cwd
        self.run_as = run_as  # a user name, honoured when the tests run as root (postgres refuses root)
        self.stop_signal = stop_signal
        self.proc: subprocess.Popen | None = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd,
                **as_user(self.run_as),
            )
        _running.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        waiting = list(self.ports)
        while waiting:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not open ports {waiting}:\n{self.log_tail()}")
            if port_open(waiting[0]):
                waiting.pop(0)
            else:
                time.sleep(0.05)

    def stop(self) -> None:
        _running.discard(self)
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        workers = descendants(proc.pid)  # nginx/dovecot workers, which must not outlive their master
        proc.send_signal(self.stop_signal)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
        self._reap(workers)
        deadline = time.monotonic() + STOP_TIMEOUT  # worker processes may hold the port a moment longer
        while any(port_open(p, timeout=0.2) for p in self.ports) and time.monotonic() < deadline:
            time.sleep(0.05)

    @staticmethod
    def _reap(pids: dict[int, int]) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            alive = {pid for pid, started in pids.items() if (stat := _stat(pid)) and stat[1] == started}
            if not alive:
                return
            time.sleep(0.05)
        for pid in alive:  # still there after the grace period: they are ours, end them
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@atexit.register
def _stop_leftovers() -> None:  # a fixture finaliser that never ran must not leave servers behind
    for server in list(_running):
        server.stop()
