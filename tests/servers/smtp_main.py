"""Run aiosmtpd as a separate process: SMTP with STARTTLS, SMTPS (implicit TLS), plain SMTP.

python smtp_main.py CHAIN KEY STARTTLS_PORT SMTPS_PORT PLAIN_PORT   (SIGTERM stops it)
"""
import asyncio
import ssl
import sys

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP


async def main(chain: str, key: str, starttls_port: int, smtps_port: int, plain_port: int) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, key)
    loop = asyncio.get_running_loop()
    await loop.create_server(
        lambda: SMTP(Sink(), hostname="localhost", tls_context=context), "127.0.0.1", starttls_port
    )
    await loop.create_server(lambda: SMTP(Sink(), hostname="localhost"), "127.0.0.1", smtps_port, ssl=context)
    await loop.create_server(lambda: SMTP(Sink(), hostname="localhost"), "127.0.0.1", plain_port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])))
