"""The SSH transport (paramiko): another server, reached over ONE SSH connection that a job opens
once and reuses for every step (exec channels for commands, one SFTP session for files).

- The server's own key pair authenticates the panel (its private key sealed in the server row).
- The host key pinned when the server was registered is the only one accepted: another key is
  refused with HostKeyMismatch, never learnt or replaced silently.
- Connect, authentication and every command have timeouts; a server that cannot be reached
  raises TransportError with the reason.
- Commands are argument lists; we quote them with ``shlex.join`` for the remote shell (SSH always
  hands the server one command string). A few helpers need the shell's fd redirection: those are
  constant scripts in this module, whose only inputs arrive as quoted positional arguments.
"""
from __future__ import annotations

import io
import select
import shlex
import socket
import tarfile
import time
from contextlib import contextmanager
from typing import Callable, Iterable, Sequence

from workers.drivers.errors import CommandNotStarted, CommandTimeout, HostKeyMismatch, KeyRefused, LoginFailed, TransportError
from workers.drivers.transport.base import Completed, FileState
from workers.drivers.transport.keys import host_key_object, load_private_key
from workers.drivers.transport.local import check_argv
from workers.drivers.transport.ssh_figures import HELPER_TIMEOUT, SshFigures

CONNECT_TIMEOUT = 10.0
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CHUNK = 32768
KILL_GRACE = 2.0  # seconds between our timeout and the server's


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class _Sink:
    """Writes to a command's stdin while reading what it says on stderr (its last 64 KiB kept): a
    command that fails midway may write more than the channel holds, and would otherwise wait on
    that forever while we wait to send it the rest. Once it has exited, writing stops (OSError)."""

    KEEP = 65536

    def __init__(self, channel):
        self.channel = channel
        self.err = b""

    def drain(self) -> None:
        while self.channel.recv_stderr_ready():
            self.err = (self.err + self.channel.recv_stderr(CHUNK))[-self.KEEP:]

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self.drain()
            if self.channel.exit_status_ready() or self.channel.closed:
                raise OSError(f"the command stopped reading: {self.err.decode('utf-8', 'replace').strip()}")
            if not self.channel.send_ready():
                time.sleep(0.01)
                continue
            view = view[self.channel.send(view[:CHUNK]):]


def no_delay(sock) -> None:
    """Send each SSH packet at once (TCP_NODELAY). A job runs many short commands one after the
    other on one connection; with Nagle's algorithm each channel opening waited for the server's
    delayed ACK, about 40 ms per command (52 ms against 6 ms per command on the test hosts)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):  # not a TCP socket (a proxy command): nothing to tune
        pass


class SshTransport(SshFigures):
    name = "ssh"
    on_this_machine = False

    def __init__(self, address: str, port: int, user: str, private_key: str, host_key: str, *,
                 connect_timeout: float = CONNECT_TIMEOUT):
        self.address, self.port, self.user = address, int(port), user
        self.where = f"{user}@{address}:{self.port}"
        self._private_key, self._host_key = private_key, host_key
        self.connect_timeout = connect_timeout
        self._client = None
        self._sftp = None
        self.connections = 0  # how many times this transport connected (one per job is the rule)

    # --- the connection -----------------------------------------------------------------------

    def _connected(self):
        if self._client is not None and self._client.get_transport() is not None \
                and self._client.get_transport().is_active():
            return self._client
        import paramiko

        if not self._host_key:
            raise TransportError(f"no host key is pinned for {self.where}; register the server's host key first")
        client = paramiko.SSHClient()
        pinned = host_key_object(self._host_key)
        name = self.address if self.port == 22 else f"[{self.address}]:{self.port}"
        client.get_host_keys().add(name, pinned.get_name(), pinned)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(self.address, self.port, username=self.user, pkey=load_private_key(self._private_key),
                           timeout=self.connect_timeout, banner_timeout=self.connect_timeout,
                           auth_timeout=self.connect_timeout, allow_agent=False, look_for_keys=False)
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise HostKeyMismatch(
                f"refused: {self.where} answered with host key {exc.key.fingerprint}, not the pinned "
                f"{exc.expected_key.fingerprint}; nothing was sent. If the server was reinstalled, the provider "
                "checks the new key and pins it again") from None
        except paramiko.AuthenticationException as exc:
            client.close()
            raise KeyRefused(f"{self.where} refused the panel's key ({_reason(exc)}); is the public key in "
                                 "its authorized_keys?") from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            client.close()
            if "host key" in str(exc).lower():
                raise HostKeyMismatch(f"refused: {self.where} offers no host key of the pinned type "
                                      f"({pinned.get_name()}); nothing was sent") from None
            raise LoginFailed(f"could not connect to {self.where}: {_reason(exc)}") from None
        no_delay(client.get_transport().sock)
        self._client, self._sftp = client, None
        self.connections += 1
        return client

    def _sftp_client(self):
        if self._sftp is None or self._client is None or not self._client.get_transport().is_active():
            try:
                self._sftp = self._connected().open_sftp()
            except (OSError, EOFError) as exc:
                raise TransportError(f"{self.where}: SFTP is not available: {_reason(exc)}") from None
            self._sftp.get_channel().settimeout(HELPER_TIMEOUT)
        return self._sftp

    @contextmanager
    def _link(self, what: str):
        """Turn a broken connection into TransportError (file errors stay OSError)."""
        import paramiko

        try:
            yield
        except (socket.timeout, paramiko.SSHException, EOFError, ConnectionError) as exc:
            self.close()
            raise TransportError(f"{what} on {self.where} failed: the connection broke ({_reason(exc)})") from None

    def connect(self) -> "SshTransport":
        self._connected()
        return self

    def close(self) -> None:
        for thing in (self._sftp, self._client):
            try:
                if thing is not None:
                    thing.close()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
        self._sftp = self._client = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- commands -------------------------------------------------------------------------------

    def _channel(self, argv: Sequence[str], timeout: float | None = None):
        """An exec channel running ``argv``; with ``timeout`` the server's own ``timeout`` ends the
        command (TERM, then KILL) shortly after we stop waiting, so nothing is left running there."""
        limit = ["timeout", "-k", "5", f"{timeout + KILL_GRACE:.0f}"] if timeout else []
        command = shlex.join([*limit, "env", "LC_ALL=C", f"PATH={PATH}", *check_argv(list(argv))])
        with self._link("starting a command"):
            channel = self._connected().get_transport().open_session(timeout=self.connect_timeout)
            channel.exec_command(command)
        return channel

    def raw(self, argv: Sequence[str], timeout: float, stdin: bytes | None = None,
            on_stdout: Callable[[bytes], bool] | None = None) -> tuple[bytes, int, bytes]:
        """Run a command: (stdout, exit status, stderr). ``on_stdout`` takes the output as it comes
        (then the returned stdout is empty) and may answer False to stop the command early."""
        channel = self._channel(argv, timeout)
        out: list[bytes] = []
        err: list[bytes] = []
        pending = memoryview(stdin) if stdin else None
        deadline = time.monotonic() + timeout
        with self._link("a command"):
            if pending is None:
                channel.shutdown_write()
            while True:
                busy = False
                if pending is not None and channel.send_ready():
                    sent = channel.send(pending[:CHUNK])
                    pending = pending[sent:] if len(pending) > sent else None
                    if pending is None:
                        channel.shutdown_write()
                    busy = True
                if channel.recv_ready():
                    data = channel.recv(CHUNK)
                    if on_stdout is None:
                        out.append(data)
                    elif not on_stdout(data):
                        channel.close()
                        return b"", -1, b"".join(err)
                    busy = True
                if channel.recv_stderr_ready():
                    err.append(channel.recv_stderr(CHUNK))
                    busy = True
                if not busy and channel.exit_status_ready() and channel.eof_received:
                    break
                if time.monotonic() > deadline:
                    channel.close()
                    raise CommandTimeout(timeout)
                if not busy and channel.eof_received:  # output done: only the exit status is awaited
                    channel.status_event.wait(0.2)
                elif not busy:
                    select.select([channel], [], [], 0.02 if pending is not None else 0.2)
            status = channel.recv_exit_status()
            channel.close()
        return b"".join(out), status, b"".join(err)

    def run(self, argv: Sequence[str], timeout: float, stdin: bytes | None = None) -> Completed:
        out, status, err = self.raw(argv, timeout, stdin)
        if status in (126, 127) and err.startswith(b"env:"):  # env could not start the program
            raise CommandNotStarted(f"{err.decode('utf-8', 'replace').strip()} (on {self.where})")
        return Completed(status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def stream(self, argv: Sequence[str], timeout: float, on_stdout) -> tuple[int, str]:
        """Run a command handing its output to ``on_stdout`` as it comes: (exit status, stderr)."""
        _out, status, err = self.raw(argv, timeout, on_stdout=lambda data: on_stdout(data) is not False)
        return status, err.decode("utf-8", "replace")

    @contextmanager
    def feed(self, argv: Sequence[str], timeout: float):
        """A command on the server whose stdin we write (``sink.write(bytes)``); OSError if it fails."""
        channel = self._channel(argv, timeout)
        channel.settimeout(timeout)
        with self._link("sending data"):
            sink = _Sink(channel)
            try:
                yield sink
            except OSError:
                if not channel.exit_status_ready():
                    raise
            channel.shutdown_write()
            deadline = time.monotonic() + timeout
            while not channel.exit_status_ready() and time.monotonic() < deadline:
                sink.drain()
                time.sleep(0.01)
            if not channel.exit_status_ready():
                channel.close()
                raise OSError(f"{argv[0]} did not finish within {timeout} s on {self.where}")
            status = channel.recv_exit_status()
            sink.drain()
            err = sink.err
            channel.close()
        if status != 0:
            raise OSError(f"{argv[0]} failed on {self.where}: {err.decode('utf-8', 'replace').strip() or status}")

    def _helper(self, argv: Sequence[str], stdin: bytes | None = None, ok=(0,)) -> bytes:
        out, status, err = self.raw(argv, HELPER_TIMEOUT, stdin)
        if status not in ok:
            raise OSError(f"{argv[0]} on {self.where}: {err.decode('utf-8', 'replace').strip() or status}")
        return out

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

    # --- files ----------------------------------------------------------------------------------

    def read_bytes(self, path: str) -> bytes | None:
        sftp = self._sftp_client()
        with self._link(f"reading {path}"):
            try:
                with sftp.open(path, "rb") as handle:
                    return handle.read()
            except FileNotFoundError:
                return None

    def snapshots(self, paths: Iterable[str]) -> dict[str, FileState | None]:
        """Every file's bytes, mode and group in one round trip (a tar stream of them)."""
        paths = [str(p) for p in paths]
        if not paths:
            return {}
        out, status, err = self.raw(["tar", "-c", "-f", "-", "-P", "-h", "--no-recursion", "--null", "-T", "-"],
                                    HELPER_TIMEOUT, b"\0".join(p.encode() for p in paths) + b"\0")
        problems = [line for line in err.decode("utf-8", "replace").splitlines()
                    if "No such file or directory" not in line and "previous errors" not in line]
        if status not in (0, 2) or problems:
            raise OSError(f"could not read files on {self.where}: {'; '.join(problems) or status}")
        found: dict[str, FileState | None] = dict.fromkeys(paths)
        with tarfile.open(fileobj=io.BytesIO(out), mode="r:") as archive:
            for member in archive:
                content = archive.extractfile(member) if member.isfile() and member.name in found else None
                if content is not None:
                    found[member.name] = FileState(content.read(), member.mode & 0o7777, member.gid)
        return found

    def write_file(self, path: str, data: bytes, mode: int = 0o644, gid: int | None = None) -> None:
        """Atomic over SFTP: a temp file in the same folder (0600 before any byte is written),
        its mode and group, then a POSIX rename over the old file."""
        import secrets

        sftp = self._sftp_client()
        folder, _, name = path.rpartition("/")
        tmp = f"{folder}/.{name}.{secrets.token_hex(4)}.tmp"
        with self._link(f"writing {path}"):
            try:
                handle = sftp.open(tmp, "wb")
            except FileNotFoundError:
                self.makedirs([folder])
                handle = sftp.open(tmp, "wb")
            try:
                with handle:
                    handle.chmod(0o600)
                    handle.write(data)
                sftp.chmod(tmp, mode)
                if gid is not None:
                    sftp.chown(tmp, sftp.stat(tmp).st_uid, gid)
                sftp.posix_rename(tmp, path)
            except BaseException:
                try:
                    sftp.remove(tmp)
                except (OSError, EOFError):
                    pass
                raise

    def remove_file(self, path: str) -> None:
        sftp = self._sftp_client()
        with self._link(f"removing {path}"):
            try:
                sftp.remove(path)
            except FileNotFoundError:
                pass

    def flush(self, directory: str) -> None:
        self._helper(["sync", "--file-system", directory])

    def makedirs(self, paths: Iterable[str], mode: int = 0o777) -> None:
        paths = [str(p) for p in paths]
        if paths:
            options = ["-m", format(mode, "o")] if mode != 0o777 else []
            self._helper(["xargs", "-0", "-r", "mkdir", "-p", *options, "--"], b"\0".join(p.encode() for p in paths))

    def listdir(self, path: str) -> list[str]:
        """The names in a folder ([] when it is not there): ``find`` sends names only, where an
        SFTP listing carries (and paramiko unpacks) every entry's attributes."""
        out, status, _ = self.raw(["find", "-H", path, "-mindepth", "1", "-maxdepth", "1", "-printf", r"%f\0"],
                                  HELPER_TIMEOUT)
        return sorted(name for name in out.decode("utf-8", "surrogateescape").split("\0") if name) if status == 0 else []

    def realpaths(self, paths: Iterable[str]) -> dict[str, str]:
        paths = [str(p) for p in paths]
        if not paths:
            return {}
        out = self._helper(["xargs", "-0", "-r", "realpath", "-m", "-z", "--"], b"\0".join(p.encode() for p in paths))
        resolved = out.decode("utf-8", "replace").split("\0")[:len(paths)]
        if len(resolved) != len(paths):
            raise OSError(f"realpath on {self.where} answered {len(resolved)} of {len(paths)} paths")
        return dict(zip(paths, resolved))

    @contextmanager
    def temp_dir(self, parent: str, prefix: str):
        folder = self._helper(["mktemp", "-d", "-p", parent, f"{prefix}XXXXXXXX"]).decode().strip()
        try:
            yield folder
        finally:
            self._helper(["rm", "-rf", "--", folder])

    @contextmanager
    def lock(self, directory: str):
        """An flock on ``<dir>/.lock`` held by a command on the server for as long as we keep its
        channel open (``cat`` echoes our byte once the lock is ours); it ends with the connection."""
        self.makedirs([directory])
        channel = self._channel(["flock", "-x", "-w", str(int(HELPER_TIMEOUT)), f"{directory}/.lock", "cat"])
        with self._link("locking the configuration"):
            channel.settimeout(HELPER_TIMEOUT + 5)
            channel.sendall(b"x")
            if channel.recv(1) != b"x":
                channel.close()
                raise TransportError(f"could not lock {directory} on {self.where}")
        try:
            yield
        finally:
            try:
                channel.shutdown_write()
                channel.recv_exit_status()
                channel.close()
            except (OSError, EOFError):
                pass
