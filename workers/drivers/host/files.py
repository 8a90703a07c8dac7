"""Writing configuration files without ever losing the last working configuration.

``ConfigTransaction`` changes a set of files on one host together (through its transport: this
machine or SSH): it remembers every file's previous bytes, mode and group, writes only the files
whose content or mode changed, runs the validator, and if anything fails puts every file back
exactly as it was (deleting files that did not exist) before re-raising.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from workers.drivers.transport.base import FileState, Transport


def file_name(stem: str, suffix: str) -> str:
    """``stem + suffix``, shortened with a digest when too long for a file name (NAME_MAX 255,
    minus room for the temp-file prefix and suffix of an atomic write)."""
    if len(stem.encode()) + len(suffix) <= 200:
        return stem + suffix
    return f"{stem[:160]}-{hashlib.sha256(stem.encode()).hexdigest()[:16]}{suffix}"


def _host(host: Transport | None) -> Transport:
    if host is not None:
        return host
    from workers.drivers.transport.local import LOCAL

    return LOCAL


class ConfigTransaction:
    """Stage writes and removals, then ``commit(validate)``: all of them, or none."""

    def __init__(self, host: Transport | None = None) -> None:
        self.host = _host(host)
        self._writes: dict[Path, tuple[bytes, int, int | None]] = {}
        self._removals: set[Path] = set()
        self._guards: set[Path] = set()

    def write(self, path: Path | str, data: bytes | str, mode: int = 0o644, gid: int | None = None) -> None:
        path = Path(path)
        self._removals.discard(path)
        self._writes[path] = (data.encode("utf-8") if isinstance(data, str) else data, mode, gid)

    def remove(self, path: Path | str) -> None:
        path = Path(path)
        self._writes.pop(path, None)
        self._removals.add(path)

    def guard(self, path: Path | str) -> None:
        """Restore this file too on failure (a file a tool regenerates, e.g. postmap's .db)."""
        self._guards.add(Path(path))

    def commit(self, validate: Callable[[], None] | None = None) -> list[Path]:
        """Apply the staged changes, validate, and roll everything back if anything raises.

        Returns the paths whose content or mode changed (an empty list: nothing to reload).
        """
        writes = self._unchanged_left_out()
        touched = sorted(set(writes) | self._removals | self._guards)
        found = self.host.snapshots([str(path) for path in touched])  # only what may change is kept
        before = {path: found.get(str(path)) for path in touched}
        changed: list[Path] = []
        try:
            for path, (payload, mode, gid) in sorted(writes.items()):
                previous = before[path]
                if previous is not None and (previous.data, previous.mode) == (payload, mode) \
                        and gid in (None, previous.gid):
                    continue
                self.host.write_file(str(path), payload, mode, gid)
                changed.append(path)
            for path in sorted(self._removals):
                if before[path] is not None:
                    self.host.remove_file(str(path))
                    changed.append(path)
            if changed:
                self.host.flush(str(changed[0].parent))
            if validate is not None:
                validate()
        except BaseException:
            self._restore(before)
            raise
        return changed

    def _unchanged_left_out(self) -> dict[Path, tuple[bytes, int, int | None]]:
        """The staged writes that would change something: files whose digest (content, mode, group)
        already matches are neither read back nor written. A server holding thousands of sites
        then sends a few hundred kilobytes of digests instead of every file (issue 15, apply_latency)."""
        if len(self._writes) < 2:
            return dict(self._writes)
        digests = self.host.digests([str(path) for path in self._writes])
        return {path: staged for path, staged in self._writes.items()
                if (found := digests.get(str(path))) is None or not found.matches(*staged)}

    def _restore(self, before: dict[Path, FileState | None]) -> None:
        failures = []
        try:
            now = self.host.snapshots([str(path) for path in before])
        except OSError as exc:  # the host went away: nothing more can be put back from here
            raise OSError(f"could not restore: {exc}") from exc
        for path, previous in before.items():
            try:
                if previous is None:
                    if now.get(str(path)) is not None:
                        self.host.remove_file(str(path))
                elif now.get(str(path)) != previous:
                    self.host.write_file(str(path), previous.data, previous.mode, previous.gid)
            except OSError as exc:  # keep restoring the others; report at the end
                failures.append(f"{path}: {exc}")
        if failures:
            raise OSError("could not restore: " + "; ".join(failures))
        if before:
            self.host.flush(str(next(iter(before)).parent))
