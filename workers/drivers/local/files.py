"""Writing configuration files without ever losing the last working configuration.

``atomic_write`` replaces one file atomically (temp file in the same directory, fsync, rename).
``ConfigTransaction`` changes a set of files together: it remembers every file's previous bytes
and mode, writes the new set, runs the validator, and if anything fails puts every file back
exactly as it was (deleting files that did not exist) before re-raising.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

_MISSING = object()


def file_name(stem: str, suffix: str) -> str:
    """``stem + suffix``, shortened with a digest when too long for a file name (NAME_MAX 255,
    minus room for the temp-file prefix and suffix of ``atomic_write``)."""
    if len(stem.encode()) + len(suffix) <= 200:
        return stem + suffix
    return f"{stem[:160]}-{hashlib.sha256(stem.encode()).hexdigest()[:16]}{suffix}"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path | str, data: bytes | str, mode: int = 0o644, gid: int | None = None) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    ``gid``: group to give the file (e.g. the group a service reads secrets as); None keeps ours.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if gid is not None:
                os.fchown(handle.fileno(), -1, gid)
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def remove_file(path: Path | str) -> None:
    path = Path(path)
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_dir(path.parent)


def _snapshot(path: Path):
    try:
        with open(path, "rb") as handle:
            info = os.stat(handle.fileno())
            return handle.read(), info.st_mode & 0o7777, info.st_gid
    except FileNotFoundError:
        return _MISSING


@contextmanager
def locked(directory: Path):
    """Serialise changes to one config directory (two jobs for the same server wait in turn)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class ConfigTransaction:
    """Stage writes and removals, then ``commit(validate)``: all of them, or none."""

    def __init__(self) -> None:
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
        touched = set(self._writes) | self._removals | self._guards
        before = {path: _snapshot(path) for path in touched}
        changed: list[Path] = []
        try:
            for path, (payload, mode, gid) in sorted(self._writes.items()):
                previous = before[path]
                if previous is not _MISSING and previous[:2] == (payload, mode) and gid in (None, previous[2]):
                    continue
                atomic_write(path, payload, mode, gid)
                changed.append(path)
            for path in sorted(self._removals):
                if before[path] is not _MISSING:
                    remove_file(path)
                    changed.append(path)
            if validate is not None:
                validate()
        except BaseException:
            self._restore(before)
            raise
        return changed

    @staticmethod
    def _restore(before: dict) -> None:
        failures = []
        for path, previous in before.items():
            try:
                if previous is _MISSING:
                    remove_file(path)
                elif _snapshot(path) != previous:
                    atomic_write(path, *previous)
            except OSError as exc:  # keep restoring the others; report at the end
                failures.append(f"{path}: {exc}")
        if failures:
            raise OSError("could not restore: " + "; ".join(failures))
