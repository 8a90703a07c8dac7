"""A private PostgreSQL with TLS on, for the TLS half of the postgresql probe.

initdb into a temp directory (trust authentication), then `postgres` in the foreground on a free
loopback port with ssl=on and the test certificate. Runs as the `postgres` user when the tests run
as root, because PostgreSQL refuses to run as root.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .certs import TlsMaterial
from .process import ServerProcess, as_user, find_binary, free_ports

SERVER_USER = "postgres"


def postgres_bindir() -> Path | None:
    """Where initdb and postgres live: PATH first, then Debian's /usr/lib/postgresql/<major>/bin."""
    found = find_binary("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


@dataclass
class PostgresTlsServer:
    bindir: Path
    directory: Path
    tls: TlsMaterial
    host: str = "127.0.0.1"
    user: str = "postgres"
    port: int = 0
    process: ServerProcess | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.port:
            (self.port,) = free_ports(1)
        d = self.directory
        data, sockets = d / "data", d / "sockets"
        run_as = SERVER_USER if os.geteuid() == 0 else None
        for sub in (d, data, sockets):
            sub.mkdir(parents=True, exist_ok=True)
        key = d / "server.key"  # PostgreSQL insists on a private key only its user can read
        shutil.copyfile(self.tls.key_file, key)
        key.chmod(0o600)
        if run_as:
            owner = pwd.getpwnam(run_as)
            for path in (d, data, sockets, key):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        initdb = [str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", self.user, "--no-sync"]
        subprocess.run(initdb, check=True, capture_output=True, timeout=120, **as_user(run_as))
        argv = [
            str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port),
            "-c", f"listen_addresses={self.host}", "-c", f"unix_socket_directories={sockets}",
            "-c", "ssl=on", "-c", f"ssl_cert_file={self.tls.chain_file}", "-c", f"ssl_key_file={key}",
            "-c", "fsync=off", "-c", "logging_collector=off",
        ]
        self.process = ServerProcess(
            "postgres", argv, [self.port], d / "postgres.log", run_as=run_as, stop_signal=signal.SIGINT
        )

    def start(self) -> "PostgresTlsServer":
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()
