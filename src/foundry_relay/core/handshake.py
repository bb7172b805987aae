"""Handshake rules (SPEC 3.1, 3.2): one-time tokens bound to an API key, nonces, expiry, caps,
and opening the encrypted password envelope.

Pure: no I/O. The RSA private key is handed in by whoever owns the key pool; the book only keeps
which key a handshake was issued with. Time is an argument, so tests need no clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..credentials import same_secret
from ..errors import BadRequest, HandshakeError, LimitExceeded, RelayError

RSA_BITS = 3072


@dataclass(frozen=True)
class Handshake:
    token: str
    nonce: str
    key_id: str
    foundry_url: str
    username: str
    world_name: str | None
    created_at: float
    expires_at: float
    private_key: rsa.RSAPrivateKey = field(repr=False, compare=False)
    public_pem: str = field(repr=False, compare=False)


@dataclass(frozen=True)
class Credentials:
    """What the envelope carries. ``repr`` never shows the secrets."""

    password: str = field(repr=False)
    admin_password: str | None = field(default=None, repr=False)


class HandshakeStore(Protocol):
    def create(
        self,
        *,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        private_key: rsa.RSAPrivateKey,
        public_pem: str,
        now: float,
        ttl: float,
        max_pending: int,
    ) -> Handshake: ...

    def consume(self, token: str, key_id: str, now: float) -> Handshake: ...

    def sweep(self, now: float) -> int: ...

    def pending(self, key_id: str, now: float) -> int: ...


class InProcessHandshakeStore:
    """Outstanding handshakes of this process, by token."""

    def __init__(self) -> None:
        self._by_token: dict[str, Handshake] = {}

    def create(
        self,
        *,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        private_key: rsa.RSAPrivateKey,
        public_pem: str,
        now: float,
        ttl: float,
        max_pending: int,
    ) -> Handshake:
        self.sweep(now)
        if max_pending > 0 and self.pending(key_id, now) >= max_pending:
            raise LimitExceeded(
                f"too many outstanding handshakes for this API key (limit {max_pending});"
                " use or let them expire first",
                code="HANDSHAKE_LIMIT",
            )
        handshake = Handshake(
            token=secrets.token_hex(32),
            nonce=secrets.token_hex(16),
            key_id=key_id,
            foundry_url=foundry_url,
            username=username,
            world_name=world_name,
            created_at=now,
            expires_at=now + ttl,
            private_key=private_key,
            public_pem=public_pem,
        )
        self._by_token[handshake.token] = handshake
        return handshake

    def consume(self, token: str, key_id: str, now: float) -> Handshake:
        """Take the handshake out (one use whatever the outcome). Unknown, expired, used and
        another key's tokens all give the same error."""
        handshake = self._by_token.get(token)
        if handshake is None or not same_secret(handshake.key_id, key_id):
            raise HandshakeError("invalid or expired handshake token")
        del self._by_token[token]
        if now >= handshake.expires_at:
            raise HandshakeError("invalid or expired handshake token")
        return handshake

    def knows(self, token: str) -> bool:
        """Is this handshake held here (with Redis, another instance may hold it)?"""
        return token in self._by_token

    def sweep(self, now: float) -> int:
        doomed = [t for t, h in self._by_token.items() if now >= h.expires_at]
        for token in doomed:
            del self._by_token[token]
        return len(doomed)

    def pending(self, key_id: str, now: float) -> int:
        return sum(1 for h in self._by_token.values() if h.key_id == key_id and now < h.expires_at)


HEADER_LIMITS = {"x-foundry-url": 2048, "x-username": 256, "x-world-name": 256}


def check_headers(*, foundry_url: str | None, username: str | None, world_name: str | None) -> str:
    """The user name, stripped; 400 for a missing one or a handshake header past its length
    (nothing that long is kept in handshake state)."""
    if not username or not username.strip():
        raise BadRequest("x-username header is required")
    given = {"x-foundry-url": foundry_url, "x-username": username, "x-world-name": world_name}
    for name, value in given.items():
        if value is not None and len(value) > HEADER_LIMITS[name]:
            raise BadRequest(f"{name} is too long (at most {HEADER_LIMITS[name]} characters)")
    return username.strip()


def _oaep(algorithm: hashes.HashAlgorithm) -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm=algorithm), algorithm=algorithm, label=None)


def open_envelope(handshake: Handshake, encrypted_password: str) -> Credentials:
    """Decode, decrypt (OAEP-SHA-256, SHA-1 fallback) and check the nonce of a start request.

    Raises only :class:`RelayError` with code ``DECRYPT_FAILED`` (400) or ``NONCE_MISMATCH`` (401).
    """
    try:
        ciphertext = base64.b64decode(encrypted_password.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RelayError("encryptedPassword is not valid base64", code="DECRYPT_FAILED") from exc
    plaintext: bytes | None = None
    for algorithm in (hashes.SHA256(), hashes.SHA1()):  # noqa: S303 - SHA-1 OAEP for old clients
        try:
            plaintext = handshake.private_key.decrypt(ciphertext, _oaep(algorithm))
            break
        except ValueError:
            continue
    if plaintext is None:
        raise RelayError("encryptedPassword could not be decrypted", code="DECRYPT_FAILED")
    try:
        payload: Any = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RelayError("decrypted payload is not JSON", code="DECRYPT_FAILED") from exc
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("password"), str)
        or not isinstance(payload.get("nonce"), str)
    ):
        raise RelayError(
            "decrypted payload must be an object with string 'password' and 'nonce'",
            code="DECRYPT_FAILED",
        )
    admin = payload.get("adminPassword")
    if admin is not None and not isinstance(admin, str):
        raise RelayError("'adminPassword' must be a string", code="DECRYPT_FAILED")
    if not same_secret(payload["nonce"], handshake.nonce):
        raise RelayError("nonce does not match the handshake", code="NONCE_MISMATCH")
    return Credentials(password=payload["password"], admin_password=admin)


def seal_envelope(
    public_pem: str,
    *,
    password: str,
    nonce: str,
    admin_password: str | None = None,
    sha1: bool = False,
) -> str:
    """Client side of :func:`open_envelope` (used by the client library)."""
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the relay's public key is not an RSA key")
    payload: dict[str, str] = {"password": password, "nonce": nonce}
    if admin_password is not None:
        payload["adminPassword"] = admin_password
    data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    algorithm: hashes.HashAlgorithm = hashes.SHA1() if sha1 else hashes.SHA256()  # noqa: S303
    limit = key.key_size // 8 - 2 * algorithm.digest_size - 2
    if len(data) > limit:
        raise ValueError(
            f"password payload is {len(data)} bytes; RSA-OAEP with this key carries at most {limit}"
        )
    return base64.b64encode(key.encrypt(data, _oaep(algorithm))).decode("ascii")
