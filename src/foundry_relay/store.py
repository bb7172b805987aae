"""SQLite store: API keys, connection tokens, known clients and session history.

One file, ``DATA_DIR/relay.db``, created on first use. The schema is versioned with
``PRAGMA user_version``; :data:`MIGRATIONS` holds one entry per version so later changes migrate
existing files in place. Secrets are stored only as SHA-256 hashes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .credentials import hash_secret, new_api_key, new_connection_token, new_id, same_secret
from .errors import NotFound, StoreError

MIGRATIONS: list[str] = [
    # version 1
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE TABLE connection_tokens (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL REFERENCES api_keys(id),
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        session_id TEXT,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE TABLE known_clients (
        key_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (key_id, client_id)
    );
    CREATE INDEX known_clients_by_client ON known_clients(client_id);
    CREATE TABLE session_history (
        session_id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        foundry_url TEXT NOT NULL,
        username TEXT NOT NULL,
        world_name TEXT,
        client_id TEXT,
        state TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        end_reason TEXT
    );
    """,
]


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    created_at: float
    revoked_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "createdAt": self.created_at,
            "revoked": self.revoked_at is not None,
        }


@dataclass(frozen=True)
class ConnectionToken:
    id: str
    key_id: str
    name: str
    session_id: str | None
    created_at: float
    revoked_at: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "keyId": self.key_id,
            "name": self.name,
            "sessionId": self.session_id,
            "createdAt": self.created_at,
            "revoked": self.revoked_at is not None,
        }


@dataclass(frozen=True)
class SessionRecord:
    session_id: str
    key_id: str
    foundry_url: str
    username: str
    world_name: str | None
    client_id: str | None
    state: str
    started_at: float
    ended_at: float | None
    end_reason: str | None


class Store:
    """Thread-safe access to the SQLite file. Cheap calls; used directly from the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        # Key lookups are cached until the file changes: our own commits bump _own_writes, and
        # SQLite's data_version changes when another process (the CLI) commits, so a revoked
        # key stops working at once without a table lookup per request.
        self._own_writes = 0
        self._key_cache: dict[str, ApiKey] = {}
        self._token_cache: dict[str, bool] = {}
        self._key_cache_stamp: tuple[int, int] | None = None
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    # -- plumbing -------------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
                self._own_writes += 1
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return list(self._db.execute(sql, args).fetchall())
            except sqlite3.Error as exc:
                raise StoreError(f"store query failed: {exc}") from exc

    def _migrate(self) -> None:
        with self._tx() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- API keys -------------------------------------------------------------------------------

    def create_key(self, name: str) -> tuple[ApiKey, str]:
        """Create a key; returns the record and the plaintext key (shown once, never stored)."""
        plaintext = new_api_key()
        record = ApiKey(id=new_id(), name=name, created_at=time.time(), revoked_at=None)
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_keys (id, name, key_hash, created_at) VALUES (?, ?, ?, ?)",
                (record.id, name, hash_secret(plaintext), record.created_at),
            )
        return record, plaintext

    def list_keys(self) -> list[ApiKey]:
        rows = self._query(
            "SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at"
        )
        return [ApiKey(**dict(row)) for row in rows]

    def revoke_key(self, key_id: str) -> None:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active API key with id {key_id}")

    def _refresh_cache(self) -> None:
        stamp = int(self._query("PRAGMA data_version")[0][0]), self._own_writes
        if stamp != self._key_cache_stamp:
            self._key_cache.clear()
            self._token_cache.clear()
            self._key_cache_stamp = stamp

    def authenticate_key(self, plaintext: str) -> ApiKey | None:
        """The active key whose hash matches, compared in constant time; None otherwise."""
        digest = hash_secret(plaintext)
        self._refresh_cache()
        cached = self._key_cache.get(digest)
        if cached is not None:
            return cached
        rows = self._query(
            "SELECT id, name, key_hash, created_at, revoked_at FROM api_keys WHERE key_hash = ?",
            (digest,),
        )
        for row in rows:
            if same_secret(row["key_hash"], digest) and row["revoked_at"] is None:
                key = ApiKey(row["id"], row["name"], row["created_at"], None)
                if len(self._key_cache) < 10_000:
                    self._key_cache[digest] = key
                return key
        return None

    def get_key(self, key_id: str) -> ApiKey | None:
        rows = self._query(
            "SELECT id, name, created_at, revoked_at FROM api_keys WHERE id = ?", (key_id,)
        )
        return ApiKey(**dict(rows[0])) if rows else None

    # -- connection tokens ----------------------------------------------------------------------

    def create_token(
        self, key_id: str, name: str = "", *, session_id: str | None = None
    ) -> tuple[ConnectionToken, str]:
        key = self.get_key(key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound(f"no active API key with id {key_id}")
        plaintext = new_connection_token()
        record = ConnectionToken(
            id=new_id(),
            key_id=key_id,
            name=name or (f"session {session_id}" if session_id else "manual"),
            session_id=session_id,
            created_at=time.time(),
            revoked_at=None,
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO connection_tokens"
                " (id, key_id, name, token_hash, session_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    key_id,
                    record.name,
                    hash_secret(plaintext),
                    session_id,
                    record.created_at,
                ),
            )
        return record, plaintext

    def list_tokens(self, key_id: str | None = None) -> list[ConnectionToken]:
        sql = "SELECT id, key_id, name, session_id, created_at, revoked_at FROM connection_tokens"
        args: tuple[Any, ...] = ()
        if key_id is not None:
            sql += " WHERE key_id = ?"
            args = (key_id,)
        rows = self._query(sql + " ORDER BY created_at", args)
        return [ConnectionToken(**dict(row)) for row in rows]

    def revoke_token(self, token_id: str) -> None:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE connection_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), token_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active connection token with id {token_id}")

    def authenticate_token(self, plaintext: str) -> tuple[ConnectionToken, str] | None:
        """The active token matching ``plaintext`` and its key id, if its key is active too."""
        digest = hash_secret(plaintext)
        rows = self._query(
            "SELECT t.id, t.key_id, t.name, t.session_id, t.created_at, t.revoked_at,"
            " t.token_hash FROM connection_tokens t JOIN api_keys k ON k.id = t.key_id"
            " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND k.revoked_at IS NULL",
            (digest,),
        )
        for row in rows:
            if same_secret(row["token_hash"], digest):
                fields = {k: row[k] for k in row.keys() if k != "token_hash"}
                token = ConnectionToken(**fields)
                return token, token.key_id
        return None

    def is_token_active(self, token_id: str) -> bool:
        """Checked on every forwarded request; cached like key lookups until the file changes."""
        self._refresh_cache()
        cached = self._token_cache.get(token_id)
        if cached is not None:
            return cached
        rows = self._query(
            "SELECT 1 FROM connection_tokens t JOIN api_keys k ON k.id = t.key_id"
            " WHERE t.id = ? AND t.revoked_at IS NULL AND k.revoked_at IS NULL",
            (token_id,),
        )
        if len(self._token_cache) < 10_000:
            self._token_cache[token_id] = bool(rows)
        return bool(rows)

    # -- known clients (for the module's unauthenticated /api/clients/{id}/active probe) -------

    def remember_client(self, key_id: str, client_id: str) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO known_clients (key_id, client_id, first_seen, last_seen)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(key_id, client_id)"
                " DO UPDATE SET last_seen = excluded.last_seen",
                (key_id, client_id, now, now),
            )

    def client_known(self, client_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM known_clients WHERE client_id = ?", (client_id,)))

    # -- session history ------------------------------------------------------------------------

    def record_session_start(
        self,
        *,
        session_id: str,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        started_at: float,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO session_history (session_id, key_id, foundry_url, username,"
                " world_name, state, started_at) VALUES (?, ?, ?, ?, ?, 'launching', ?)",
                (session_id, key_id, foundry_url, username, world_name, started_at),
            )

    def record_session_state(
        self,
        session_id: str,
        state: str,
        *,
        client_id: str | None = None,
        reason: str | None = None,
        ended_at: float | None = None,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE session_history SET state = ?, client_id = COALESCE(?, client_id),"
                " end_reason = COALESCE(?, end_reason), ended_at = COALESCE(?, ended_at)"
                " WHERE session_id = ?",
                (state, client_id, reason, ended_at, session_id),
            )

    def get_session_record(self, session_id: str) -> SessionRecord | None:
        rows = self._query("SELECT * FROM session_history WHERE session_id = ?", (session_id,))
        return SessionRecord(**dict(rows[0])) if rows else None

    def mark_unfinished_sessions(self, reason: str) -> int:
        """At start-up: sessions a previous process left open cannot be alive any more."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE session_history SET state = CASE state WHEN 'launching' THEN 'failed'"
                " ELSE 'ended' END, end_reason = ?, ended_at = ?"
                " WHERE state IN ('launching', 'active', 'ending')",
                (reason, time.time()),
            )
            return cur.rowcount
