"""The plain streams routine the text protocols share.

asyncio.open_connection -> banner -> command -> writer.start_tls() -> certificate expiry.
Every read is bounded by the caller's asyncio.timeout; this module never waits on its own.
"""
from __future__ import annotations

import asyncio
import re
import ssl
from datetime import datetime, timezone
from functools import lru_cache

from cryptography import x509

from .result import Endpoint, ProbeFailure, TlsInfo

MAX_LINE = 64 * 1024  # one reply line
MAX_LINES = 500  # one multi-line reply
CLOSE_GRACE = 1.0  # seconds a polite close may take before the socket is aborted
_CODED = re.compile(r"^(\d{3})([ -]?)(.*)$")


@lru_cache(maxsize=64)
def tls_context(verify: bool, ca_file: str | None) -> ssl.SSLContext:
    """A client context: verifying (system store, or only `ca_file` when given) or not verifying."""
    if verify:
        return ssl.create_default_context(cafile=ca_file)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def endpoint_context(endpoint: Endpoint) -> ssl.SSLContext:
    return tls_context(bool(endpoint.verify_tls), endpoint.ca_file if endpoint.verify_tls else None)


def cert_expiry(ssl_object, decoded: dict | None = None) -> datetime | None:
    """notAfter of the peer certificate, as an aware UTC datetime.

    A verified handshake gives the decoded certificate (the transport keeps the one it decoded at
    the end of the handshake: `decoded`); an unverified one gives only the DER bytes, which are
    parsed with cryptography.
    """
    if ssl_object is None:
        return None
    if decoded is None:
        decoded = ssl_object.getpeercert()
    if decoded and decoded.get("notAfter"):
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(decoded["notAfter"]), tz=timezone.utc)
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return None
    return x509.load_der_x509_certificate(der).not_valid_after_utc


def tls_info_of(writer: asyncio.StreamWriter, context: ssl.SSLContext) -> TlsInfo | None:
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    expires = cert_expiry(ssl_object, writer.get_extra_info("peercert"))
    return TlsInfo(expires=expires, verified=context.verify_mode == ssl.CERT_REQUIRED)


class TextStream:
    """One line-oriented conversation with a server. Use as `async with await TextStream.open(...)`."""

    def __init__(self, endpoint: Endpoint, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.endpoint = endpoint
        self.reader = reader
        self.writer = writer
        self.tls: TlsInfo | None = None

    @classmethod
    async def open(cls, endpoint: Endpoint, *, implicit_tls: bool = False) -> "TextStream":
        context = endpoint_context(endpoint) if implicit_tls else None
        reader, writer = await asyncio.open_connection(
            endpoint.host,
            endpoint.port,
            ssl=context,
            server_hostname=endpoint.tls_name if context else None,
            limit=MAX_LINE,
        )
        stream = cls(endpoint, reader, writer)
        if context is not None:
            stream.tls = tls_info_of(writer, context)
        return stream

    async def __aenter__(self) -> "TextStream":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.close(graceful=exc_type is None)

    async def start_tls(self) -> TlsInfo:
        context = endpoint_context(self.endpoint)
        await self.writer.start_tls(context, server_hostname=self.endpoint.tls_name)
        self.tls = tls_info_of(self.writer, context)
        return self.tls

    def fail(self, reason: str) -> ProbeFailure:
        """A failure that keeps what was learnt about TLS so far."""
        return ProbeFailure(reason, tls=self.tls)

    async def send(self, line: str) -> None:
        self.writer.write(line.encode("utf-8") + b"\r\n")
        await self.writer.drain()

    async def readline(self) -> str:
        try:
            raw = await self.reader.readuntil(b"\n")
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

    async def close(self, graceful: bool = True) -> None:
        writer, self.writer = self.writer, None
        if writer is None:
            return
        if not graceful:
            writer.transport.abort()
            return
        try:
            writer.close()
            async with asyncio.timeout(CLOSE_GRACE):
                await writer.wait_closed()
        except BaseException as exc:  # a slow or broken peer, or our own cancellation
            writer.transport.abort()
            if not isinstance(exc, (OSError, TimeoutError)):
                raise

    async def polite(self, command: str, read_reply) -> None:
        """Say goodbye (QUIT/LOGOUT) and wait briefly for the answer; a silent peer is no failure."""
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await self.send(command)
                await read_reply()
        except (OSError, TimeoutError, ProbeFailure):
            pass
