"""What the SSH transport reads on a server for the figures and the logs: ``statvfs`` and device
ids through ``stat``, a directory walk through ``find`` (walk.py), and logs opened so that the
inode, size, first bytes and later reads all refer to the same file while logrotate renames it.
The two helper scripts need the shell's fd redirection; they are constants, and their only
inputs arrive as quoted positional arguments."""
from __future__ import annotations

from typing import Sequence

from workers.drivers.errors import TransportError
from workers.drivers.transport.base import FsStats

HELPER_TIMEOUT = 60.0
# A log opened once: its inode and size, then its first 256 bytes, all from the same descriptor.
OPEN_LOG = '[ -e "$1" ] || exit 66; exec 3<"$1"; stat -L -c "%i %s" /dev/fd/3 && head -c 256 <&3'
# Bytes of a log from an offset; the inode first, so a file renamed meanwhile is noticed.
READ_LOG = '[ -e "$1" ] || exit 66; exec 3<"$1"; stat -L -c "%i" /dev/fd/3 && tail -c +"$2" <&3 | head -c "$3"'


class SshLog:
    """A log on the server: identity and head from one opening, reads checked against the inode."""

    def __init__(self, ssh: "SshFigures", path: str, inode: int, size: int, head: bytes):
        self.ssh, self.path, self.inode, self.size, self._head = ssh, path, inode, size, head

    def head(self, length: int) -> bytes:
        return self._head[:length]

    def read(self, offset: int, length: int) -> bytes:
        done = self.ssh.raw(["sh", "-c", READ_LOG, "sh", self.path, str(offset + 1), str(length)], HELPER_TIMEOUT)
        inode, _, data = done[0].partition(b"\n")
        if done[1] != 0 or not inode.strip().isdigit() or int(inode) != self.inode:
            raise TransportError(f"the log {self.path} on {self.ssh.where} changed while it was read; "
                                 "it is read again from the same place next time")
        return data

    def close(self) -> None:
        pass



class SshFigures:
    """Mixed into SshTransport (which provides ``raw`` and ``where``)."""
    where: str

    def raw(self, argv, timeout, stdin=None, on_stdout=None) -> tuple[bytes, int, bytes]:
        raise NotImplementedError

    def _stat_fields(self, argv: list[str], paths: Sequence[str], width: int) -> dict[str, list[str]]:
        if not paths:
            return {}
        out, _, _ = self.raw([*argv, "--", *paths], HELPER_TIMEOUT)
        fields = out.decode("utf-8", "replace").split("\0")
        return {fields[i]: fields[i + 1:i + width] for i in range(0, len(fields) - width + 1, width)}

    def statvfs(self, paths: Sequence[str]) -> dict[str, FsStats]:
        rows = self._stat_fields(["stat", "-f", "--printf", r"%n\0%S\0%b\0%f\0%a\0%c\0%d\0"], paths, 7)
        return {path: FsStats(*(int(v) for v in row)) for path, row in rows.items()}

    def device_ids(self, paths: Sequence[str]) -> dict[str, int]:
        rows = self._stat_fields(["stat", "-L", "--printf", r"%n\0%d\0"], paths, 2)
        return {path: int(row[0]) for path, row in rows.items()}

    def walk(self, path: str, *, with_stat: bool, max_entries: int, one_file_system: bool) -> dict:
        from workers.drivers.transport.walk import FindWalk

        walker = FindWalk(with_stat, max_entries, one_file_system)
        _out, _status, err = self.raw(walker.argv(path), 3600, on_stdout=walker.feed)
        return walker.result(path, err.decode("utf-8", "replace"))

    def open_log(self, path: str) -> SshLog | None:
        out, status, err = self.raw(["sh", "-c", OPEN_LOG, "sh", path], HELPER_TIMEOUT)
        if status == 66:
            return None
        first, _, head = out.partition(b"\n")
        parts = first.split()
        if status != 0 or len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise OSError(f"could not open {path} on {self.where}: {err.decode('utf-8', 'replace').strip()}")
        return SshLog(self, path, int(parts[0]), int(parts[1]), head)
