"""The SSH key pair the panel uses for one server, and the host key it pins for it (DESIGN.md:
one key per server, private key sealed at rest, host key pinned at registration).

Pure functions over key text (``cryptography``, no network): generate an ed25519 pair, read an
uploaded private key, the public line to paste into ``authorized_keys``, fingerprints written as
OpenSSH writes them (``SHA256:<base64 without padding>``).
"""
from __future__ import annotations

import base64
import hashlib
import re

from tenants.errors import N_, RuleViolation

KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
_PUBLIC = re.compile(r"^(?P<type>[a-z0-9@.-]+) (?P<blob>[A-Za-z0-9+/]+={0,2})(?: .*)?$")


def generate_key_pair(comment: str = "") -> tuple[str, str]:
    """A new ed25519 pair: (private key in OpenSSH PEM form, public ``authorized_keys`` line)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()
    return private, public_line(private, comment)


def public_line(private_pem: str, comment: str = "") -> str:
    """The public key of a private key (OpenSSH or PEM form, unencrypted), as one line."""
    from cryptography.hazmat.primitives import serialization

    try:
        data = private_pem.encode()
        key = (serialization.load_ssh_private_key(data, None) if b"OPENSSH PRIVATE KEY" in data
               else serialization.load_pem_private_key(data, None))
        line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                             serialization.PublicFormat.OpenSSH).decode()
    except (ValueError, TypeError, AttributeError):
        raise RuleViolation.one(N_("Paste an unencrypted private key in OpenSSH or PEM form (ed25519, ECDSA "
                                   "or RSA)."), "ssh_private_key") from None
    if line.split(" ", 1)[0] not in KEY_TYPES:
        raise RuleViolation.one(N_("Paste an unencrypted private key in OpenSSH or PEM form (ed25519, ECDSA "
                                   "or RSA)."), "ssh_private_key")
    return f"{line} {comment}".strip()


def parse_public(line: str, field: str = "host_key") -> tuple[str, bytes]:
    """(key type, key blob) of an OpenSSH public key line; RuleViolation on anything else."""
    found = _PUBLIC.match((line or "").strip())
    try:
        blob = base64.b64decode(found["blob"], validate=True) if found else b""
    except ValueError:
        blob = b""
    if not found or found["type"] not in KEY_TYPES or not blob \
            or blob[4:4 + int.from_bytes(blob[:4], "big")] != found["type"].encode():
        raise RuleViolation.one(N_("Enter a public key such as ssh-ed25519 AAAA…"), field)
    return found["type"], blob


def fingerprint(line: str) -> str:
    """``SHA256:…`` of a public key line, as ``ssh-keygen -l`` shows it."""
    _type, blob = parse_public(line)
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
