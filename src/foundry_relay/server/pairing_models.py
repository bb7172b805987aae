"""Declared shapes of the pairing endpoints (SPEC 12) and of ``/clients`` and ``/api/status``:
the OpenAPI document is generated from these, each with an example. The routes read their bodies
themselves (bounded strings, the error codes of SPEC 8)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .models import CLIENT_ID, example

CODE = "K7Q2XM"
WORLD = {"worldId": "test-world", "worldTitle": "Test World"}


class ConnectionTokenBody(BaseModel):
    model_config = example({"clientId": CLIENT_ID})
    clientId: str | None = Field(
        None, description="a world this key already knows: the code adds a browser to it"
    )


class ConnectionTokenReply(BaseModel):
    model_config = example({"code": CODE, "expiresAt": "2026-11-29T12:10:00Z", "expiresIn": 600})
    code: str
    expiresAt: str
    expiresIn: int


class PairBody(BaseModel):
    model_config = example(
        {"code": CODE, **WORLD, "serverFingerprint": "3f9a…", "serverOrigin": "http://foundry.lan"}
    )
    code: str
    worldId: str | None = None
    worldTitle: str | None = None
    serverFingerprint: str | None = None
    existingClientId: str | None = None
    serverOrigin: str | None = None


class PairReply(BaseModel):
    model_config = example(
        {"token": "fr_ct_…", "clientId": CLIENT_ID, "relayUrl": "wss://relay.example"}
    )
    token: str
    clientId: str
    relayUrl: str


class PairRequestBody(BaseModel):
    model_config = example({**WORLD, "systemId": "dnd5e", "foundryVersion": "13.345"})
    worldId: str
    worldTitle: str | None = None
    systemId: str | None = None
    systemTitle: str | None = None
    systemVersion: str | None = None
    foundryVersion: str | None = None
    serverFingerprint: str | None = None
    clientId: str | None = None
    upgradeOnly: bool = False


class PairRequestReply(BaseModel):
    model_config = example(
        {
            "code": "ABCD2345",
            "pairUrl": "https://relay.example/pair/ABCD2345",
            "upgradeOnly": False,
            "expiresIn": 600,
            "expiresAt": "2026-11-29T12:10:00Z",
        }
    )
    code: str
    pairUrl: str
    upgradeOnly: bool
    expiresIn: int
    expiresAt: str


class PairRequestStatus(BaseModel):
    """``pending`` → ``approved`` (with ``pairingCode``, or ``upgraded``) → ``exchanged``;
    ``denied``; an expired request answers 410 with ``status: "expired"``."""

    model_config = example({"status": "approved", "pairingCode": CODE})
    status: str
    pairingCode: str | None = None
    upgraded: bool | None = None
    message: str | None = None


class KnownWorld(BaseModel):
    clientId: str
    worldId: str | None
    worldTitle: str | None
    isOnline: bool


class PairRequestDetails(BaseModel):
    model_config = example(
        {
            "code": "ABCD2345",
            **WORLD,
            "systemId": "dnd5e",
            "systemTitle": "Dungeons & Dragons Fifth Edition",
            "systemVersion": "4.0.0",
            "foundryVersion": "13.345",
            "upgradeOnly": False,
            "status": "pending",
            "expiresAt": "2026-11-29T12:10:00Z",
            "knownClients": [{"clientId": CLIENT_ID, **WORLD, "isOnline": False}],
        }
    )
    code: str
    worldId: str
    worldTitle: str | None
    systemId: str | None
    systemTitle: str | None
    systemVersion: str | None
    foundryVersion: str | None
    upgradeOnly: bool
    status: str
    expiresAt: str
    knownClients: list[KnownWorld]


class DecisionReply(BaseModel):
    model_config = example({"success": True, "upgraded": False})
    success: bool
    upgraded: bool | None = None
    message: str | None = None


class SelfUnpairBody(BaseModel):
    model_config = example({"token": "fr_ct_…"})
    token: str


class SelfUnpairReply(BaseModel):
    model_config = example({"success": True, "message": "Unpaired successfully"})
    success: bool
    message: str


class ClientActive(BaseModel):
    model_config = example({"active": True})
    active: bool


class RelayStatus(BaseModel):
    model_config = example(
        {
            "status": "ok",
            "version": "0.9.0",
            "websocket": "/relay",
            "headlessEnabled": True,
            "instanceId": "relay-1a2b3c4d",
        }
    )
    status: str
    version: str
    websocket: str
    headlessEnabled: bool
    instanceId: str


class ClientInfo(BaseModel):
    """A connected world (``isOnline``) or one this key paired with that is offline."""

    clientId: str
    instanceId: str | None
    lastSeen: int
    connectedSince: int | None
    worldId: str | None = None
    worldTitle: str | None = None
    foundryVersion: str | None = None
    systemId: str | None = None
    systemTitle: str | None = None
    systemVersion: str | None = None
    customName: str | None = None
    publicUrl: str | None = None
    isOnline: bool
    sessionId: str | None = None


class RelayHealth(BaseModel):
    model_config = example(
        {
            "status": "ok",
            "instanceId": "relay-1a2b3c4d",
            "store": "ok",
            "browser": "idle",
            "sessions": 0,
            "clients": 1,
        }
    )
    status: str
    instanceId: str
    store: str
    browser: str
    sessions: int | None = None
    clients: int


class ClientList(BaseModel):
    model_config = example(
        {
            "total": 1,
            "clients": [
                {
                    "clientId": CLIENT_ID,
                    "instanceId": "relay-1a2b3c4d",
                    "lastSeen": 1764417660000,
                    "connectedSince": 1764417600000,
                    **WORLD,
                    "foundryVersion": "13.345",
                    "systemId": "dnd5e",
                    "systemTitle": "Dungeons & Dragons Fifth Edition",
                    "systemVersion": "4.0.0",
                    "customName": None,
                    "publicUrl": "http://foundry.lan:30000",
                    "isOnline": True,
                }
            ],
        }
    )
    total: int
    clients: list[ClientInfo]
