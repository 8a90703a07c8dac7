"""The local transport: the machine the panel runs on, through the file system and subprocess.

``atomic_write`` replaces one file atomically (temp file in the same directory, fsync, rename);
``locked`` serialises changes to one config directory (an flock on ``<dir>/.lock``). Commands run
from argument lists (never a shell) with LC_ALL=C, in a session of their own, with a timeout.
"""
from __future__ import annotations

import fcntl
import grp
import os
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Sequence

from workers.drivers.errors import CommandNotStarted, CommandTimeout
from workers.drivers.transport.base import Completed, FileDigest, FileState, FsStats

SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])


def _text(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")


def check_argv(argv) -> list[str]:
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        raise TypeError("commands are argument lists")
    return argv


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


def digest(path: Path | str) -> FileDigest | None:
    import hashlib

    state = snapshot(path)
    return None if state is None else FileDigest(hashlib.sha256(state.data).hexdigest(), state.mode, state.gid)


def snapshot(path: Path | str) -> FileState | None:
    try:
        with open(path, "rb") as handle:
            info = os.stat(handle.fileno())
            return FileState(handle.read(), info.st_mode & 0o7777, info.st_gid)
    except FileNotFoundError:
        return None


@contextmanager
def locked(directory: Path | str):
    """Serialise changes to one config directory (two jobs for the same server wait in turn)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


ERROR_TAIL = 64 * 1024  # bytes of a fed command's errors kept for the reason


def _keep_tail(stream, tail: bytearray) -> None:
    while chunk := stream.read(65536):
        tail += chunk
        del tail[:-ERROR_TAIL]


class _Deadline:
    """Kill a streaming command that runs longer than its timeout."""

    def __init__(self, proc, timeout: float):
        import threading

        self.proc, self.timer = proc, threading.Timer(timeout, proc.kill)

    def __enter__(self):
        self.timer.start()

    def __exit__(self, *exc):
        self.timer.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class LocalLog:
    """A log file opened here; identity from fstat of the open descriptor."""

    def __init__(self, handle):
        self._handle = handle
        info = os.fstat(handle.fileno())
        self.inode, self.size = info.st_ino, info.st_size

    def head(self, length: int) -> bytes:
        return self.read(0, length)

    def read(self, offset: int, length: int) -> bytes:
        self._handle.seek(offset)
        return self._handle.read(length)

    def close(self) -> None:
        self._handle.close()


class LocalTransport:
    name = "local"
    where = "this machine"
    on_this_machine = True  # os.* calls see this host's files (the metrics walk uses them directly)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass

    # --- commands ---------------------------------------------------------------------------

    def run(self, argv: Sequence[str], timeout: float, stdin: bytes | None = None) -> Completed:
        argv = check_argv(argv)
        env = {**os.environ, "LC_ALL": "C"}
        try:
            done = subprocess.run(argv, capture_output=True, timeout=timeout, env=env, check=False,
                                  start_new_session=True, **({"input": stdin} if stdin is not None
                                                             else {"stdin": subprocess.DEVNULL}))
        except subprocess.TimeoutExpired:
            raise CommandTimeout(timeout) from None
        except OSError as exc:
            raise CommandNotStarted(str(exc)) from exc
        return Completed(done.returncode, _text(done.stdout), _text(done.stderr))

    def stream(self, argv: Sequence[str], timeout: float, on_stdout) -> tuple[int, str]:
        """Run a command handing its output to ``on_stdout`` as it comes: (exit status, stderr)."""
        proc = subprocess.Popen(check_argv(list(argv)), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env={**os.environ, "LC_ALL": "C"}, start_new_session=True)
        assert proc.stdout is not None and proc.stderr is not None  # both piped above
        with _Deadline(proc, timeout):
            while chunk := proc.stdout.read(65536):
                if on_stdout(chunk) is False:
                    proc.kill()
                    break
            err = proc.stderr.read()
            return proc.wait(), _text(err)

    @contextmanager
    def feed(self, argv: Sequence[str], timeout: float):
        """A command whose stdin we write (``sink.write(bytes)``); raises OSError if it fails."""
        proc = subprocess.Popen(check_argv(list(argv)), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env={**os.environ, "LC_ALL": "C"}, start_new_session=True)
        assert proc.stdin is not None and proc.stderr is not None  # both piped above
        # its errors are read while we write, else a command that says much (a client echoing a
        # failed statement) would wait on us as we wait on it; the last part is kept for the reason
        tail = bytearray()
        reader = threading.Thread(target=_keep_tail, args=(proc.stderr, tail), daemon=True)
        reader.start()
        with _Deadline(proc, timeout):
            try:
                yield proc.stdin
            finally:
                proc.stdin.close()
            reader.join()
            err = bytes(tail)
            if proc.wait() != 0:
                raise OSError(f"{argv[0]} failed on this machine: {_text(err).strip()}")

    def which(self, names: Iterable[str]) -> dict[str, str | None]:
        return {name: shutil.which(name, path=SEARCH_PATH) for name in names}

    def group_id(self, name: str) -> int | None:
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            return None

    # --- files ------------------------------------------------------------------------------

    def read_bytes(self, path: str) -> bytes | None:
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def snapshots(self, paths: Iterable[str]) -> dict[str, FileState | None]:
        return {str(path): snapshot(path) for path in paths}

    def digests(self, paths: Iterable[str]) -> dict[str, FileDigest | None]:
        return {str(path): digest(path) for path in paths}

    def write_file(self, path: str, data: bytes, mode: int = 0o644, gid: int | None = None) -> None:
        atomic_write(path, data, mode, gid)

    def remove_file(self, path: str) -> None:
        remove_file(path)

    def flush(self, directory: str) -> None:
        pass  # atomic_write and remove_file already fsync each file and its folder

    def makedirs(self, paths: Iterable[str], mode: int = 0o777) -> None:
        for path in paths:
            os.makedirs(path, mode=mode, exist_ok=True)

    def listdir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(path))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def realpaths(self, paths: Iterable[str]) -> dict[str, str]:
        return {str(path): os.path.realpath(path) for path in paths}

    @contextmanager
    def temp_dir(self, parent: str, prefix: str):
        with tempfile.TemporaryDirectory(prefix=prefix, dir=parent) as scratch:
            yield scratch

    def lock(self, directory: str):
        return locked(directory)

    # --- figures ----------------------------------------------------------------------------

    def statvfs(self, paths: Sequence[str]) -> dict[str, FsStats]:
        out = {}
        for path in paths:
            try:
                st = os.statvfs(path)
            except OSError:  # gone, stale NFS handle, no permission: not measurable now
                continue
            out[path] = FsStats(st.f_frsize or st.f_bsize, st.f_blocks, st.f_bfree, st.f_bavail, st.f_files,
                                st.f_ffree)
        return out

    def device_ids(self, paths: Sequence[str]) -> dict[str, int]:
        out = {}
        for path in paths:
            try:
                out[path] = os.stat(path).st_dev
            except OSError:
                continue
        return out

    def open_log(self, path: str) -> LocalLog | None:
        try:
            return LocalLog(open(path, "rb"))
        except FileNotFoundError:
            return None


LOCAL = LocalTransport()
