"""What a transport offers: the few operations the host driver, the metrics reader, the log
readers and remediation need on a server, whichever way the panel reaches it.

Two implementations: ``LocalTransport`` (this machine: files and subprocess) and ``SshTransport``
(another machine: SFTP for files, exec channels for commands, over one SSH connection). The
driver's logic is written once against this protocol. Commands are always argument lists; the
SSH transport quotes them with ``shlex.join`` for the remote shell.

Errors: a server that cannot be reached raises ``TransportError`` (workers/drivers/errors.py);
a command that runs too long raises ``CommandTimeout``, one that cannot start ``CommandNotStarted``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ContextManager, Iterable, Mapping, Protocol, Sequence


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return "\n".join(part.strip() for part in (self.stdout, self.stderr) if part.strip())


@dataclass(frozen=True)
class FileState:
    """A file's bytes, permission bits and group: what a failed change restores exactly."""
    data: bytes
    mode: int
    gid: int


@dataclass(frozen=True)
class FileDigest:
    """A file's SHA-256, permission bits and group: enough to tell whether a write would change it
    without carrying its bytes over the link."""
    sha256: str
    mode: int
    gid: int

    def matches(self, data: bytes, mode: int, gid: int | None) -> bool:
        import hashlib

        return (self.mode, self.sha256) == (mode, hashlib.sha256(data).hexdigest()) and gid in (None, self.gid)


@dataclass(frozen=True)
class FsStats:
    """``statvfs`` of a mount point, in the units the kernel gives."""
    frsize: int
    blocks: int
    bfree: int
    bavail: int
    files: int
    ffree: int


class LogFile(Protocol):
    """A log opened once: its identity (inode, size at opening), its first bytes and reads by offset
    all refer to the same file, even if it is renamed meanwhile (logrotate)."""
    inode: int
    size: int

    def head(self, length: int) -> bytes: ...

    def read(self, offset: int, length: int) -> bytes: ...

    def close(self) -> None: ...


class Transport(Protocol):
    name: str            # "local" | "ssh"
    where: str           # for messages: "this machine", "root@10.0.0.2:22"
    on_this_machine: bool  # True: os.* calls see this host's files

    def close(self) -> None: ...

    # commands
    def run(self, argv: Sequence[str], timeout: float, stdin: bytes | None = None) -> Completed: ...

    def stream(self, argv: Sequence[str], timeout: float, on_stdout) -> tuple[int, str]: ...

    def feed(self, argv: Sequence[str], timeout: float) -> ContextManager: ...

    def which(self, names: Iterable[str]) -> dict[str, str | None]:
        """Each program's path: a bare name looked up on PATH, a path kept when it is executable."""

    def group_id(self, name: str) -> int | None: ...

    # files
    def read_bytes(self, path: str) -> bytes | None: ...

    def snapshots(self, paths: Iterable[str]) -> dict[str, FileState | None]: ...

    def digests(self, paths: Iterable[str]) -> dict[str, FileDigest | None]: ...

    def write_file(self, path: str, data: bytes, mode: int = 0o644, gid: int | None = None) -> None: ...

    def remove_file(self, path: str) -> None: ...

    def flush(self, directory: str) -> None: ...

    def makedirs(self, paths: Iterable[str], mode: int = 0o777) -> None: ...

    def listdir(self, path: str) -> list[str]: ...

    def realpaths(self, paths: Iterable[str]) -> dict[str, str]: ...

    def temp_dir(self, parent: str, prefix: str) -> ContextManager[str]: ...

    def lock(self, directory: str) -> ContextManager[None]: ...

    # figures
    def statvfs(self, paths: Sequence[str]) -> Mapping[str, FsStats]: ...

    def device_ids(self, paths: Sequence[str]) -> Mapping[str, int]: ...

    def open_log(self, path: str) -> LogFile | None: ...
