"""The store: API keys, connection tokens, known clients, pairing and session history.

One SQLite file, ``DATA_DIR/relay.db``, created on first use; the schema is versioned
(:data:`MIGRATIONS`) and migrates in place. Secrets are stored only as SHA-256 hashes. SQLite
errors never leave the store: they become :class:`~foundry_relay.errors.StoreError`.
"""

from __future__ import annotations

from .base import BUSY_TIMEOUT_MS, StoreConflict
from .history import SessionHistory
from .keys import KeysAndTokens
from .logins import WorldLogin, WorldLogins
from .pairing import Pairing
from .records import (
    ApiKey,
    ConnectionToken,
    KnownClient,
    PairingCode,
    PairRequest,
    SessionRecord,
)
from .schema import MIGRATIONS, PAIRING_CODE_TTL

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS",
    "PAIRING_CODE_TTL",
    "ApiKey",
    "ConnectionToken",
    "KnownClient",
    "PairRequest",
    "PairingCode",
    "SessionRecord",
    "Store",
    "StoreConflict",
    "WorldLogin",
]


class Store(KeysAndTokens, Pairing, SessionHistory, WorldLogins):
    """The relay's store on one SQLite file (see the parts for what each keeps)."""
