"""Stored Foundry logins encrypted at rest (SPEC 16): AES-256-GCM under a key the operator
provides (``CREDENTIALS_KEY`` or ``CREDENTIALS_KEY_FILE``: 32 random bytes, base64). Each
sealed login is bound to its API key and world (the associated data), so a row copied onto
another world does not open. A previous key (``CREDENTIALS_KEY_PREVIOUS``) still opens rows
sealed with it, which are then sealed again with the current one (rotation)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import RelayError


class VaultError(RelayError):
    code = "CREDENTIALS_DISABLED"


def new_key() -> str:
    """A fresh operator key, as ``CREDENTIALS_KEY`` takes it."""
    return base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _decode(text: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{where} is not base64") from exc
    if len(raw) != 32:
        raise ValueError(f"{where} must hold 32 bytes (base64); it holds {len(raw)}")
    return raw


def load_key(value: str | None, file: Path | None, where: str) -> bytes | None:
    """The key from a value or a file (the file wins); None when neither is set."""
    if file is not None:
        return _decode(Path(file).read_text("utf-8"), f"{where}_FILE ({file})")
    if value:
        return _decode(value, where)
    return None


@dataclass(frozen=True)
class Sealed:
    nonce: bytes
    ciphertext: bytes
    key_id: str  # which operator key sealed it (a fingerprint, not the key)


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"foundry-relay credentials key\x00" + key).hexdigest()[:16]


class Vault:
    def __init__(self, key: bytes, previous: bytes | None = None) -> None:
        self._keys = {fingerprint(key): AESGCM(key)}
        self.current = fingerprint(key)
        if previous is not None:
            self._keys.setdefault(fingerprint(previous), AESGCM(previous))

    def seal(self, secret: dict[str, Any], bound_to: str) -> Sealed:
        nonce = os.urandom(12)
        data = json.dumps(secret, separators=(",", ":")).encode("utf-8")
        ciphertext = self._keys[self.current].encrypt(nonce, data, bound_to.encode("utf-8"))
        return Sealed(nonce, ciphertext, self.current)

    def open(self, sealed: Sealed, bound_to: str) -> dict[str, Any]:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise VaultError(
                "a stored login was sealed with an operator key this relay does not have",
                code="CREDENTIALS_UNREADABLE",
            )
        try:
            data = aead.decrypt(sealed.nonce, sealed.ciphertext, bound_to.encode("utf-8"))
        except InvalidTag as exc:
            raise VaultError(
                "a stored login does not open with the operator key", code="CREDENTIALS_UNREADABLE"
            ) from exc
        value: dict[str, Any] = json.loads(data)
        return value

    def needs_rotation(self, sealed: Sealed) -> bool:
        return sealed.key_id != self.current
