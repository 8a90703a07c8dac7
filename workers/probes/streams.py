"""The plain streams routine the text protocols share.

connect -> banner -> command -> start_tls() -> certificate expiry, on one non-blocking socket that
the event loop watches for the life of the conversation: whatever arrives is read at once (through
OpenSSL once TLS is up: tls.py) into a buffer the reads take lines and bytes from.
Every wait is bounded by the caller's asyncio.timeout; this module never waits on its own.
"""
from __future__ import annotations

import asyncio
import re
import socket

from OpenSSL import SSL

from . import tls
from .result import Endpoint, ProbeFailure, TlsInfo

MAX_LINE = 64 * 1024  # one reply line
MAX_LINES = 500  # one multi-line reply
HIGH_WATER = 2 * 1024 * 1024  # buffered bytes at which reading pauses until the probe takes some
RECV = 256 * 1024
CLOSE_GRACE = 1.0  # seconds a polite goodbye may take
_CODED = re.compile(r"^(\d{3})([ -]?)(.*)$")
_WAIT = (BlockingIOError, InterruptedError, SSL.WantReadError)


async def connect(host: str, port: int) -> socket.socket:
    """A connected non-blocking TCP socket; every address of the host is tried in turn."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    errors: list[OSError] = []
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await loop.sock_connect(sock, address)
            return sock
        except OSError as exc:
            sock.close()
            errors.append(exc)
        except BaseException:
            sock.close()
            raise
    if len(errors) == 1 or len({str(exc) for exc in errors}) == 1:
        raise errors[0]
    raise OSError(f"Multiple exceptions: {', '.join(str(exc) for exc in errors)}")  # as asyncio words it


class TextStream:
    """One line-oriented conversation with a server. Use as `async with await TextStream.open(...)`."""

    def __init__(self, endpoint: Endpoint, sock: socket.socket):
        self.endpoint = endpoint
        self.sock: socket.socket | None = sock
        self.fd = sock.fileno()
        self.conn: SSL.Connection | None = None  # once TLS is up
        self.tls: TlsInfo | None = None
        self._loop = asyncio.get_running_loop()
        self._buffer = bytearray()
        self._eof = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future | None = None
        self._handshake: asyncio.Future | None = None
        self._paused = False
        self._loop.add_reader(self.fd, self._readable)

    @classmethod
    async def open(cls, endpoint: Endpoint, *, implicit_tls: bool = False) -> "TextStream":
        stream = cls(endpoint, await connect(endpoint.host, endpoint.port))
        if implicit_tls:
            try:
                await stream.start_tls()
            except BaseException:
                stream.abort()
                raise
        return stream

    async def __aenter__(self) -> "TextStream":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.close(graceful=exc_type is None)

    @property
    def sockname(self):
        return self.sock.getsockname() if self.sock is not None else None

    # -- the event loop's side: read whatever has arrived -------------------------------------

    def _readable(self) -> None:
        if self._handshake is not None:
            self._step_handshake()
            return
        source = self.conn or self.sock
        try:
            while len(self._buffer) < HIGH_WATER:
                data = source.recv(RECV)
                if not data:
                    self._eof = True
                    break
                self._buffer += data
            else:
                self._pause()
        except _WAIT:
            pass
        except SSL.ZeroReturnError:  # the peer's close_notify
            self._eof = True
        except SSL.Error as exc:
            self._error = tls.as_ssl_error(self.conn, exc, self.endpoint.tls_name)
        except OSError as exc:
            self._error = exc
        if self._eof or self._error is not None:
            self._pause()
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _pause(self) -> None:
        if not self._paused and self.sock is not None:
            self._paused = True
            self._loop.remove_reader(self.fd)

    def _resume(self) -> None:
        if self._paused and not self._eof and self._error is None and len(self._buffer) < HIGH_WATER:
            self._paused = False
            self._loop.add_reader(self.fd, self._readable)
            self._readable()  # OpenSSL may hold decrypted bytes the socket no longer signals

    async def _more(self) -> bool:
        """Wait for more bytes; False at the end of the stream."""
        if self._error is not None:
            raise self._error
        if self._eof:
            return False
        self._resume()
        if self._waiter is None or self._waiter.done():
            self._waiter = self._loop.create_future()
        await self._waiter
        if self._error is not None:
            raise self._error
        return True

    # -- TLS --------------------------------------------------------------------------------

    def _step_handshake(self) -> None:
        waiter = self._handshake
        try:
            self.conn.do_handshake()
        except SSL.WantReadError:
            return
        except SSL.WantWriteError:  # a full send buffer: go on when it drains (once)
            self._loop.add_writer(self.fd, self._writable_for_handshake)
            return
        except SSL.Error as exc:
            self._handshake = None
            if not waiter.done():
                waiter.set_exception(tls.as_ssl_error(self.conn, exc, self.endpoint.tls_name))
            return
        self._handshake = None
        if not waiter.done():
            waiter.set_result(None)

    def _writable_for_handshake(self) -> None:
        self._loop.remove_writer(self.fd)
        if self._handshake is not None:
            self._step_handshake()

    async def start_tls(self) -> TlsInfo:
        context = tls.endpoint_context(self.endpoint)
        self._buffer.clear()  # nothing said before the handshake is kept (RFC 3207 section 4.2)
        self.conn = tls.client_connection(context, self.sock, self.endpoint.tls_name)
        waiter = self._handshake = self._loop.create_future()
        self._resume()
        if self._handshake is not None:
            self._step_handshake()
        try:
            await waiter
        finally:
            self._handshake = None
        self.tls = tls.tls_info(self.conn)
        self._readable()  # anything that came with the last handshake flight
        return self.tls

    def fail(self, reason: str) -> ProbeFailure:
        """A failure that keeps what was learnt about TLS so far."""
        return ProbeFailure(reason, tls=self.tls)

    # -- the probe's side ---------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = (self.conn or self.sock).send(view)
            except (BlockingIOError, InterruptedError, SSL.WantWriteError, SSL.WantReadError):
                await self._writable()
                continue
            except SSL.Error as exc:
                raise tls.as_ssl_error(self.conn, exc, self.endpoint.tls_name) from None
            view = view[sent:]

    async def _writable(self) -> None:
        waiter = self._loop.create_future()
        self._loop.add_writer(self.fd, lambda: waiter.done() or waiter.set_result(None))
        try:
            await waiter
        finally:
            self._loop.remove_writer(self.fd)

    async def send(self, line: str) -> None:
        await self.write(line.encode("utf-8") + b"\r\n")

    async def readuntil_newline(self) -> bytes:
        start = 0
        while True:
            end = self._buffer.find(b"\n", start)
            if end >= 0:
                if end >= MAX_LINE:
                    raise asyncio.LimitOverrunError("line too long", end)
                line = bytes(self._buffer[:end + 1])
                del self._buffer[:end + 1]
                return line
            if len(self._buffer) > MAX_LINE:
                raise asyncio.LimitOverrunError("line too long", len(self._buffer))
            start = len(self._buffer)
            if not await self._more():
                partial = bytes(self._buffer)
                self._buffer.clear()
                raise asyncio.IncompleteReadError(partial, None)

    async def readexactly(self, count: int) -> bytes:
        while len(self._buffer) < count:
            if not await self._more():
                partial = bytes(self._buffer)
                self._buffer.clear()
                raise asyncio.IncompleteReadError(partial, count)
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    async def read(self, limit: int) -> bytes:
        """Up to `limit` bytes; b"" at the end of the stream."""
        while not self._buffer:
            if not await self._more():
                return b""
        data = bytes(self._buffer[:limit])
        del self._buffer[:limit]
        return data

    async def readline(self) -> str:
        try:
            raw = await self.readuntil_newline()
        except asyncio.IncompleteReadError as exc:
            raise self.fail("connection closed by peer" + (" mid-line" if exc.partial else "")) from None
        except asyncio.LimitOverrunError:
            raise self.fail("reply line too long") from None
        return raw.decode("utf-8", "replace").rstrip("\r\n")

    async def coded_reply(self) -> tuple[int, list[str]]:
        """An SMTP/FTP reply: `ddd-...` lines up to the `ddd ...` line. Returns (code, texts)."""
        first = await self.readline()
        match = _CODED.match(first)
        if not match:
            raise self.fail(f"unexpected reply {first[:40]!r}")
        code, texts = match.group(1), [match.group(3)]
        if match.group(2) == "-":
            for _ in range(MAX_LINES):
                line = await self.readline()
                if line.startswith(code + " ") or line == code:
                    texts.append(line[4:])
                    break
                texts.append(line[4:] if line.startswith(code + "-") else line)
            else:
                raise self.fail("reply too long")
        return int(code), texts

    async def dotted_reply(self) -> list[str]:
        """The body of a POP3 multi-line reply, up to the line holding a single dot."""
        lines = []
        for _ in range(MAX_LINES):
            line = await self.readline()
            if line == ".":
                return lines
            lines.append(line[1:] if line.startswith("..") else line)
        raise self.fail("reply too long")

    async def tagged_reply(self, tag: str) -> tuple[str, list[str]]:
        """An IMAP reply: untagged lines up to `<tag> OK|NO|BAD ...`. Returns (status, untagged)."""
        untagged = []
        for _ in range(MAX_LINES):
            line = await self.readline()
            if line.startswith(tag + " "):
                status = line[len(tag) + 1:].split(" ", 1)[0].upper()
                return status, untagged
            untagged.append(line)
        raise self.fail("reply too long")

    def abort(self) -> None:
        """Stop watching the socket and close it, at once."""
        sock, self.sock = self.sock, None
        if sock is None:
            return
        if not self._paused:
            self._loop.remove_reader(self.fd)
        self._loop.remove_writer(self.fd)
        sock.close()

    async def close(self, graceful: bool = True) -> None:
        """Close the socket; a graceful close after TLS first sends close_notify (never waits for
        the peer's: the conversation is over)."""
        if graceful and self.conn is not None and self.sock is not None and self._handshake is None:
            try:
                self.conn.shutdown()
            except (SSL.Error, OSError):
                pass
        self.abort()

    async def polite(self, command: str, read_reply) -> None:
        """Say goodbye (QUIT/LOGOUT) and wait briefly for the answer; a silent peer is no failure."""
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await self.send(command)
                await read_reply()
        except (OSError, TimeoutError, ProbeFailure):
            pass
