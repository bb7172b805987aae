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

from .credentials import (
    hash_secret,
    new_api_key,
    new_connection_token,
    new_id,
    new_pairing_code,
    same_secret,
)
from .errors import BadRequest, NotFound, RelayError, StoreError

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
    # version 2: pairing (SPEC 12). Known clients carry their world; tokens their clientId.
    """
    ALTER TABLE known_clients ADD COLUMN world_id TEXT;
    ALTER TABLE known_clients ADD COLUMN world_title TEXT;
    ALTER TABLE known_clients ADD COLUMN server_origin TEXT;
    ALTER TABLE known_clients ADD COLUMN fingerprint TEXT;
    ALTER TABLE known_clients ADD COLUMN metadata TEXT;
    CREATE INDEX known_clients_by_world ON known_clients(key_id, world_id);
    ALTER TABLE connection_tokens ADD COLUMN client_id TEXT;
    CREATE TABLE pairing_codes (
        code TEXT PRIMARY KEY,
        key_id TEXT NOT NULL REFERENCES api_keys(id),
        client_id TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        used_at REAL
    );
    CREATE TABLE pair_requests (
        code TEXT PRIMARY KEY,
        world_id TEXT NOT NULL,
        world_title TEXT NOT NULL,
        system_id TEXT NOT NULL,
        system_title TEXT NOT NULL,
        system_version TEXT NOT NULL,
        foundry_version TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        client_id TEXT NOT NULL,
        upgrade_only INTEGER NOT NULL,
        status TEXT NOT NULL,
        key_id TEXT,
        pairing_code TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
]

PAIRING_CODE_TTL = 600.0  # SPEC 12: ten minutes
APPROVED_CODE_TTL = 300.0  # the code an approved browser request hands to the module
PAIR_REQUEST_TTL = 600.0


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
    client_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "keyId": self.key_id,
            "name": self.name,
            "sessionId": self.session_id,
            "clientId": self.client_id,
            "createdAt": self.created_at,
            "revoked": self.revoked_at is not None,
        }


@dataclass(frozen=True)
class KnownClient:
    """A world this key has paired with (or that connected with one of its tokens)."""

    key_id: str
    client_id: str
    first_seen: float
    last_seen: float
    world_id: str | None
    world_title: str | None
    server_origin: str | None
    fingerprint: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class PairingCode:
    code: str
    key_id: str
    client_id: str | None  # bound: "add this browser to a world already paired"
    created_at: float
    expires_at: float
    used_at: float | None


@dataclass(frozen=True)
class PairRequest:
    """A browser pairing request (device flow) from a world, waiting for a key holder."""

    code: str
    world_id: str
    world_title: str
    system_id: str
    system_title: str
    system_version: str
    foundry_version: str
    fingerprint: str
    client_id: str
    upgrade_only: bool
    status: str  # pending | approved | exchanged | denied
    key_id: str | None
    pairing_code: str | None
    created_at: float
    expires_at: float

    def effective_status(self, now: float) -> str:
        return "expired" if self.status == "pending" and now >= self.expires_at else self.status

    def as_json(self, now: float) -> dict[str, Any]:
        return {
            "code": self.code,
            "worldId": self.world_id,
            "worldTitle": self.world_title,
            "systemId": self.system_id,
            "systemTitle": self.system_title,
            "systemVersion": self.system_version,
            "foundryVersion": self.foundry_version,
            "upgradeOnly": self.upgrade_only,
            "status": self.effective_status(now),
            "expiresAt": _iso(self.expires_at),
        }


def _iso(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _known(row: sqlite3.Row) -> KnownClient:
    import json

    try:
        metadata = json.loads(row["metadata"]) if row["metadata"] else {}
    except ValueError:
        metadata = {}
    return KnownClient(
        key_id=row["key_id"],
        client_id=row["client_id"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        world_id=row["world_id"],
        world_title=row["world_title"],
        server_origin=row["server_origin"],
        fingerprint=row["fingerprint"],
        metadata=metadata if isinstance(metadata, dict) else {},
    )


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
        # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits
        # (session history, a token just minted), not a committed key. It saves an fsync per
        # commit on the session start path.
        self._db.execute("PRAGMA synchronous=NORMAL")
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
        self,
        key_id: str,
        name: str = "",
        *,
        session_id: str | None = None,
        client_id: str | None = None,
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
            client_id=client_id,
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO connection_tokens"
                " (id, key_id, name, token_hash, session_id, created_at, client_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    key_id,
                    record.name,
                    hash_secret(plaintext),
                    session_id,
                    record.created_at,
                    client_id,
                ),
            )
        return record, plaintext

    def list_tokens(self, key_id: str | None = None) -> list[ConnectionToken]:
        sql = (
            "SELECT id, key_id, name, session_id, created_at, revoked_at, client_id"
            " FROM connection_tokens"
        )
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
            " t.client_id, t.token_hash FROM connection_tokens t JOIN api_keys k ON k.id = t.key_id"
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

    def is_key_active(self, key_id: str) -> bool:
        """Checked for sockets of legacy modules (authenticated by the key itself)."""
        rows = self._query("SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL", (key_id,))
        return bool(rows)

    def revoke_token_by_plaintext(self, plaintext: str) -> ConnectionToken | None:
        """Self-unpair: revoke the active token matching ``plaintext``; None if there is none."""
        found = self.authenticate_token(plaintext)
        if found is None:
            return None
        token, _ = found
        try:
            self.revoke_token(token.id)
        except NotFound:
            return None
        return token

    def change_stamp(self) -> tuple[int, int]:
        """Changes whenever this process or another one (the CLI) commits to the file."""
        return int(self._query("PRAGMA data_version")[0][0]), self._own_writes

    # -- known clients (SPEC 12; also for the module's /api/clients/{id}/active probe) ----------

    def remember_client(
        self,
        key_id: str,
        client_id: str,
        *,
        world_id: str | None = None,
        world_title: str | None = None,
        server_origin: str | None = None,
        fingerprint: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Record or refresh a known client; given fields replace stored ones, others stay."""
        import json

        now = time.time()
        meta = (
            json.dumps({k: v for k, v in metadata.items() if v is not None}) if metadata else None
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO known_clients (key_id, client_id, first_seen, last_seen, world_id,"
                " world_title, server_origin, fingerprint, metadata)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key_id, client_id) DO UPDATE SET"
                " last_seen = excluded.last_seen,"
                " world_id = COALESCE(excluded.world_id, world_id),"
                " world_title = COALESCE(excluded.world_title, world_title),"
                " server_origin = COALESCE(excluded.server_origin, server_origin),"
                " fingerprint = COALESCE(excluded.fingerprint, fingerprint),"
                " metadata = COALESCE(excluded.metadata, metadata)",
                (
                    key_id,
                    client_id,
                    now,
                    now,
                    world_id,
                    world_title,
                    server_origin,
                    fingerprint,
                    meta,
                ),
            )

    def client_known(self, client_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM known_clients WHERE client_id = ?", (client_id,)))

    def known_client(self, key_id: str, client_id: str) -> KnownClient | None:
        rows = self._query(
            "SELECT * FROM known_clients WHERE key_id = ? AND client_id = ?", (key_id, client_id)
        )
        return _known(rows[0]) if rows else None

    def known_clients(self, key_id: str) -> list[KnownClient]:
        rows = self._query(
            "SELECT * FROM known_clients WHERE key_id = ? ORDER BY first_seen", (key_id,)
        )
        return [_known(r) for r in rows]

    def find_known_client(
        self,
        key_id: str,
        *,
        world_id: str | None,
        server_origin: str | None = None,
        fingerprint: str | None = None,
    ) -> KnownClient | None:
        """The key's known client for a world: same fingerprint first, else same world id on
        the same server origin (two servers running copies of one world are two clients)."""
        clients = self.known_clients(key_id)
        if fingerprint:
            for c in clients:
                if c.fingerprint and same_secret(c.fingerprint, fingerprint):
                    return c
        if world_id:
            for c in clients:
                if c.world_id == world_id and (
                    server_origin is None or c.server_origin in (None, server_origin)
                ):
                    return c
        return None

    # -- pairing codes and browser pairing requests (SPEC 12) ----------------------------------

    def create_pairing_code(
        self, key_id: str, *, client_id: str | None = None, ttl: float = PAIRING_CODE_TTL
    ) -> PairingCode:
        key = self.get_key(key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound(f"no active API key with id {key_id}")
        now = time.time()
        for _ in range(10):
            code = PairingCode(new_pairing_code(6), key_id, client_id, now, now + ttl, None)
            try:
                with self._tx() as db:
                    db.execute("DELETE FROM pairing_codes WHERE expires_at < ?", (now - 86400,))
                    db.execute(
                        "INSERT INTO pairing_codes (code, key_id, client_id, created_at,"
                        " expires_at) VALUES (?, ?, ?, ?, ?)",
                        (code.code, key_id, client_id, now, code.expires_at),
                    )
                return code
            except sqlite3.IntegrityError:
                continue  # a collision with a live code: draw again
        raise StoreError("could not allocate a pairing code")

    def claim_pairing_code(self, code: str, *, world_id: str | None) -> PairingCode:
        """Mark ``code`` used, atomically: of concurrent claims exactly one succeeds."""
        now = time.time()
        with self._tx() as db:
            rows = list(db.execute("SELECT * FROM pairing_codes WHERE code = ?", (code,)))
            if not rows:
                raise NotFound("invalid pairing code", code="PAIRING_CODE_INVALID")
            found = PairingCode(**dict(rows[0]))
            if found.used_at is not None:
                raise RelayError("pairing code has already been used", code="PAIRING_CODE_USED")
            if found.expires_at <= now:
                raise RelayError("pairing code has expired", code="PAIRING_CODE_EXPIRED")
            if found.client_id is None and not world_id:
                raise BadRequest("worldId is required")
            cur = db.execute(
                "UPDATE pairing_codes SET used_at = ? WHERE code = ? AND used_at IS NULL",
                (now, code),
            )
            if cur.rowcount != 1:
                raise RelayError("pairing code has already been used", code="PAIRING_CODE_USED")
        key = self.get_key(found.key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound("invalid pairing code", code="PAIRING_CODE_INVALID")
        return found

    def create_pair_request(
        self, fields: dict[str, Any], *, ttl: float = PAIR_REQUEST_TTL
    ) -> PairRequest:
        now = time.time()
        for _ in range(10):
            request = PairRequest(
                code=new_pairing_code(8),
                world_id=str(fields.get("worldId") or ""),
                world_title=str(fields.get("worldTitle") or ""),
                system_id=str(fields.get("systemId") or ""),
                system_title=str(fields.get("systemTitle") or ""),
                system_version=str(fields.get("systemVersion") or ""),
                foundry_version=str(fields.get("foundryVersion") or ""),
                fingerprint=str(fields.get("serverFingerprint") or ""),
                client_id=str(fields.get("clientId") or ""),
                upgrade_only=bool(fields.get("upgradeOnly")),
                status="pending",
                key_id=None,
                pairing_code=None,
                created_at=now,
                expires_at=now + ttl,
            )
            try:
                with self._tx() as db:
                    db.execute("DELETE FROM pair_requests WHERE expires_at < ?", (now - 86400,))
                    db.execute(
                        "INSERT INTO pair_requests VALUES"
                        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            request.code,
                            request.world_id,
                            request.world_title,
                            request.system_id,
                            request.system_title,
                            request.system_version,
                            request.foundry_version,
                            request.fingerprint,
                            request.client_id,
                            int(request.upgrade_only),
                            request.status,
                            None,
                            None,
                            now,
                            request.expires_at,
                        ),
                    )
                return request
            except sqlite3.IntegrityError:
                continue
        raise StoreError("could not allocate a pairing request code")

    def get_pair_request(self, code: str) -> PairRequest | None:
        rows = self._query("SELECT * FROM pair_requests WHERE code = ?", (code,))
        if not rows:
            return None
        values = dict(rows[0])
        values["upgrade_only"] = bool(values["upgrade_only"])
        return PairRequest(**values)

    def decide_pair_request(self, code: str, key_id: str, *, approve: bool) -> PairRequest:
        """Approve (minting the pairing code the module will exchange) or deny a pending
        request; only a pending, unexpired request can be decided, once."""
        now = time.time()
        key = self.get_key(key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound(f"no active API key with id {key_id}")
        request = self.get_pair_request(code)
        if request is None:
            raise NotFound("pair request not found", code="PAIRING_CODE_INVALID")
        status = request.effective_status(now)
        if status == "expired":
            raise RelayError("pair request has expired", code="PAIRING_CODE_EXPIRED")
        if status != "pending":
            raise RelayError(f"pair request is already {status}", code="PAIRING_CODE_USED")
        pairing: str | None = None
        if approve and not request.upgrade_only:
            existing = None
            if request.client_id and self.known_client(key_id, request.client_id) is not None:
                existing = request.client_id
            if existing is None:
                known = self.find_known_client(
                    key_id, world_id=request.world_id, fingerprint=request.fingerprint or None
                )
                existing = known.client_id if known else None
            pairing = self.create_pairing_code(
                key_id, client_id=existing, ttl=APPROVED_CODE_TTL
            ).code
        with self._tx() as db:
            cur = db.execute(
                "UPDATE pair_requests SET status = ?, key_id = ?, pairing_code = ?"
                " WHERE code = ? AND status = 'pending'",
                ("approved" if approve else "denied", key_id, pairing, code),
            )
            if cur.rowcount != 1:
                raise RelayError("pair request was decided meanwhile", code="PAIRING_CODE_USED")
        decided = self.get_pair_request(code)
        assert decided is not None
        return decided

    def poll_pair_request(self, code: str) -> tuple[PairRequest, str | None]:
        """The request and, once, the pairing code of an approval (the status becomes
        ``exchanged`` as it is handed out)."""
        request = self.get_pair_request(code)
        if request is None:
            raise NotFound("pair request not found", code="PAIRING_CODE_INVALID")
        if request.status != "approved":
            return request, None
        with self._tx() as db:
            cur = db.execute(
                "UPDATE pair_requests SET status = 'exchanged' WHERE code = ? AND status ="
                " 'approved'",
                (code,),
            )
            handed = cur.rowcount == 1
        return request, (request.pairing_code if handed else None)

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
