"""Shared helpers of the local driver tests: real tools, real servers on loopback ports."""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
PASSWORD = "Tr4in-Sta7ion"
OTHER_PASSWORD = "Wr0ng-Passw0rd"


def need_tool(name: str) -> str:
    """The tool's path; a missing tool fails the run under CI=true and skips it elsewhere."""
    found = shutil.which(name, path=SEARCH_PATH)
    if found is None:
        message = f"{name} is not installed (see .ci/apt-packages)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def unique(prefix: str = "t") -> str:
    return f"{prefix}{os.getpid()}_{secrets.token_hex(3)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


@contextmanager
def running(argv: list[str], port: int):
    """Start a server in the foreground, wait for its port, stop it (and only it) afterwards."""
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_port(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def tree(directory: Path, skip: tuple[str, ...] = ("logs", "run", "tmp", ".lock")) -> dict[str, tuple[bytes, int]]:
    """Every file below ``directory`` (except runtime output) with its bytes and mode bits."""
    out = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if rel.parts[0] in skip or not path.is_file():
            continue
        out[str(rel)] = (path.read_bytes(), path.stat().st_mode & 0o7777)
    return out


def self_signed(directory: Path, name: str = "example.com") -> tuple[str, str]:
    """A throw-away certificate and key made by the real openssl."""
    openssl = need_tool("openssl")
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"],
                   check=True, capture_output=True)
    return str(cert), str(key)


def world_readable_dir(prefix: str) -> Path:
    """A directory outside pytest's 0700 tree, so servers that drop privileges can read it."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path
