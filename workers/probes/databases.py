"""Database probes: postgresql and mysql (MariaDB).

Without credentials: a real protocol handshake, done asynchronously.
  PostgreSQL: SSLRequest (TLS when the server accepts it, for the certificate), then a
  StartupMessage; any authentication request, or an error that is about the login itself
  (wrong role, database, password), means the server serves. Errors of SQLSTATE classes 53, 57,
  58 and XX (too many connections, starting up, shutting down, system errors) mean DOWN.
  MySQL: the server greeting packet (protocol 10); an ERR packet instead (host blocked, too many
  connections) is DOWN. The probe then answers the greeting with a login as the unprivileged
  name `oem_probe`, so the server never counts an aborted handshake against this host
  (max_connect_errors would block it after enough of them).
With endpoint.username: the handshake first (so a hung peer never holds a thread), then a real
login and `SELECT 1`: psycopg's AsyncConnection, or PyMySQL in a worker thread whose socket
timeouts equal the time left, all under the probe's timeout.
"""
from __future__ import annotations

import asyncio
import struct

import psycopg
import pymysql

from .result import Endpoint, ProbeFailure, TlsInfo, Up
from .streams import TextStream

PG_SSL_REQUEST = struct.pack("!ii", 8, 80877103)
PG_PROTOCOL_3 = 196608
PG_DOWN_CLASSES = ("53", "57", "58", "XX")
MYSQL_PROBE_USER = b"oem_probe"
MYSQL_DOWN_ERRORS = {1040, 1129, 1130, 1203}  # too many connections, host blocked/not allowed
MYSQL_CAPS = 0x00000001 | 0x00000200 | 0x00008000 | 0x00080000  # long pw, 4.1, secure conn, plugin auth


def _time_left(endpoint: Endpoint, started: float) -> float:
    return max(0.5, endpoint.timeout - (asyncio.get_running_loop().time() - started))


def _close(writer: asyncio.StreamWriter) -> None:
    writer.transport.abort()


async def _read_exact(reader, size: int, what: str) -> bytes:
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise ProbeFailure(f"connection closed during {what}") from None


def _pg_fields(payload: bytes) -> dict[str, str]:
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


async def _pg_handshake(endpoint: Endpoint) -> TlsInfo | None:
    stream = await TextStream.open(endpoint)
    try:
        await stream.write(PG_SSL_REQUEST)
        answer = await _read_exact(stream, 1, "SSLRequest")
        if answer == b"S":
            await stream.start_tls()
        elif answer != b"N":
            raise ProbeFailure("not a PostgreSQL server (SSLRequest answer)")
        tls = stream.tls
        user = (endpoint.username or "postgres").encode()
        params = b"user\0" + user + b"\0database\0" + (endpoint.database or "postgres").encode()
        params += b"\0application_name\0oem-probe\0\0"
        body = struct.pack("!i", PG_PROTOCOL_3) + params
        await stream.write(struct.pack("!i", len(body) + 4) + body)
        kind = await _read_exact(stream, 1, "startup")
        (length,) = struct.unpack("!i", await _read_exact(stream, 4, "startup"))
        if kind not in (b"R", b"E") or not 8 <= length <= 65536:
            raise ProbeFailure("not a PostgreSQL server (startup answer)", tls=tls)
        payload = await _read_exact(stream, length - 4, "startup")
        if kind == b"E":
            fields = _pg_fields(payload)
            code = fields.get("C", "")
            if code[:2] in PG_DOWN_CLASSES:
                raise ProbeFailure(f"PostgreSQL {code}: {fields.get('M', '')}"[:200], tls=tls)
        else:
            await stream.write(b"X\0\0\0\x04")  # Terminate
        return tls
    finally:
        stream.abort()


def _pg_error(exc: psycopg.Error) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "FATAL:" in text:
        text = text.rsplit("FATAL:", 1)[1].strip()
    return text[:200]


async def check_postgresql(endpoint: Endpoint) -> Up:
    started = asyncio.get_running_loop().time()
    tls = await _pg_handshake(endpoint)
    if not endpoint.username:
        return Up("handshake", tls=tls)
    try:
        conn = await psycopg.AsyncConnection.connect(
            host=endpoint.host,
            port=endpoint.port,
            user=endpoint.username,
            password=endpoint.password or "",
            dbname=endpoint.database or endpoint.username,
            connect_timeout=max(1, int(_time_left(endpoint, started))),
            sslmode="require" if tls else "disable",  # the handshake above verified the TLS peer
            application_name="oem-probe",
        )
    except psycopg.Error as exc:
        raise ProbeFailure(f"login failed: {_pg_error(exc)}", tls=tls) from None
    try:
        async with conn.cursor() as cur:
            await cur.execute("SELECT 1")
            row = await cur.fetchone()
    except psycopg.Error as exc:
        raise ProbeFailure(f"SELECT 1 failed: {_pg_error(exc)}", tls=tls) from None
    finally:
        await conn.close()
    if row != (1,):
        raise ProbeFailure(f"SELECT 1 returned {row!r}", tls=tls)
    return Up("SELECT 1", tls=tls)


async def _mysql_packet(reader: asyncio.StreamReader, what: str) -> tuple[int, bytes]:
    header = await _read_exact(reader, 4, what)
    length = int.from_bytes(header[:3], "little")
    if length == 0:
        raise ProbeFailure(f"not a MySQL server ({what})")
    return header[3], await _read_exact(reader, length, what)


def _mysql_error(payload: bytes) -> tuple[int, str]:
    code = int.from_bytes(payload[1:3], "little")
    message = payload[3:]
    if message.startswith(b"#"):
        message = message[6:]  # '#' + SQLSTATE
    return code, message.decode("utf-8", "replace")


def _mysql_send(writer: asyncio.StreamWriter, seq: int, payload: bytes) -> None:
    writer.write(len(payload).to_bytes(3, "little") + bytes([seq & 0xFF]) + payload)


async def _mysql_handshake(endpoint: Endpoint) -> str:
    """Read the greeting, answer it as MYSQL_PROBE_USER; returns the server version."""
    reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
    try:
        seq, greeting = await _mysql_packet(reader, "greeting")
        if greeting[0] == 0xFF:
            code, message = _mysql_error(greeting)
            raise ProbeFailure(f"MySQL {code}: {message}"[:200])
        if greeting[0] != 10 or b"\0" not in greeting[1:]:
            raise ProbeFailure("not a MySQL server (greeting)")
        version = greeting[1:greeting.index(b"\0", 1)].decode("ascii", "replace")
        version = version.removeprefix("5.5.5-")  # MariaDB's replication-compatibility prefix
        response = struct.pack("<IIB", MYSQL_CAPS, 1 << 24, 33) + bytes(23)
        response += MYSQL_PROBE_USER + b"\0" + b"\0" + b"mysql_native_password\0"
        _mysql_send(writer, seq + 1, response)
        await writer.drain()
        for _ in range(3):
            seq, reply = await _mysql_packet(reader, "login")
            if reply[0] == 0xFE and len(reply) > 1:  # auth switch: answer with an empty password
                _mysql_send(writer, seq + 1, b"")
                await writer.drain()
                continue
            if reply[0] == 0xFF:
                code, message = _mysql_error(reply)
                if code in MYSQL_DOWN_ERRORS:
                    raise ProbeFailure(f"MySQL {code}: {message}"[:200])
            elif reply[0] == 0x00:
                _mysql_send(writer, 0, b"\x01")  # COM_QUIT
                await writer.drain()
            break
        return version
    finally:
        _close(writer)


def _mysql_login(endpoint: Endpoint, time_left: float) -> tuple:
    conn = pymysql.connect(
        host=endpoint.host,
        port=endpoint.port,
        user=endpoint.username,
        password=endpoint.password or "",
        database=endpoint.database,
        connect_timeout=time_left,
        read_timeout=time_left,
        write_timeout=time_left,
        program_name="oem-probe",
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            return cur.fetchone()
    finally:
        conn.close()


async def check_mysql(endpoint: Endpoint) -> Up:
    started = asyncio.get_running_loop().time()
    version = await _mysql_handshake(endpoint)
    if not endpoint.username:
        return Up(f"handshake {version}"[:80])
    try:
        row = await asyncio.to_thread(_mysql_login, endpoint, _time_left(endpoint, started))
    except pymysql.MySQLError as exc:
        code, message = (exc.args + ("",))[:2] if exc.args else ("", str(exc))
        raise ProbeFailure(f"login failed: MySQL {code}: {message}"[:200]) from None
    if row != (1,):
        raise ProbeFailure(f"SELECT 1 returned {row!r}")
    return Up("SELECT 1")
