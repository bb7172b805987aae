"""Secrets: minting API keys and connection tokens, hashing them, comparing in constant time.

Only SHA-256 hashes are ever stored; the plaintext is shown once to whoever minted it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_KEY_PREFIX = "frk_"
TOKEN_PREFIX = "frt_"  # noqa: S105 - a prefix, not a secret


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def new_connection_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


PAIRING_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def new_pairing_code(length: int = 6) -> str:
    """A short single-use code a GM types into the module (uppercase letters and digits)."""
    return "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(length))


def new_client_id() -> str:
    """A module clientId as the established relay mints them: ``fvtt_`` + 16 hex."""
    return "fvtt_" + secrets.token_hex(8)


def new_id() -> str:
    """A short public identifier for a stored key or token (not a secret)."""
    return secrets.token_hex(8)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets (or two hashes)."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def redact(secret: str | None) -> str:
    """A form of a secret safe for logs: never more than its prefix."""
    if not secret:
        return "<none>"
    return secret[:4] + "…"
