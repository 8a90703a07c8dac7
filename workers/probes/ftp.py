"""FTP probes: ftp (220 banner) and ftps (explicit FTPS: AUTH TLS on the control connection).

With endpoint.username set, both also log in (USER/PASS); ftps logs in only after TLS is up.
"""
from __future__ import annotations

from .result import Endpoint, Up
from .streams import TextStream


async def _login(stream: TextStream, endpoint: Endpoint) -> None:
    await stream.send(f"USER {endpoint.username}")
    code, _ = await stream.coded_reply()
    if code == 331:
        await stream.send(f"PASS {endpoint.password or ''}")
        code, _ = await stream.coded_reply()
    if code not in (230, 202):
        raise stream.fail(f"login {code}")


async def check_ftp(endpoint: Endpoint, explicit_tls: bool = False) -> Up:
    async with await TextStream.open(endpoint) as stream:
        code, _ = await stream.coded_reply()
        if code != 220:
            raise stream.fail(f"banner {code}")
        if explicit_tls:
            await stream.send("AUTH TLS")
            code, _ = await stream.coded_reply()
            if code != 234:
                raise stream.fail(f"AUTH TLS {code}")
            await stream.start_tls()
        if endpoint.username:
            await _login(stream, endpoint)
        await stream.polite("QUIT", stream.coded_reply)
        return Up("ok", tls=stream.tls)


async def check_ftps(endpoint: Endpoint) -> Up:
    return await check_ftp(endpoint, explicit_tls=True)
