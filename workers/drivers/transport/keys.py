"""Keys as paramiko needs them, and reading a server's host key to pin it at registration."""
from __future__ import annotations

import base64
import io
import socket

from workers.drivers.errors import KeyRefused, TransportError


def load_private_key(pem: str):
    """A paramiko key from its private key text (ed25519, ECDSA or RSA, unencrypted)."""
    import paramiko

    if not pem:
        raise KeyRefused("this server has no SSH key yet; generate or upload one")
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(pem))
        except (paramiko.SSHException, ValueError):
            continue
    raise KeyRefused("the server's SSH private key cannot be read")


def host_key_object(line: str):
    """A paramiko key from a pinned ``<type> <base64>`` line."""
    import paramiko

    kind, _, rest = line.strip().partition(" ")
    return paramiko.PKey.from_type_string(kind, base64.b64decode(rest.split(" ", 1)[0]))


def scan_host_key(address: str, port: int = 22, timeout: float = 10.0) -> str:
    """The host key the server presents now, as ``<type> <base64>`` (what the provider confirms
    by its fingerprint before it is pinned). TransportError when nothing answers."""
    import paramiko

    try:
        sock = socket.create_connection((address, int(port)), timeout=timeout)
    except OSError as exc:
        raise TransportError(f"could not connect to {address}:{port}: {exc.strerror or exc}") from None
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {key.get_base64()}"
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise TransportError(f"{address}:{port} did not complete an SSH handshake: {exc}") from None
    finally:
        transport.close()
