"""Known clients, pairing codes and browser pairing requests (SPEC 12). Codes are claimed
atomically: of concurrent claims exactly one succeeds."""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from typing import Any

from ..credentials import new_pairing_code, same_secret
from ..errors import BadRequest, NotFound, RelayError, StoreError
from .base import SqliteBase, StoreConflict
from .records import KnownClient, PairingCode, PairRequest, _known
from .schema import APPROVED_CODE_TTL, PAIR_REQUEST_TTL, PAIRING_CODE_TTL


class Pairing(SqliteBase):
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
                " world_id = COALESCE(excluded.world_id, known_clients.world_id),"
                " world_title = COALESCE(excluded.world_title, known_clients.world_title),"
                " server_origin = COALESCE(excluded.server_origin, known_clients.server_origin),"
                " fingerprint = COALESCE(excluded.fingerprint, known_clients.fingerprint),"
                " metadata = COALESCE(excluded.metadata, known_clients.metadata)",
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

    def rename_known_client(self, key_id: str, client_id: str, name: str | None) -> None:
        """The key owner's name for a known world (None: back to its world's title)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE known_clients SET custom_name = ? WHERE key_id = ? AND client_id = ?",
                (name, key_id, client_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no known client '{client_id}'", code="CLIENT_NOT_FOUND")

    def forget_known_client(
        self, key_id: str, client_id: str, tokens: Collection[str] = ()
    ) -> None:
        """Forget a world: the key's tokens for it (and ``tokens``, those its sockets use) are
        revoked, its stored login deleted."""
        with self._tx() as db:
            cur = db.execute(
                "DELETE FROM known_clients WHERE key_id = ? AND client_id = ?",
                (key_id, client_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no known client '{client_id}'", code="CLIENT_NOT_FOUND")
            db.execute(
                "UPDATE connection_tokens SET revoked_at = ?"
                " WHERE key_id = ? AND client_id = ? AND revoked_at IS NULL",
                (time.time(), key_id, client_id),
            )
            for token_id in tokens:
                db.execute(
                    "UPDATE connection_tokens SET revoked_at = ?"
                    " WHERE id = ? AND key_id = ? AND revoked_at IS NULL",
                    (time.time(), token_id, key_id),
                )
            db.execute(
                "DELETE FROM world_logins WHERE key_id = ? AND client_id = ?",
                (key_id, client_id),
            )

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
            except StoreConflict:
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
            except StoreConflict:
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
