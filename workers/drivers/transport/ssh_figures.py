"""What the SSH transport reads on a server for the figures and the logs: ``statvfs`` and device
ids through ``stat``, a directory walk through ``find`` (walk.py), and logs opened so that the
inode, size, first bytes and later reads all refer to the same file while logrotate renames it.
Also the lookups of programs (``which``) and groups (``getent``). The two helper scripts need the
shell's fd redirection; they are constants, and their only
inputs arrive as quoted positional arguments."""
from __future__ import annotations

from typing import Iterable, Sequence

from workers.drivers.errors import TransportError
from workers.drivers.transport.base import FileDigest, FsStats

HELPER_TIMEOUT = 60.0
# A log opened once: its inode and size, then its first 256 bytes, all from the same descriptor.
OPEN_LOG = '[ -e "$1" ] || exit 66; exec 3<"$1"; stat -L -c "%i %s" /dev/fd/3 && head -c 256 <&3'
# Bytes of a log from an offset; the inode first, so a file renamed meanwhile is noticed.
READ_LOG = '[ -e "$1" ] || exit 66; exec 3<"$1"; stat -L -c "%i" /dev/fd/3 && tail -c +"$2" <&3 | head -c "$3"'
# Permission bits, group and SHA-256 of each file named as an argument (xargs hands them over in
# batches): "S <mode> <gid> <path>" records, then "<sha256>  <path>" records, NUL-terminated.
DIGESTS = 'stat -L --printf "S %a %g %n\\0" -- "$@"; sha256sum -z -- "$@"; exit 0'


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

    def digests(self, paths: Iterable[str]) -> dict[str, FileDigest | None]:
        """What would tell a write apart from the file in place, for every path in one round trip
        (a file that is not there: None), without its bytes crossing the link."""
        paths = [str(p) for p in paths]
        if not paths:
            return {}
        out, status, err = self.raw(["xargs", "-0", "-r", "sh", "-c", DIGESTS, "sh"], HELPER_TIMEOUT,
                                    b"\0".join(p.encode() for p in paths) + b"\0")
        problems = [line for line in err.decode("utf-8", "replace").splitlines()
                    if "No such file or directory" not in line]
        if status != 0 or problems:
            raise OSError(f"could not read files on {self.where}: {'; '.join(problems) or status}")
        stats: dict[str, tuple[int, int]] = {}
        sums: dict[str, str] = {}
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            if record.startswith("S "):
                mode, gid, path = record[2:].split(" ", 2)
                stats[path] = (int(mode, 8), int(gid))
            elif len(record) > 66 and record[64:66] == "  ":
                sums[record[66:]] = record[:64]
        return {path: FileDigest(sums[path], *stats[path]) if path in stats and path in sums else None
                for path in paths}

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

    def which(self, names: Iterable[str]) -> dict[str, str | None]:
        """Each program's path on the server, by name (first on PATH) or by path (kept when it is
        an executable file); None where there is none."""
        names = list(names)
        if not names:
            return {}
        out = self.raw(["which", *names], HELPER_TIMEOUT)[0].decode("utf-8", "replace")
        lines = [line for line in out.splitlines() if line.startswith("/")]
        by_name: dict[str, str] = {}
        for line in lines:
            by_name.setdefault(line.rsplit("/", 1)[-1], line)
        return {name: (name if name in lines else None) if "/" in name else by_name.get(name) for name in names}

    def group_id(self, name: str) -> int | None:
        out, status, _ = self.raw(["getent", "group", name], HELPER_TIMEOUT)
        fields = out.decode("utf-8", "replace").split(":")
        return int(fields[2]) if status == 0 and len(fields) > 2 and fields[2].isdigit() else None
