"""Disk use of a directory on another server, counted as the local walk counts it
(workers/drivers/host/metrics.py ``_walk``, like ``du -sx``): ``find -xdev`` lists every entry
with its type, device, 512-byte blocks, size, link count and inode; allocated blocks are summed,
each hard-linked inode once, symlinks counted as themselves and never followed, directories of
other filesystems not entered. Entries find cannot read are counted as denied (or vanished when
they disappeared meanwhile). Reading stops after ``max_entries`` (the figures are then marked
truncated, a lower bound)."""
from __future__ import annotations

FIELDS = "%y %D %b %s %n %i\\n"


class FindWalk:
    def __init__(self, with_stat: bool, max_entries: int, one_file_system: bool):
        self.with_stat, self.max_entries, self.one_file_system = with_stat, max_entries, one_file_system
        self.rest = b""
        self.root_dev: str | None = None
        self.root_type: str | None = None
        self.total = self.files = self.apparent = self.dirs = self.entries = 0
        self.truncated = False
        self.seen: set[tuple[str, str]] = set()

    def argv(self, path: str) -> list[str]:
        return ["find", path, *(["-xdev"] if self.one_file_system else []), "-printf",
                FIELDS if self.with_stat else "%y %D\\n"]

    def feed(self, data: bytes) -> bool:
        """Take output as it comes; False once max_entries is passed (the command is stopped)."""
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        for line in lines:
            if not self._entry(line.decode("ascii", "replace").split()):
                self.truncated = True
                return False
        return True

    def _entry(self, fields: list[str]) -> bool:
        if len(fields) < 2:
            return True
        kind, dev = fields[0], fields[1]
        blocks = int(fields[2]) * 512 if self.with_stat and len(fields) > 5 else 0
        if self.root_type is None:  # the directory itself comes first
            self.root_type, self.root_dev, self.dirs = kind, dev, 1
            self.total = blocks
            return True
        self.entries += 1
        if self.entries > self.max_entries:
            return False
        if kind == "d":
            if self.one_file_system and dev != self.root_dev:
                return True  # a mount point: another filesystem, measured as its own partition
            self.dirs += 1
            self.total += blocks
            return True
        self.files += 1
        if self.with_stat and len(fields) > 5:
            if int(fields[4]) > 1:
                key = (dev, fields[5])
                if key in self.seen:
                    return True
                self.seen.add(key)
            self.total += blocks
            if kind == "f":
                self.apparent += int(fields[3])
        return True

    def result(self, path: str, errors: str) -> dict:
        if self.root_type is None:
            if "No such file" in errors or not errors:
                raise FileNotFoundError(path)
            raise PermissionError(errors.strip())
        if self.root_type != "d":
            raise NotADirectoryError(path)
        problems = [line for line in errors.splitlines() if line.startswith("find:")]
        vanished = sum(1 for line in problems if "No such file" in line)
        return {"bytes": self.total, "files": self.files, "apparent_bytes": self.apparent, "dirs": self.dirs,
                "vanished": vanished, "denied": len(problems) - vanished, "truncated": self.truncated}
