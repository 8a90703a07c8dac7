"""HTTP and HTTPS probes: hand-written HTTP/1.1 GET over the plain streams routine.

UP when the final status equals endpoint.expect_status and, when endpoint.keyword is set, the
body (first MAX_BODY bytes) contains it. Redirects are followed, at most MAX_REDIRECTS of them,
unless the redirect status itself is the expected one. The TLS details reported are those of the
first TLS connection made (the endpoint's own for https).
"""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from .result import Endpoint, ProbeFailure, TlsInfo, Up
from .streams import TextStream

MAX_REDIRECTS = 5
MAX_BODY = 1024 * 1024
MAX_HEADERS = 200
REDIRECTS = (301, 302, 303, 307, 308)
DEFAULT_PORT = {"http": 80, "https": 443}
USER_AGENT = "oem-panel-probe/1.0"


def _host_for_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _url(endpoint: Endpoint) -> str:
    path = endpoint.path if endpoint.path.startswith("/") else "/" + endpoint.path
    return f"{endpoint.protocol}://{_host_for_url(endpoint.host)}:{endpoint.port}{path}"


def _host_header(endpoint: Endpoint) -> str:
    name = _host_for_url(endpoint.server_name or endpoint.host)
    if endpoint.port == DEFAULT_PORT.get(endpoint.protocol):
        return name
    return f"{name}:{endpoint.port}"


def _request(endpoint: Endpoint) -> bytes:
    path = endpoint.path if endpoint.path.startswith("/") else "/" + endpoint.path
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {_host_header(endpoint)}",
        f"User-Agent: {USER_AGENT}",
        "Accept: */*",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


async def _read_head(stream: TextStream) -> tuple[int, dict[str, str]]:
    """Status line and headers of the final (non-1xx) response."""
    while True:
        status_line = await stream.readline()
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise stream.fail(f"not an HTTP reply: {status_line[:40]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = await stream.readline()
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            raise stream.fail("too many HTTP headers")
        if not 100 <= status < 200:
            return status, headers


async def _read_body(stream: TextStream, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while len(body) < MAX_BODY:
            size_line = await stream.readline()
            try:
                size = int(size_line.split(";", 1)[0].strip(), 16)
            except ValueError:
                raise stream.fail("bad chunked encoding") from None
            if size == 0:
                break
            body += await stream.readexactly(size)
            await stream.readexactly(2)  # CRLF after each chunk
        return bytes(body[:MAX_BODY])
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        return await stream.readexactly(min(int(length), MAX_BODY))
    body = bytearray()  # no length given: the body runs to the close (read up to MAX_BODY)
    while len(body) < MAX_BODY:
        chunk = await stream.read(MAX_BODY - len(body))
        if not chunk:
            break
        body += chunk
    return bytes(body)


async def _fetch(
    endpoint: Endpoint, want_body: Callable[[int], bool]
) -> tuple[int, dict[str, str], bytes, TlsInfo | None]:
    async with await TextStream.open(endpoint, implicit_tls=endpoint.protocol == "https") as stream:
        await stream.write(_request(endpoint))
        status, headers = await _read_head(stream)
        body = b""
        if want_body(status):
            try:
                body = await _read_body(stream, headers)
            except asyncio.IncompleteReadError:
                raise stream.fail("connection closed mid-body") from None
        return status, headers, body, stream.tls


def _follow(endpoint: Endpoint, current: Endpoint, location: str) -> Endpoint:
    target = urlsplit(urljoin(_url(current), location))
    if target.scheme not in DEFAULT_PORT or not target.hostname:
        raise ValueError(location)
    path = target.path or "/"
    if target.query:
        path += "?" + target.query
    same_host = target.hostname == endpoint.host
    return dataclasses.replace(
        current,
        protocol=target.scheme,
        host=target.hostname,
        port=target.port or DEFAULT_PORT[target.scheme],
        path=path,
        server_name=endpoint.server_name if same_host else None,
    )


async def check_http(endpoint: Endpoint) -> Up:
    current = endpoint
    first_tls: TlsInfo | None = None
    keyword = endpoint.keyword.encode("utf-8") if endpoint.keyword else None

    def want_body(status: int) -> bool:
        return keyword is not None and status == endpoint.expect_status

    for hop in range(MAX_REDIRECTS + 1):
        status, headers, body, tls = await _fetch(current, want_body)
        first_tls = first_tls or tls
        if status == endpoint.expect_status:
            if keyword is not None and keyword not in body:
                raise ProbeFailure("keyword not found", tls=first_tls)
            return Up(f"HTTP {status}", tls=first_tls)
        if status not in REDIRECTS or "location" not in headers:
            raise ProbeFailure(f"HTTP {status}", tls=first_tls)
        if hop == MAX_REDIRECTS:
            break
        try:
            current = _follow(endpoint, current, headers["location"])
        except ValueError:
            raise ProbeFailure(f"HTTP {status} to unusable location", tls=first_tls) from None
    raise ProbeFailure(f"too many redirects (> {MAX_REDIRECTS})", tls=first_tls)


check_https = check_http
