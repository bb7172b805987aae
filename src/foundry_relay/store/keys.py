"""API keys and connection tokens: minted once, stored as SHA-256 hashes, compared in constant
time; lookups cached until the file changes (our commits or another process's)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from ..core.scopes import LEGACY_SCOPES, SCOPES, unknown_scopes
from ..credentials import hash_secret, new_api_key, new_connection_token, new_id, same_secret
from ..errors import BadRequest, NotFound
from .base import SqliteBase
from .records import ApiKey, ConnectionToken

KEY_FIELDS = (
    "name",
    "scopes",
    "client_ids",
    "expires_at",
    "rate_limit",
    "monthly_quota",
    "enabled",
)

SELECT_CONNECTIONS = (
    "SELECT t.id, t.key_id, t.name, t.session_id, t.created_at, t.revoked_at, t.client_id,"
    " t.remote_targets, t.remote_scopes, t.remote_per_hour, t.token_hash"
    " FROM connection_tokens t"
)


def check_key_fields(scopes: Iterable[str], rate_limit: int | None) -> None:
    """400 for a scope the relay does not know or a negative rate limit."""
    unknown = unknown_scopes(scopes)
    if unknown:
        raise BadRequest(f"unknown scope(s): {', '.join(unknown)}", scopes=list(SCOPES))
    if rate_limit is not None and rate_limit < 0:
        raise BadRequest("rateLimit must be 0 (off) or more requests per minute")


def _json_list(values: Iterable[str] | None) -> str | None:
    return json.dumps(list(values)) if values is not None else None


class KeysAndTokens(SqliteBase):
    # -- API keys -------------------------------------------------------------------------------

    def create_key(
        self,
        name: str,
        *,
        allow_execute_js: bool = False,
        scopes: Iterable[str] | None = None,
        client_ids: Iterable[str] | None = None,
        expires_at: float | None = None,
        rate_limit: int | None = None,
        monthly_quota: int | None = None,
        admin: bool = False,
        enabled: bool = True,
    ) -> tuple[ApiKey, str]:
        """Create a key; returns the record and the plaintext key (shown once, never stored).
        ``scopes``: what it may call (default: everything but ``execute-js``);
        ``allow_execute_js`` adds that scope (code in the GM's browser: ``/execute-js``, a
        Macro's command); ``client_ids``: the worlds it may reach (default: any of its own);
        ``admin``: it manages every key over HTTP."""
        chosen = set(LEGACY_SCOPES if scopes is None else scopes)
        if allow_execute_js:
            chosen.add("execute-js")
        check_key_fields(chosen, rate_limit)
        plaintext = new_api_key()
        record = ApiKey(
            new_id(),
            name,
            time.time(),
            None,
            scopes=frozenset(chosen),
            client_ids=tuple(client_ids) if client_ids is not None else None,
            expires_at=expires_at,
            rate_limit=rate_limit,
            monthly_quota=monthly_quota,
            admin=admin,
            enabled=enabled,
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_keys (id, name, key_hash, created_at, allow_execute_js, scopes,"
                " client_ids, expires_at, rate_limit, monthly_quota, admin, enabled)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    name,
                    hash_secret(plaintext),
                    record.created_at,
                    record.allow_execute_js,
                    json.dumps(sorted(record.scopes)),
                    _json_list(record.client_ids),
                    expires_at,
                    rate_limit,
                    monthly_quota,
                    admin,
                    enabled,
                ),
            )
        return record, plaintext

    def regenerate_key(self, key_id: str) -> str:
        """A new secret for an active key (same id, scopes and worlds); the old one stops at
        once. Returns the new plaintext (shown once)."""
        plaintext = new_api_key()
        with self._tx() as db:
            cur = db.execute(
                "UPDATE api_keys SET key_hash = ? WHERE id = ? AND revoked_at IS NULL",
                (hash_secret(plaintext), key_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active API key with id {key_id}")
        return plaintext

    # -- requests per key and month (quotas) ----------------------------------------------------

    def usage(self, key_id: str, month: str) -> int:
        rows = self._query(
            "SELECT requests FROM key_usage WHERE key_id = ? AND month = ?", (key_id, month)
        )
        return int(rows[0][0]) if rows else 0

    def add_usage(self, key_id: str, month: str, count: int) -> int:
        """Add ``count`` requests; the month's total (every relay on this store included)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO key_usage (key_id, month, requests) VALUES (?, ?, ?)"
                " ON CONFLICT (key_id, month) DO UPDATE SET requests = key_usage.requests + ?",
                (key_id, month, count, count),
            )
            row = db.execute(
                "SELECT requests FROM key_usage WHERE key_id = ? AND month = ?", (key_id, month)
            ).fetchone()
        return int(row[0])

    def update_key(self, key_id: str, **fields: Any) -> ApiKey:
        """Change a key's ``name``, ``scopes``, ``client_ids``, ``expires_at``, ``rate_limit``
        or ``enabled``; its sockets and caches see the change at once."""
        current = self.get_key(key_id)
        if current is None or current.revoked_at is not None:
            raise NotFound(f"no active API key with id {key_id}")
        unknown = set(fields) - set(KEY_FIELDS)
        if unknown:
            raise ValueError(f"unknown key fields: {sorted(unknown)}")
        scopes = fields.get("scopes", current.scopes)
        check_key_fields(scopes, fields.get("rate_limit", current.rate_limit))
        values = {
            "name": fields.get("name", current.name),
            "scopes": json.dumps(sorted(set(scopes))),
            "allow_execute_js": "execute-js" in scopes,
            "client_ids": _json_list(fields.get("client_ids", current.client_ids)),
            "expires_at": fields.get("expires_at", current.expires_at),
            "rate_limit": fields.get("rate_limit", current.rate_limit),
            "monthly_quota": fields.get("monthly_quota", current.monthly_quota),
            "enabled": bool(fields.get("enabled", current.enabled)),
        }
        with self._tx() as db:
            db.execute(
                "UPDATE api_keys SET name = ?, scopes = ?, allow_execute_js = ?, client_ids = ?,"
                " expires_at = ?, rate_limit = ?, monthly_quota = ?, enabled = ? WHERE id = ?",
                (*values.values(), key_id),
            )
        updated = self.get_key(key_id)
        assert updated is not None
        return updated

    def list_keys(self) -> list[ApiKey]:
        rows = self._query("SELECT * FROM api_keys ORDER BY created_at")
        return [ApiKey.from_row(row) for row in rows]

    def revoke_key(self, key_id: str) -> None:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active API key with id {key_id}")
            db.execute("DELETE FROM world_logins WHERE key_id = ?", (key_id,))  # its secrets go

    def authenticate_key(self, plaintext: str) -> ApiKey | None:
        """The active key whose hash matches, compared in constant time; None otherwise."""
        digest = hash_secret(plaintext)
        self._refresh_cache()
        cached = self._key_cache.get(digest)
        if cached is not None:
            return cached
        generation = self._cache_gen
        rows = self._query(
            "SELECT * FROM api_keys WHERE key_hash = ?",
            (digest,),
        )
        for row in rows:
            if same_secret(row["key_hash"], digest) and row["revoked_at"] is None:
                key = ApiKey.from_row(row)
                if len(self._key_cache) < 10_000 and generation == self._cache_gen:
                    self._key_cache[digest] = key
                return key
        return None

    # -- connection tokens ----------------------------------------------------------------------

    def create_token(
        self,
        key_id: str,
        name: str = "",
        *,
        session_id: str | None = None,
        client_id: str | None = None,
        remote_targets: list[str] | None = None,
        remote_scopes: list[str] | None = None,
        remote_per_hour: int | None = None,
    ) -> tuple[ConnectionToken, str]:
        key = self.get_key(key_id)
        if key is None or key.revoked_at is not None:
            raise NotFound(f"no active API key with id {key_id}")
        if remote_scopes is not None:
            check_key_fields(remote_scopes, None)
        plaintext = new_connection_token()
        record = ConnectionToken(
            id=new_id(),
            key_id=key_id,
            name=name or (f"session {session_id}" if session_id else "manual"),
            session_id=session_id,
            created_at=time.time(),
            revoked_at=None,
            client_id=client_id,
            remote_targets=tuple(remote_targets) if remote_targets is not None else None,
            remote_scopes=tuple(remote_scopes) if remote_scopes is not None else None,
            remote_per_hour=remote_per_hour,
        )
        with self._tx() as db:
            db.execute(
                "INSERT INTO connection_tokens (id, key_id, name, token_hash, session_id,"
                " created_at, client_id, remote_targets, remote_scopes, remote_per_hour)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    key_id,
                    record.name,
                    hash_secret(plaintext),
                    session_id,
                    record.created_at,
                    client_id,
                    _json_list(remote_targets),
                    _json_list(remote_scopes),
                    remote_per_hour,
                ),
            )
        return record, plaintext

    def list_tokens(self, key_id: str | None = None) -> list[ConnectionToken]:
        sql = SELECT_CONNECTIONS
        args: tuple[Any, ...] = ()
        if key_id is not None:
            sql += " WHERE t.key_id = ?"
            args = (key_id,)
        rows = self._query(sql + " ORDER BY t.created_at", args)
        return [ConnectionToken.from_row(row) for row in rows]

    def get_token(self, token_id: str) -> ConnectionToken | None:
        rows = self._query(SELECT_CONNECTIONS + " WHERE t.id = ?", (token_id,))
        return ConnectionToken.from_row(rows[0]) if rows else None

    def revoke_token(self, token_id: str) -> None:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE connection_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (time.time(), token_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active connection token with id {token_id}")

    def update_token(self, token_id: str, fields: dict[str, Any]) -> None:
        """Set an active token's ``name``, ``remote_targets`` or ``remote_scopes`` (lists, or
        None: any world of its key / every scope of its key) or ``remote_per_hour``."""
        if "remote_scopes" in fields and fields["remote_scopes"] is not None:
            check_key_fields(fields["remote_scopes"], None)
        lists = {"remote_targets", "remote_scopes"}
        values = {
            name: _json_list(value) if name in lists else value
            for name, value in fields.items()
            if name in lists | {"name", "remote_per_hour"}
        }
        if not values:
            return
        assignments = ", ".join(f"{name} = ?" for name in values)  # names from the fixed set
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE connection_tokens SET {assignments}"  # noqa: S608
                " WHERE id = ? AND revoked_at IS NULL",
                (*values.values(), token_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no active connection token with id {token_id}")

    def authenticate_token(self, plaintext: str) -> tuple[ConnectionToken, str] | None:
        """The active token matching ``plaintext`` and its key id, if its key is active too."""
        digest = hash_secret(plaintext)
        rows = self._query(
            SELECT_CONNECTIONS + " JOIN api_keys k ON k.id = t.key_id"
            " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND k.revoked_at IS NULL",
            (digest,),
        )
        for row in rows:
            if same_secret(row["token_hash"], digest):
                token = ConnectionToken.from_row(row)
                return token, token.key_id
        return None

    def is_token_active(self, token_id: str, *, refresh: bool = True) -> bool:
        """Checked on every forwarded request; cached like key lookups until the file changes.
        ``refresh=False``: the caller has just looked the file's change stamp up (the same
        request's key check), so it is not read twice."""
        if refresh:
            self._refresh_cache()
        cached = self._token_cache.get(token_id)
        if cached is not None:
            return cached
        generation = self._cache_gen
        rows = self._query(
            "SELECT 1 FROM connection_tokens t JOIN api_keys k ON k.id = t.key_id"
            " WHERE t.id = ? AND t.revoked_at IS NULL AND k.revoked_at IS NULL",
            (token_id,),
        )
        if len(self._token_cache) < 10_000 and generation == self._cache_gen:
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
