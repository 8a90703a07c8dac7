"""A MariaDB and a PostgreSQL of their own (not the machine's), reached only through a unix socket
in a temp directory: a second server's database servers for the move tests.

MariaDB: ``mariadb-install-db`` then ``mariadbd --skip-networking`` as the mysql user; its root
logs in over the socket by unix_socket authentication (the panel's SSH user is root).
PostgreSQL: ``initdb -A trust`` then ``postgres`` with no TCP listener and its socket
(``.s.PGSQL.5432``, the default port's name) in its own folder, as the postgres user.
"""
from __future__ import annotations

import os
import pwd
import signal
import subprocess
import time
from pathlib import Path

from .postgres import postgres_bindir
from .process import ServerProcess, as_user, find_binary

START_TIMEOUT = 60


def _own(user: str, *paths: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)


def _wait_for(path: Path, process: ServerProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not path.exists():
        if process.proc is None or process.proc.poll() is not None or time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"{process.name} did not open {path}:\n{process.log_tail()}")
        time.sleep(0.1)


class PrivateMariadb:
    def __init__(self, directory: Path):
        self.directory, data = directory, directory / "data"
        self.socket = str(directory / "mysqld.sock")
        data.mkdir(parents=True)
        directory.chmod(0o755)
        _own("mysql", directory, data)
        subprocess.run([find_binary("mariadb-install-db") or "mariadb-install-db", "--no-defaults",
                        f"--datadir={data}", "--user=mysql", "--skip-test-db", "--auth-root-authentication-method=socket"],
                       check=True, capture_output=True, timeout=180)
        argv = [find_binary("mariadbd") or "mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={self.socket}",
                "--skip-networking", "--user=mysql", f"--pid-file={directory}/mysqld.pid",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-buffer-pool-size=32M"]
        self.process = ServerProcess("mariadbd", argv, [], directory / "mariadbd.log")

    def start(self) -> "PrivateMariadb":
        self.process.start()
        _wait_for(Path(self.socket), self.process)
        return self

    def stop(self) -> None:
        self.process.stop()

    def admin(self) -> dict:
        """The server's db_admin entry for a server whose MariaDB this is."""
        return {"user": "root", "socket": self.socket}


class PrivatePostgres:
    def __init__(self, directory: Path):
        bindir = postgres_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb) not installed")
        self.directory, data, self.socket = directory, directory / "data", directory / "sockets"
        for sub in (directory, data, self.socket):
            sub.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o755)
        run_as = "postgres" if os.geteuid() == 0 else None
        _own("postgres", directory, data, self.socket)
        subprocess.run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                       check=True, capture_output=True, timeout=120, **as_user(run_as))
        # the administrator over the socket as on Debian; every other role by its password
        (data / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
        argv = [str(bindir / "postgres"), "-D", str(data), "-p", "5432", "-c", "listen_addresses=",
                "-c", f"unix_socket_directories={self.socket}", "-c", "fsync=off", "-c", "logging_collector=off"]
        self.process = ServerProcess("postgres", argv, [], directory / "postgres.log", run_as=run_as,
                                     stop_signal=signal.SIGINT)

    def start(self) -> "PrivatePostgres":
        self.process.start()
        _wait_for(self.socket / ".s.PGSQL.5432", self.process)
        return self

    def stop(self) -> None:
        self.process.stop()

    def admin(self) -> dict:
        return {"user": "postgres", "socket": str(self.socket)}
