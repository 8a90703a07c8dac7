"""BorgBackup on a server, through its transport (this machine, or SSH to another one): the same
code whatever the transport is (DESIGN.md: backups are run through the same driver).

One repository per server, encrypted (``repokey-blake2``); the passphrase comes from the panel
(sealed at rest there) and reaches borg as a 0600 file in a private temporary folder on the host
(``BORG_PASSCOMMAND=cat <file>``), never on a command line. The repository is a path on the server
(a second disk) or ``ssh://user@host:port/path`` on a backup server reached by ``borg serve``
(``BORG_RSH`` with the key file and a pinned known_hosts file written the same way).

Every command is an argument list run with ``env`` (no shell). A failure raises BorgFailed with
borg's own first error line ("No space left on device", "Segment entry checksum mismatch ...").
"""
from __future__ import annotations

import json
import shlex
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator, Sequence

from workers.drivers.errors import CommandNotStarted, CommandTimeout
from workers.drivers.host.nginx import safe_path

BORG_TIMEOUT = 6 * 3600
ENCRYPTION = "repokey-blake2"
COMPRESSION = "zstd,3"


class BorgFailed(Exception):
    """A borg command failed; ``reason`` is what borg said, in one line."""

    def __init__(self, reason: str, output: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.output = output


FULL = ("No space left on device", "Insufficient free space")


def reason_of(stderr: str, step: str) -> str:
    """borg's first error line (before any traceback), named by the step that failed."""
    lines = [line.strip() for line in stderr.splitlines()]
    if any(mark in stderr for mark in FULL):
        return f"{step}: the backup target is full (No space left on device)"
    for line in lines:
        if line and not line.startswith(("Traceback", "File ", "Platform:", "Linux:", "Borg:", "PID:", "sys.argv",
                                         "SSH_ORIGINAL_COMMAND", "^")):
            return f"{step}: {line}"[:500]
    return f"{step}: borg failed"


@dataclass(frozen=True)
class Archive:
    name: str
    time: datetime


@dataclass(frozen=True)
class ArchiveStats:
    name: str
    original_bytes: int
    compressed_bytes: int
    deduplicated_bytes: int
    files: int


class BorgRepo:
    """One server's repository, opened with its passphrase (see ``open_repo``)."""

    def __init__(self, host, location: str, env: list[str], timeout: float = BORG_TIMEOUT):
        self.host, self.location, self.env, self.timeout = host, location, env, timeout

    def _argv(self, *args: str, chdir: str | None = None) -> list[str]:
        where = ["-C", chdir] if chdir else []
        return ["env", *where, *self.env, "borg", *args]

    def _run(self, step: str, *args: str, chdir: str | None = None, ok_codes: Sequence[int] = (0, 1)):
        """rc 1 is borg's "warning" (e.g. a file changed while read): the command did its work."""
        try:
            done = self.host.run(self._argv(*args, chdir=chdir), self.timeout)
        except CommandTimeout:
            raise BorgFailed(f"{step}: borg did not finish within {self.timeout:g} s") from None
        except CommandNotStarted as exc:
            raise BorgFailed(f"{step}: borg could not be started ({exc}); is the Debian package borgbackup "
                             "installed on this server?") from None
        if done.returncode not in ok_codes:
            raise BorgFailed(reason_of(done.stderr or done.stdout, step), done.stderr[-8000:])
        return done

    # --- the repository --------------------------------------------------------------------------

    def init(self) -> bool:
        """Create the encrypted repository; False when it exists already."""
        try:
            self._run("creating the repository", "init", f"--encryption={ENCRYPTION}", "--make-parent-dirs",
                      self.location, ok_codes=(0,))
            return True
        except BorgFailed as exc:
            if "already exists" in exc.output or "already exists" in exc.reason:
                return False
            raise

    def export_key(self) -> str:
        """The repository key (kept sealed in the panel too: a damaged repository config is not the end)."""
        return self._run("exporting the key", "key", "export", self.location, ok_codes=(0,)).stdout

    def check(self) -> None:
        """Read every segment and verify its checksums (``borg check --repository-only``)."""
        self._run("checking the repository", "check", "--repository-only", self.location, ok_codes=(0,))

    # --- generations ------------------------------------------------------------------------------

    def create(self, name: str, taken_at: datetime, paths: Sequence[str], excludes: Sequence[str] = ()) -> ArchiveStats:
        args = ["create", "--json", f"--compression={COMPRESSION}", "--one-file-system",
                f"--timestamp={taken_at.strftime('%Y-%m-%dT%H:%M:%S')}"]
        for pattern in excludes:
            args += ["--exclude", pattern]
        done = self._run("creating the generation", *args, f"{self.location}::{name}", "--", *paths)
        stats = json.loads(done.stdout)["archive"]["stats"]
        return ArchiveStats(name, int(stats["original_size"]), int(stats["compressed_size"]),
                            int(stats["deduplicated_size"]), int(stats["nfiles"]))

    def prune(self, keep_daily: int, prefix: str = "daily-") -> None:
        self._run("pruning old generations", "prune", f"--keep-daily={int(keep_daily)}",
                  f"--glob-archives={prefix}*", self.location)
        self._run("compacting the repository", "compact", self.location)

    def archives(self) -> list[Archive]:
        done = self._run("listing the generations", "list", "--json", self.location, ok_codes=(0,))
        return [Archive(a["name"], datetime.fromisoformat(a["time"])) for a in json.loads(done.stdout)["archives"]]

    def size_bytes(self) -> int:
        """Bytes the repository holds (after deduplication and compression)."""
        done = self._run("reading the repository size", "info", "--json", self.location, ok_codes=(0,))
        return int(json.loads(done.stdout)["cache"]["stats"]["unique_csize"])

    # --- restore ----------------------------------------------------------------------------------

    def extract(self, name: str, paths: Sequence[str], into: str, strip: int = 0, excludes: Sequence[str] = ()) -> None:
        """Extract ``paths`` (as stored: absolute paths without the leading '/') of a generation
        into the folder ``into`` on the server, ``strip`` leading path elements removed, nothing
        below ``excludes`` (stored paths)."""
        args = ["extract", "--sparse"]
        if strip:
            args.append(f"--strip-components={int(strip)}")
        for pattern in excludes:
            args += ["--exclude", pattern]
        self._run("restoring", *args, f"{self.location}::{name}", *paths, chdir=into, ok_codes=(0,))

    def extract_present(self, name: str, paths: Sequence[str], into: str, excludes: Sequence[str] = ()) -> list[str]:
        """Extract those of ``paths`` the generation holds into ``into``; the ones it does not hold
        (borg: "Include pattern '...' never matched", its warning rc 1) are returned."""
        args = ["extract", "--sparse"]
        for pattern in excludes:
            args += ["--exclude", pattern]
        done = self._run("restoring", *args, f"{self.location}::{name}", *paths, chdir=into)
        text = done.stderr or ""
        return [p for p in paths if f"Include pattern '{p}' never matched" in text]

    def extract_stream(self, name: str, path: str, on_stdout: Callable[[bytes], object]) -> None:
        """One stored file handed to ``on_stdout`` as it is read (a database dump fed to its client)."""
        status, errors = self.host.stream(self._argv("extract", "--stdout", f"{self.location}::{name}", path),
                                          self.timeout, on_stdout)
        if status != 0:
            raise BorgFailed(reason_of(errors, "reading the dump"), errors[-8000:])

    def paths_in(self, name: str, prefix: str) -> list[str]:
        """The stored paths of a generation below ``prefix`` (stored form, no leading '/')."""
        done = self._run("listing the generation", "list", "--format={path}{NL}", f"{self.location}::{name}",
                         prefix, ok_codes=(0,))
        return [line for line in done.stdout.splitlines() if line]


def stored(path: str) -> str:
    """How borg stores an absolute path: without the leading '/'."""
    return path.lstrip("/")


def ssh_location(user: str, host: str, port: int, path: str) -> str:
    return f"ssh://{user}@{host}:{int(port)}/{safe_path(path, 'backup path').lstrip('/')}"


@contextmanager
def open_repo(host, location: str, passphrase: str, base_dir: str, *, ssh_key: str | None = None,
              known_hosts: str | None = None, timeout: float = BORG_TIMEOUT) -> Iterator[BorgRepo]:
    """The repository at ``location`` with its secrets written for borg, for the block's duration.

    ``base_dir``: borg's cache and security folder on the server (per server, kept between runs so
    the files cache makes the daily run read only what changed)."""
    if not passphrase:
        raise BorgFailed("the repository has no passphrase; set the backup plan up again")
    base_dir = safe_path(base_dir, "borg base folder")
    host.makedirs([base_dir], mode=0o700)
    with host.temp_dir("/tmp", ".panel-borg-") as secrets:
        host.write_file(f"{secrets}/passphrase", passphrase.encode(), 0o600)
        env = [f"BORG_PASSCOMMAND=cat {secrets}/passphrase", f"BORG_BASE_DIR={base_dir}",
               "BORG_RELOCATED_REPO_ACCESS_IS_OK=no", "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=no"]
        if ssh_key:
            host.write_file(f"{secrets}/id", ssh_key.encode(), 0o600)
            host.write_file(f"{secrets}/known_hosts", (known_hosts or "").encode(), 0o600)
            rsh = ["ssh", "-i", f"{secrets}/id", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                   "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={secrets}/known_hosts"]
            env.append(f"BORG_RSH={shlex.join(rsh)}")
        yield BorgRepo(host, location, env, timeout)
