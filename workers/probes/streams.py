"""The plain streams routine the text protocols share.

connect -> banner -> command -> start_tls() -> certificate expiry. One asyncio Protocol per
conversation takes whatever the transport receives into a buffer the reads take lines and bytes
from; once TLS is up, the bytes go through OpenSSL on memory BIOs first (tls.py).
Every wait is bounded by the caller's asyncio.timeout; this module never waits on its own.
"""
from __future__ import annotations

import asyncio
import re

from OpenSSL import SSL

from . import tls
from .result import Endpoint, ProbeFailure, TlsInfo

MAX_LINE = 64 * 1024  # one reply line
MAX_LINES = 500  # one multi-line reply
HIGH_WATER = 2 * 1024 * 1024  # buffered bytes at which reading pauses until the probe takes some
CLOSE_GRACE = 1.0  # seconds a polite goodbye may take
_CODED = re.compile(r"^(\d{3})([ -]?)(.*)$")


class _Wire(asyncio.Protocol):
    """The event loop's side of a TextStream: what arrives, decrypted once TLS is up."""

    def __init__(self, name: str):
        self.name = name  # the TLS name, for error messages
        self.transport: asyncio.Transport | None = None
        self.tls: tls.MemoryTls | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future | None = None
        self.handshake: asyncio.Future | None = None
        self.paused = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.tls is None:
            self.buffer += data
        else:
            self.tls.feed(data)
            if self.handshake is not None:
                self.step_handshake()
            if self.handshake is None:
                self.decrypt()
        if len(self.buffer) >= HIGH_WATER and not self.paused:
            assert self.transport is not None  # connection_made() comes before any data
            self.paused = True
            self.transport.pause_reading()
        self.wake()

    def eof_received(self) -> bool:
        self.connection_lost(None)
        return False

    def connection_lost(self, exc) -> None:
        if exc is not None and self.error is None and not self.eof:
            self.error = exc
        self.eof = True
        self.end_handshake(ConnectionResetError("Connection lost"))
        self.wake()

    def wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def resume(self) -> None:
        if self.paused and len(self.buffer) < HIGH_WATER and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    def flush(self) -> None:
        """Send what OpenSSL has written into its outgoing BIO."""
        assert self.tls is not None and self.transport is not None  # only once start_tls() is under way
        data = self.tls.outgoing()
        if data:
            self.transport.write(data)

    def decrypt(self) -> None:
        assert self.tls is not None  # only once start_tls() is under way
        try:
            if self.tls.read_into(self.buffer):  # the peer's close_notify
                self.eof = True
        except SSL.Error as exc:
            self.error = tls.as_ssl_error(self.tls.conn, exc, self.name)
        # nothing to flush: what reading may queue (a KeyUpdate answer) goes out with the next write

    def step_handshake(self) -> None:
        assert self.tls is not None  # only once start_tls() is under way
        try:
            done = self.tls.handshake()
        except SSL.Error as exc:
            self.flush()  # the alert, if any
            self.end_handshake(tls.as_ssl_error(self.tls.conn, exc, self.name))
            return
        self.flush()
        if done:
            self.end_handshake(None)

    def end_handshake(self, exc: BaseException | None) -> None:
        waiter, self.handshake = self.handshake, None
        if waiter is not None and not waiter.done():
            if exc is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(exc)


class TextStream:
    """One line-oriented conversation with a server. Use as `async with await TextStream.open(...)`."""

    def __init__(self, endpoint: Endpoint, wire: _Wire):
        self.endpoint = endpoint
        self.wire = wire
        self.tls: TlsInfo | None = None
        self._loop = asyncio.get_running_loop()

    @classmethod
    async def open(cls, endpoint: Endpoint, *, implicit_tls: bool = False) -> "TextStream":
        loop = asyncio.get_running_loop()
        assert endpoint.port is not None  # probe() refuses an endpoint of these protocols without a port
        _, wire = await loop.create_connection(lambda: _Wire(endpoint.tls_name), endpoint.host, endpoint.port)
        stream = cls(endpoint, wire)
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
        transport = self.wire.transport
        return transport.get_extra_info("sockname") if transport is not None else None

    async def _more(self) -> bool:
        """Wait for more bytes; False at the end of the stream."""
        wire = self.wire
        if wire.error is not None:
            raise wire.error
        if wire.eof:
            return False
        wire.resume()
        if wire.waiter is None or wire.waiter.done():
            wire.waiter = self._loop.create_future()
        await wire.waiter
        if wire.error is not None:
            raise wire.error
        return True

    async def start_tls(self) -> TlsInfo:
        wire = self.wire
        context = tls.endpoint_context(self.endpoint)
        wire.buffer.clear()  # nothing said before the handshake is kept (RFC 3207 section 4.2)
        wire.tls = tls.MemoryTls(tls.client_connection(context, None, self.endpoint.tls_name))
        waiter = wire.handshake = self._loop.create_future()
        if wire.eof or wire.error is not None:
            wire.end_handshake(wire.error or ConnectionResetError("Connection lost"))
        else:
            wire.resume()
            wire.step_handshake()
        await waiter
        self.tls = tls.tls_info(wire.tls.conn)
        wire.decrypt()  # anything that came with the last handshake flight
        return self.tls

    def fail(self, reason: str) -> ProbeFailure:
        """A failure that keeps what was learnt about TLS so far."""
        return ProbeFailure(reason, tls=self.tls)

    # -- the probe's side ---------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        """Queue `data` on the transport (probes send a few short lines: no flow control needed)."""
        wire = self.wire
        if wire.error is not None:
            raise wire.error
        if wire.transport is None or wire.transport.is_closing():
            raise ConnectionResetError("Connection lost")
        if wire.tls is None:
            wire.transport.write(data)
            return
        try:
            wire.tls.write(data)
        except SSL.Error as exc:
            raise tls.as_ssl_error(wire.tls.conn, exc, wire.name) from None
        wire.flush()

    async def send(self, line: str) -> None:
        await self.write(line.encode("utf-8") + b"\r\n")

    def _take(self, count: int) -> bytes:
        """The first `count` buffered bytes, removed from the buffer."""
        buffer = self.wire.buffer
        data = bytes(buffer[:count])
        del buffer[:count]
        return data

    def _incomplete(self, expected: int | None) -> asyncio.IncompleteReadError:
        """The stream ended early: what was left in the buffer goes with the error."""
        return asyncio.IncompleteReadError(self._take(len(self.wire.buffer)), expected)

    async def readuntil_newline(self) -> bytes:
        start = 0
        while True:
            end = self.wire.buffer.find(b"\n", start)
            if end >= 0:
                if end >= MAX_LINE:
                    raise asyncio.LimitOverrunError("line too long", end)
                return self._take(end + 1)
            if len(self.wire.buffer) > MAX_LINE:
                raise asyncio.LimitOverrunError("line too long", len(self.wire.buffer))
            start = len(self.wire.buffer)
            if not await self._more():
                raise self._incomplete(None)

    async def readexactly(self, count: int) -> bytes:
        while len(self.wire.buffer) < count:
            if not await self._more():
                raise self._incomplete(count)
        return self._take(count)

    async def read(self, limit: int) -> bytes:
        """Up to `limit` bytes; b"" at the end of the stream."""
        while not self.wire.buffer:
            if not await self._more():
                return b""
        return self._take(limit)

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
        lines: list[str] = []
        for _ in range(MAX_LINES):
            line = await self.readline()
            if line == ".":
                return lines
            lines.append(line[1:] if line.startswith("..") else line)
        raise self.fail("reply too long")

    async def tagged_reply(self, tag: str) -> tuple[str, list[str]]:
        """An IMAP reply: untagged lines up to `<tag> OK|NO|BAD ...`. Returns (status, untagged)."""
        untagged: list[str] = []
        for _ in range(MAX_LINES):
            line = await self.readline()
            if line.startswith(tag + " "):
                status = line[len(tag) + 1:].split(" ", 1)[0].upper()
                return status, untagged
            untagged.append(line)
        raise self.fail("reply too long")

    def abort(self) -> None:
        """Close the connection at once."""
        transport = self.wire.transport
        if transport is not None:
            transport.abort()

    async def close(self, graceful: bool = True) -> None:
        """Close the connection; a graceful close after TLS first sends close_notify (never waits
        for the peer's: the conversation is over)."""
        wire, transport = self.wire, self.wire.transport
        if transport is None or transport.is_closing():
            return
        if not graceful or transport.get_write_buffer_size():
            transport.abort()
            return
        if wire.tls is not None and wire.handshake is None:
            try:
                wire.tls.conn.shutdown()
                wire.flush()
            except SSL.Error:
                pass
        transport.close()

    async def polite(self, command: str, read_reply) -> None:
        """Say goodbye (QUIT/LOGOUT) and wait briefly for the answer; a silent peer is no failure."""
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await self.send(command)
                await read_reply()
        except (OSError, TimeoutError, ProbeFailure):
            pass
