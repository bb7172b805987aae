"""Declared shapes of the management API (SPEC 15; ``admin_routes``), each with an example. The
routes still check bodies themselves, so the error codes stay exact."""

from __future__ import annotations

from pydantic import BaseModel

from .models import CLIENT_ID, example

KEY_ID = "3fa2c9d0e1b24c5d"
KEY = {
    "id": KEY_ID,
    "name": "discord-bot",
    "scopes": ["roll:execute", "world:info"],
    "clientIds": [CLIENT_ID],
    "scopedClientIds": [CLIENT_ID],
    "expiresAt": "2027-01-01T00:00:00Z",
    "isExpired": False,
    "rateLimit": 120,
    "monthlyQuota": 100000,
    "monthlyLimit": 100000,
    "requestsThisMonth": 42,
    "enabled": True,
    "admin": False,
    "revoked": False,
    "createdAt": "2026-11-29T12:00:00Z",
}


class KeyInfo(BaseModel):
    model_config = example(KEY)
    id: str
    name: str
    scopes: list[str]
    clientIds: list[str] | None
    scopedClientIds: list[str]
    expiresAt: str | None
    isExpired: bool
    rateLimit: int | None
    monthlyQuota: int | None
    monthlyLimit: int
    requestsThisMonth: int | None
    enabled: bool
    admin: bool
    revoked: bool
    createdAt: str


class KeyCreated(KeyInfo):
    """The key itself is shown in this reply only."""

    model_config = example({**KEY, "key": "frk_" + "x" * 40})
    key: str


class KeyList(BaseModel):
    model_config = example({"keys": [KEY]})
    keys: list[KeyInfo]


class KeyBody(BaseModel):
    """Creating a key needs ``name`` and ``scopes``; an update sends any of these. Either
    spelling of the established relay's names is accepted (``scopedClientIds``,
    ``monthlyLimit``); ``expiresAt`` is an RFC 3339 time or a UNIX time."""

    model_config = example(
        {
            "name": "discord-bot",
            "scopes": ["roll:execute", "world:info"],
            "clientIds": [CLIENT_ID],
            "expiresAt": "2027-01-01T00:00:00Z",
            "rateLimit": 120,
            "monthlyQuota": 100000,
        }
    )
    name: str | None = None
    scopes: list[str] | None = None
    clientIds: list[str] | None = None
    scopedClientIds: list[str] | None = None
    expiresAt: str | float | None = None
    rateLimit: int | None = None
    monthlyQuota: int | None = None
    monthlyLimit: int | None = None
    enabled: bool | None = None


class Regenerated(BaseModel):
    model_config = example({"id": KEY_ID, "key": "frk_" + "y" * 40})
    id: str
    key: str


class Done(BaseModel):
    model_config = example({"success": True, "message": "API key revoked"})
    success: bool
    message: str


TOKEN = {
    "id": "9c1d2e3f4a5b6c7d",
    "name": "Chrome on Windows",
    "keyId": KEY_ID,
    "clientId": CLIENT_ID,
    "source": "pairing",
    "allowedTargetClients": [],
    "remoteTargets": None,
    "remoteScopes": ["world:info", "roll:execute"],
    "remoteRequestsPerHour": 0,
    "revoked": False,
    "createdAt": "2026-11-29T12:00:00Z",
}


class TokenInfo(BaseModel):
    model_config = example(TOKEN)
    id: str
    name: str
    keyId: str
    clientId: str | None
    source: str
    allowedTargetClients: list[str]
    remoteTargets: list[str] | None
    remoteScopes: list[str] | None
    remoteRequestsPerHour: int
    revoked: bool
    createdAt: str


class TokenList(BaseModel):
    model_config = example({"tokens": [TOKEN], "total": 1})
    tokens: list[TokenInfo]
    total: int


class NameBody(BaseModel):
    model_config = example({"name": "Curse of Strahd"})
    name: str | None


class TokenUpdate(BaseModel):
    model_config = example(
        {"remoteTargets": ["fvtt_a1b2c3d4e5f6a7b8"], "remoteScopes": ["world:info"]}
    )
    name: str | None = None
    remoteTargets: list[str] | None = None
    remoteScopes: list[str] | None = None
    remoteRequestsPerHour: int | None = None


class Renamed(BaseModel):
    model_config = example({"success": True})
    success: bool


class Disconnected(BaseModel):
    model_config = example(
        {"success": True, "message": "Connection token revoked", "disconnectedClients": 1}
    )
    success: bool
    message: str
    disconnectedClients: int


class KnownRenamed(BaseModel):
    model_config = example({"success": True, "clientId": CLIENT_ID, "name": "Curse of Strahd"})
    success: bool
    clientId: str
    name: str | None


class Forgotten(BaseModel):
    model_config = example({"success": True, "clientId": CLIENT_ID, "disconnectedClients": 1})
    success: bool
    clientId: str
    disconnectedClients: int
