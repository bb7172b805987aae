"""Declared shapes of the session endpoints (SPEC 3, 4.6): the OpenAPI document is generated
from these, each with an example. Bodies are still validated by hand where the SPEC's error
codes need it (``session_routes.start_request``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SESSION_ID = "0f0c2a4e-2b1d-4b7e-9a51-7f3e0d9c1a2b"
CLIENT_ID = "fvtt_9f2c1e0a7b3d4c55"


def example(sample: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [sample]})


class HandshakeReply(BaseModel):
    model_config = example(
        {
            "token": "5f1c" * 16,
            "publicKey": "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n",
            "nonce": "a1b2" * 8,
            "expires": "2026-11-29T12:05:00Z",
            "instanceId": "relay-1a2b3c4d",
            "foundryUrl": "http://foundry.lan:30000",
            "username": "Gamemaster",
        }
    )
    token: str
    publicKey: str
    nonce: str
    expires: str
    instanceId: str
    foundryUrl: str
    username: str


class StartSessionBody(BaseModel):
    """``POST /start-session``; ``encryptedPassword`` is base64 RSA-OAEP over the JSON
    ``{"password", "nonce"[, "adminPassword"]}`` with the handshake's public key."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {"handshakeToken": "5f1c" * 16, "encryptedPassword": "base64…", "repair": False}
            ]
        },
    )
    handshakeToken: str
    encryptedPassword: str
    worldName: str | None = None
    captureBrowserConsole: str | None = None
    repair: bool = Field(
        False,
        description="Re-pair a world whose module is paired with another relay (its GMs' own"
        " browsers then have to pair again); without it such a world fails with"
        " WORLD_PAIRED_ELSEWHERE.",
    )


class StartSessionReply(BaseModel):
    model_config = example({"success": True, "sessionId": SESSION_ID, "clientId": CLIENT_ID})
    success: bool
    sessionId: str
    clientId: str


class EndSessionBody(BaseModel):
    model_config = example({"sessionId": SESSION_ID})
    sessionId: str | None = None


class EndSessionReply(BaseModel):
    model_config = example({"status": "ok", "message": "Session ended"})
    status: str
    message: str


class PendingSession(BaseModel):
    sessionId: str
    foundryUrl: str
    username: str
    worldName: str | None = None
    startedAt: int
    stage: str


class ActiveSession(BaseModel):
    """Also the module's connection metadata (``worldId``, ``systemId``, …) while connected."""

    sessionId: str
    clientId: str | None
    foundryUrl: str
    username: str
    worldName: str | None = None
    startedAt: int
    lastActivity: int
    clientConnected: bool = True


class SessionList(BaseModel):
    model_config = example(
        {
            "activeSessions": [
                {
                    "sessionId": SESSION_ID,
                    "clientId": CLIENT_ID,
                    "foundryUrl": "http://foundry.lan:30000",
                    "username": "Gamemaster",
                    "worldName": None,
                    "startedAt": 1764417600000,
                    "lastActivity": 1764417660000,
                    "clientConnected": True,
                    "worldId": "test-world",
                    "worldTitle": "Test World",
                    "foundryVersion": "13.345",
                    "systemId": "dnd5e",
                }
            ],
            "pendingSessions": [],
            "alwaysOn": [
                {
                    "clientId": CLIENT_ID,
                    "foundryUrl": "http://foundry.lan:30000",
                    "username": "Gamemaster",
                    "world": "test-world",
                    "autoStart": True,
                    "updatedAt": 1764417600000,
                    "online": True,
                    "restarts": 1,
                    "nextAttemptAt": None,
                    "lastEndReason": "browser-crashed",
                }
            ],
        }
    )
    activeSessions: list[ActiveSession]
    pendingSessions: list[PendingSession]
    alwaysOn: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The key's always-on worlds (stored logins): restarts after their sessions"
        " died, and when the next attempt is due",
    )


class TimelineEvent(BaseModel):
    at: int
    event: str
    detail: str


class SessionLog(BaseModel):
    model_config = example(
        {
            "sessionId": SESSION_ID,
            "state": "failed",
            "stage": "game-ready",
            "reason": "WORLD_PAIRED_ELSEWHERE",
            "startedAt": 1764417600000,
            "endedAt": 1764417600700,
            "timeline": [
                {"at": 1764417600000, "event": "launching", "detail": "browser"},
                {"at": 1764417600500, "event": "pairing", "detail": "paired elsewhere: wss://…"},
            ],
            "failure": {"code": "WORLD_PAIRED_ELSEWHERE", "stage": "game-ready", "error": "…"},
            "console": [],
            "hasScreenshot": True,
        }
    )
    sessionId: str
    state: str
    stage: str | None = None
    reason: str | None = None
    startedAt: int
    endedAt: int | None = None
    timeline: list[TimelineEvent]
    failure: dict[str, Any] | None = None
    console: list[str]
    hasScreenshot: bool


def ok(model: type[BaseModel], description: str = "success") -> dict[int | str, dict[str, Any]]:
    """A route's documented 200 reply."""
    return {200: {"model": model, "description": description}}


def json_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` declaring a route's JSON body by its model (the route still reads and
    checks it itself, so the error codes of SPEC 8 stay exact)."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def created(model: type[BaseModel], description: str = "created") -> dict[int | str, Any]:
    """A route's documented 201 reply."""
    return {201: {"model": model, "description": description}}
