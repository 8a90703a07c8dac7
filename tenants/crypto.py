"""Secrets at rest (server credentials, API tokens): MultiFernet so keys rotate, and every
ciphertext bound to its row and field so it cannot be copied to another tenant (DESIGN.md)."""
from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("no encryption keys configured")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    def seal(self, value: str, *, owner: str, field: str) -> str:
        payload = json.dumps({"o": owner, "f": field, "v": value}, separators=(",", ":"))
        return self._fernet.encrypt(payload.encode()).decode()

    def open(self, token: str, *, owner: str, field: str) -> str:
        try:
            payload = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError) as exc:
            raise ValueError("secret cannot be decrypted with the configured keys") from exc
        if payload.get("o") != owner or payload.get("f") != field:
            raise ValueError("secret belongs to another record")
        return payload["v"]

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (newest) key."""
        return self._fernet.rotate(token.encode()).decode()
