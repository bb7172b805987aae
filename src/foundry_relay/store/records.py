"""What the store keeps, as plain records (secrets never appear in them: only hashes are
stored, and those stay inside the store)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..core.scopes import LEGACY_SCOPES


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    created_at: float
    revoked_at: float | None
    scopes: frozenset[str] = frozenset(LEGACY_SCOPES)  # what it may call (SPEC 15)
    client_ids: tuple[str, ...] | None = None  # the worlds it may reach; None: any of its own
    expires_at: float | None = None
    rate_limit: int | None = None  # requests per minute; None: KEY_RATE_LIMIT
    monthly_quota: int | None = None  # requests per calendar month (UTC); None: no quota
    enabled: bool = True
    admin: bool = False  # manages every key over HTTP (made by the CLI only)

    @property
    def allow_execute_js(self) -> bool:
        """/execute-js and writing a Macro's command: the ``execute-js`` scope."""
        return "execute-js" in self.scopes

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def may_reach(self, client_id: str) -> bool:
        return self.client_ids is None or client_id in self.client_ids

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "createdAt": self.created_at,
            "revoked": self.revoked_at is not None,
            "scopes": sorted(self.scopes),
            "clientIds": list(self.client_ids) if self.client_ids is not None else None,
            "expiresAt": self.expires_at,
            "rateLimit": self.rate_limit,
            "monthlyQuota": self.monthly_quota,
            "enabled": self.enabled,
            "admin": self.admin,
            "allowExecuteJs": self.allow_execute_js,
        }

    @staticmethod
    def from_row(row: sqlite3.Row) -> ApiKey:
        if row["scopes"] is not None:
            scopes = set(json.loads(row["scopes"]))
        else:  # a key made before scopes existed (schema < 7)
            scopes = set(LEGACY_SCOPES) | ({"execute-js"} if row["allow_execute_js"] else set())
        client_ids = json.loads(row["client_ids"]) if row["client_ids"] is not None else None
        return ApiKey(
            row["id"],
            row["name"],
            row["created_at"],
            row["revoked_at"],
            scopes=frozenset(scopes),
            client_ids=tuple(client_ids) if client_ids is not None else None,
            expires_at=row["expires_at"],
            rate_limit=row["rate_limit"],
            monthly_quota=row["monthly_quota"],
            enabled=bool(row["enabled"]),
            admin=bool(row["admin"]),
        )


@dataclass(frozen=True)
class ConnectionToken:
    id: str
    key_id: str
    name: str
    session_id: str | None
    created_at: float
    revoked_at: float | None
    client_id: str | None = None
    # The worlds its world may call (remote-request); None: any world of the same key.
    remote_targets: tuple[str, ...] | None = None
    # The scopes its world may use in remote-request; None: every scope of its key.
    remote_scopes: tuple[str, ...] | None = None
    remote_per_hour: int | None = None  # remote-requests its world may make an hour; None: any

    @classmethod
    def from_row(cls, row: Any) -> ConnectionToken:
        fields = {k: row[k] for k in row.keys() if k != "token_hash"}
        targets, scopes = (fields.pop(name, None) for name in ("remote_targets", "remote_scopes"))
        return cls(
            **fields,
            remote_targets=tuple(json.loads(targets)) if targets is not None else None,
            remote_scopes=tuple(json.loads(scopes)) if scopes is not None else None,
        )

    def may_call(self, client_id: str) -> bool:
        return self.remote_targets is None or client_id in self.remote_targets

    def may_use(self, scope: str) -> bool:
        return self.remote_scopes is None or scope in self.remote_scopes

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "keyId": self.key_id,
            "name": self.name,
            "sessionId": self.session_id,
            "clientId": self.client_id,
            "createdAt": self.created_at,
            "revoked": self.revoked_at is not None,
            "remoteTargets": list(self.remote_targets) if self.remote_targets is not None else None,
            "remoteScopes": list(self.remote_scopes) if self.remote_scopes is not None else None,
            "remoteRequestsPerHour": self.remote_per_hour,
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
    custom_name: str | None = None  # the key owner's name for it (management API)


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
        custom_name=row["custom_name"],
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
    instance_id: str | None = None
