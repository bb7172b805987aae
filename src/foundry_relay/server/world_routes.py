"""Always-on worlds over HTTP (SPEC 16): the key's known worlds, their stored logins (the
password sealed for a handshake's key on the way in, never returned) and auto-start."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from ..core.clients import known_client_json
from ..errors import BadRequest, NotFound, RelayError
from ..headless.always_on import AlwaysOn, disabled
from ..store import ApiKey
from .deps import json_response, reach, read_json_body, relay_state, require_key
from .models import CLIENT_ID, example, json_body, ok

BODY_LIMIT = 64 * 1024
LOGIN = {
    "clientId": CLIENT_ID,
    "foundryUrl": "http://foundry.lan:30000",
    "username": "Gamemaster",
    "world": "test-world",
    "autoStart": True,
    "updatedAt": 1764417600000,
}


class WorldLoginBody(BaseModel):
    """A handshake for the Foundry URL and user (``POST /session-handshake``), and the
    password sealed with its public key as for ``/start-session``."""

    model_config = example(
        {"handshakeToken": "5f1c" * 16, "encryptedPassword": "base64…", "world": "test-world"}
    )
    handshakeToken: str
    encryptedPassword: str
    world: str | None = None


class WorldLoginReply(BaseModel):
    model_config = example(LOGIN)
    clientId: str
    foundryUrl: str
    username: str
    world: str | None
    autoStart: bool
    updatedAt: int


class AutoStartBody(BaseModel):
    model_config = example({"enabled": True})
    enabled: bool


class Deleted(BaseModel):
    model_config = example({"deleted": True, "clientId": CLIENT_ID})
    deleted: bool
    clientId: str


class WorldList(BaseModel):
    model_config = example(
        {
            "storedLogins": True,
            "worlds": [
                {
                    "clientId": CLIENT_ID,
                    "worldId": "test-world",
                    "worldTitle": "Test World",
                    "isOnline": False,
                    "login": LOGIN,
                }
            ],
        }
    )
    storedLogins: bool
    worlds: list[dict[str, Any]]


router = APIRouter(tags=["worlds"])


def _always_on(request: Request) -> AlwaysOn:
    state = relay_state(request)
    if state.headless is None or state.headless.always_on is None:
        raise RelayError("headless sessions are disabled on this relay", code="HEADLESS_DISABLED")
    always_on = state.headless.always_on
    if always_on.vault is None:
        raise disabled()
    return always_on


def _text(body: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{name}' is required")
    return value.strip()


@router.get("/worlds", response_class=Response, responses=ok(WorldList))
async def worlds(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """The key's known worlds, online or not, with their stored login (never the password)."""
    state = relay_state(request)
    logins = {x.client_id: x for x in state.store.world_logins(key.id)}
    items = []
    for known in state.store.known_clients(key.id):
        if not key.may_reach(known.client_id):
            continue
        item = known_client_json(known)
        item["isOnline"] = state.hub.registry.get(known.client_id) is not None
        login = logins.get(known.client_id)
        item["login"] = login.as_json() if login is not None else None
        items.append(item)
    enabled = state.headless is not None and state.headless.always_on is not None
    stored = enabled and state.headless.always_on.vault is not None  # type: ignore[union-attr]
    return json_response({"storedLogins": stored, "worlds": items})


@router.put(
    "/worlds/{client_id}/login",
    response_class=Response,
    responses=ok(WorldLoginReply),
    openapi_extra=json_body(WorldLoginBody),
)
async def set_login(
    client_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Store the Foundry login of one of the key's known worlds, sealed at rest."""
    reach(key, client_id)
    always_on = _always_on(request)
    body = await read_json_body(request, BODY_LIMIT)
    login = await always_on.store_login(
        key.id,
        client_id,
        handshake_token=_text(body, "handshakeToken") or "",
        encrypted_password=_text(body, "encryptedPassword") or "",
        world_name=_text(body, "world", required=False),
    )
    return json_response(login.as_json())


@router.delete("/worlds/{client_id}/login", response_class=Response, responses=ok(Deleted))
async def clear_login(
    client_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Forget a world's stored login (and with it its auto-start)."""
    reach(key, client_id)
    store = relay_state(request).store
    await store.off_loop(store.clear_login, key.id, client_id)
    return json_response({"deleted": True, "clientId": client_id})


@router.put(
    "/worlds/{client_id}/auto-start",
    response_class=Response,
    responses=ok(WorldLoginReply),
    openapi_extra=json_body(AutoStartBody),
)
async def auto_start(
    client_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Start this world when a request or subscription finds it offline, and bring its
    sessions back when they die (needs its stored login)."""
    reach(key, client_id)
    _always_on(request)
    body = await read_json_body(request, BODY_LIMIT)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise BadRequest("'enabled' must be true or false")
    store = relay_state(request).store
    await store.off_loop(store.set_auto_start, key.id, client_id, enabled)
    login = store.world_login(key.id, client_id)
    if login is None:
        raise NotFound(f"no stored login for '{client_id}'", code="LOGIN_NOT_STORED")
    return json_response(login.as_json())
