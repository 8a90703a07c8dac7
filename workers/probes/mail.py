"""Mail probes: smtp/smtps, pop3/pop3s, imap/imaps over the plain streams routine.

Plain variants upgrade with STARTTLS/STLS whenever the server offers it; the `s` variants use
implicit TLS. With endpoint.username set, POP3 and IMAP also log in.
"""
from __future__ import annotations

from .result import Endpoint, Up
from .streams import TextStream


def _local_literal(stream: TextStream) -> str:
    """Our own address as an RFC 5321 address literal, for EHLO."""
    sockname = stream.sockname or ("127.0.0.1",)
    address = str(sockname[0])
    return f"[IPv6:{address}]" if ":" in address else f"[{address}]"


async def _hello(stream: TextStream) -> list[str]:
    """EHLO (falling back to HELO); returns the extension keywords, upper case."""
    name = _local_literal(stream)
    await stream.send(f"EHLO {name}")
    code, lines = await stream.coded_reply()
    if code == 250:
        return [line.split(" ", 1)[0].upper() for line in lines[1:]]
    await stream.send(f"HELO {name}")
    code, _ = await stream.coded_reply()
    if code != 250:
        raise stream.fail(f"HELO {code}")
    return []


async def check_smtp(endpoint: Endpoint, implicit_tls: bool = False) -> Up:
    async with await TextStream.open(endpoint, implicit_tls=implicit_tls) as stream:
        code, _ = await stream.coded_reply()
        if code != 220:
            raise stream.fail(f"banner {code}")
        extensions = await _hello(stream)
        if not implicit_tls and "STARTTLS" in extensions:
            await stream.send("STARTTLS")
            code, _ = await stream.coded_reply()
            if code != 220:
                raise stream.fail(f"STARTTLS {code}")
            await stream.start_tls()
            await _hello(stream)
        await stream.polite("QUIT", stream.coded_reply)
        return Up("ok", tls=stream.tls)


async def check_smtps(endpoint: Endpoint) -> Up:
    return await check_smtp(endpoint, implicit_tls=True)


def _pop3_status(line: str) -> str:
    return line.split(" ", 1)[0][:20]


async def _pop3_ok(stream: TextStream, command: str, what: str) -> str:
    await stream.send(command)
    line = await stream.readline()
    if not line.startswith("+OK"):
        raise stream.fail(f"{what} {_pop3_status(line)}")
    return line


async def check_pop3(endpoint: Endpoint, implicit_tls: bool = False) -> Up:
    async with await TextStream.open(endpoint, implicit_tls=implicit_tls) as stream:
        banner = await stream.readline()
        if not banner.startswith("+OK"):
            raise stream.fail(f"banner {_pop3_status(banner)}")
        if not implicit_tls:
            await stream.send("CAPA")
            capa = await stream.readline()
            capabilities = await stream.dotted_reply() if capa.startswith("+OK") else []
            if any(c.split(" ", 1)[0].upper() == "STLS" for c in capabilities):
                await _pop3_ok(stream, "STLS", "STLS")
                await stream.start_tls()
        if endpoint.username:
            await _pop3_ok(stream, f"USER {endpoint.username}", "login")
            await _pop3_ok(stream, f"PASS {endpoint.password or ''}", "login")
        await stream.polite("QUIT", stream.readline)
        return Up("ok", tls=stream.tls)


async def check_pop3s(endpoint: Endpoint) -> Up:
    return await check_pop3(endpoint, implicit_tls=True)


def _imap_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_capabilities(lines: list[str]) -> set[str]:
    caps: set[str] = set()
    for line in lines:
        upper = line.upper()
        if "[CAPABILITY " in upper:
            caps.update(upper.split("[CAPABILITY ", 1)[1].split("]", 1)[0].split())
        elif upper.startswith("* CAPABILITY "):
            caps.update(upper[len("* CAPABILITY "):].split())
    return caps


async def _imap_command(stream: TextStream, tag: str, command: str, what: str) -> list[str]:
    await stream.send(f"{tag} {command}")
    status, untagged = await stream.tagged_reply(tag)
    if status != "OK":
        raise stream.fail(f"{what} {status}")
    return untagged


async def check_imap(endpoint: Endpoint, implicit_tls: bool = False) -> Up:
    async with await TextStream.open(endpoint, implicit_tls=implicit_tls) as stream:
        banner = await stream.readline()
        words = banner.split(" ", 2)
        if len(words) < 2 or words[0] != "*" or words[1].upper() not in ("OK", "PREAUTH"):
            raise stream.fail(f"banner {' '.join(words[:2])[:20]}")
        if not implicit_tls:
            caps = _imap_capabilities([banner])
            if not caps:
                caps = _imap_capabilities(await _imap_command(stream, "p1", "CAPABILITY", "CAPABILITY"))
            if "STARTTLS" in caps:
                await _imap_command(stream, "p2", "STARTTLS", "STARTTLS")
                await stream.start_tls()
        if endpoint.username and words[1].upper() != "PREAUTH":
            login = f"LOGIN {_imap_quote(endpoint.username)} {_imap_quote(endpoint.password or '')}"
            await _imap_command(stream, "p3", login, "login")
        await stream.polite("p4 LOGOUT", lambda: stream.tagged_reply("p4"))
        return Up("ok", tls=stream.tls)


async def check_imaps(endpoint: Endpoint) -> Up:
    return await check_imap(endpoint, implicit_tls=True)
