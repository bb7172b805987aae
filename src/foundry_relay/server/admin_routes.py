"""Managing keys, connection tokens and known worlds over HTTP (SPEC 15), with the shapes of the
established relay's dashboard API. An admin key (``foundry-relay keys create --admin``) manages
every key; any other key sees only itself, and its own tokens and worlds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..core.clients import ClientEntry, known_client_json
from ..errors import BadRequest, NotFound, RelayError
from ..store import ApiKey
from .admin_models import (
    Disconnected,
    Done,
    Forgotten,
    KeyBody,
    KeyCreated,
    KeyInfo,
    KeyList,
    KnownRenamed,
    NameBody,
    Regenerated,
    Renamed,
    TokenList,
    TokenUpdate,
)
from .deps import json_response, read_json_body, relay_state, require_key
from .hub import Connection
from .models import created, json_body, ok
from .pairing_models import ClientList

BODY_LIMIT = 64 * 1024
LAST_TIME = 253402300799.0  # 9999-12-31T23:59:59Z

router = APIRouter(tags=["management"])


def require_admin(key: ApiKey = Depends(require_key)) -> ApiKey:
    if not key.admin:
        raise RelayError(
            "this needs an admin key (foundry-relay keys create --admin)", code="ADMIN_REQUIRED"
        )
    return key


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat().replace("+00:00", "Z")


def key_json(key: ApiKey, used: int | None = None) -> dict[str, Any]:
    """A key as the management API shows it (never its secret)."""
    clients = list(key.client_ids) if key.client_ids is not None else None
    return {
        "id": key.id,
        "name": key.name,
        "scopes": sorted(key.scopes),
        "clientIds": clients,
        "scopedClientIds": clients or [],  # the established relay's name
        "expiresAt": _iso(key.expires_at),
        "isExpired": key.expired(dt.datetime.now(dt.UTC).timestamp()),
        "rateLimit": key.rate_limit,
        "monthlyQuota": key.monthly_quota,
        "monthlyLimit": key.monthly_quota or 0,  # the established relay's name
        "requestsThisMonth": used,
        "enabled": key.enabled,
        "admin": key.admin,
        "revoked": key.revoked_at is not None,
        "createdAt": _iso(key.created_at),
    }


def _when(value: Any, name: str) -> float | None:
    """An RFC 3339 time or a UNIX time in seconds; None for null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRequest(f"{name} must be an RFC 3339 time, a UNIX time or null")
    if isinstance(value, (int, float)):
        stamp = float(value)
    else:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadRequest(f"{name} must be an RFC 3339 time, a UNIX time or null") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        stamp = moment.timestamp()
    if not 0 <= stamp <= LAST_TIME:
        raise BadRequest(f"{name} must lie between 1970 and 9999")
    return stamp


def _count(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{name} must be a whole number ≥ 0 or null")
    return value


def _strings(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise BadRequest(f"{name} must be a list of strings or null")
    return list(value)


def _name(body: dict[str, Any], *, nullable: bool = False) -> Any:
    """A body's ``name``, stripped; 400 unless a non-empty string (or null when allowed)."""
    name = body.get("name")
    if name is None and nullable:
        return None
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name must be a non-empty string" + (" or null" if nullable else ""))
    return name.strip()


def key_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The fields a body sets, by the store's names (both spellings of the established relay's
    accepted); 400 for a wrong type."""
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = _name(body)
    if "scopes" in body:
        scopes = _strings(body["scopes"], "scopes")
        if not scopes:
            raise BadRequest("at least one scope is required")
        fields["scopes"] = scopes
    for wire in ("clientIds", "scopedClientIds"):
        if wire in body:
            ids = _strings(body[wire], wire)
            fields["client_ids"] = ids or None
    if "expiresAt" in body:
        fields["expires_at"] = _when(body["expiresAt"], "expiresAt")
    if "rateLimit" in body:
        fields["rate_limit"] = _count(body["rateLimit"], "rateLimit")
    for wire in ("monthlyQuota", "monthlyLimit"):
        if wire in body:
            fields["monthly_quota"] = _count(body[wire], wire) or None
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise BadRequest("enabled must be true or false")
        fields["enabled"] = body["enabled"]
    return fields


def _used(request: Request, key: ApiKey) -> int | None:
    usage = relay_state(request).usage
    return usage.used(key.id) if usage is not None else None


# -- API keys ---------------------------------------------------------------------------------


@router.post(
    "/auth/api-keys",
    response_class=Response,
    status_code=201,
    responses=created(KeyCreated),
    openapi_extra=json_body(KeyBody),
)
async def create_key(request: Request, admin: ApiKey = Depends(require_admin)) -> Response:
    """Create a key: ``{"name", "scopes", "clientIds"?, "expiresAt"?, "rateLimit"?,
    "monthlyQuota"?}``; the key itself is in this reply only."""
    body = await read_json_body(request, BODY_LIMIT)
    fields = key_fields(body)
    if "name" not in fields:
        raise BadRequest("name is required")
    if "scopes" not in fields:
        raise BadRequest("at least one scope is required")
    store = relay_state(request).store
    record, plaintext = await store.off_loop(
        store.create_key,
        fields.pop("name"),
        scopes=fields.pop("scopes"),
        **fields,
    )
    return json_response({**key_json(record, 0), "key": plaintext}, 201)


@router.get("/auth/api-keys", response_class=Response, responses=ok(KeyList))
async def list_keys(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """Every key for an admin key; only itself for any other."""
    store = relay_state(request).store
    keys = store.list_keys() if key.admin else [key]
    return json_response({"keys": [key_json(k, _used(request, k)) for k in keys]})


def _managed(request: Request, key_id: str) -> ApiKey:
    found = relay_state(request).store.get_key(key_id)
    if found is None or found.revoked_at is not None:
        raise NotFound(f"no API key '{key_id}'", code="NOT_FOUND")
    return found


@router.patch(
    "/auth/api-keys/{key_id}",
    response_class=Response,
    responses=ok(KeyInfo),
    openapi_extra=json_body(KeyBody),
)
async def update_key(
    key_id: str, request: Request, admin: ApiKey = Depends(require_admin)
) -> Response:
    """Change a key's name, scopes, worlds, expiry, limits or enabled flag; at once."""
    _managed(request, key_id)
    fields = key_fields(await read_json_body(request, BODY_LIMIT))
    store = relay_state(request).store
    updated = await store.off_loop(store.update_key, key_id, **fields)
    return json_response(key_json(updated, _used(request, updated)))


@router.delete("/auth/api-keys/{key_id}", response_class=Response, responses=ok(Done))
async def revoke_key(
    key_id: str, request: Request, admin: ApiKey = Depends(require_admin)
) -> Response:
    """Revoke a key: it and its worlds' sockets stop at once."""
    _managed(request, key_id)
    state = relay_state(request)
    await state.store.off_loop(state.store.revoke_key, key_id)
    await state.close_revoked()
    return json_response({"success": True, "message": "API key revoked"})


@router.post(
    "/auth/api-keys/{key_id}/regenerate", response_class=Response, responses=ok(Regenerated)
)
async def regenerate_key(
    key_id: str, request: Request, admin: ApiKey = Depends(require_admin)
) -> Response:
    """A new secret for the same key (same id, scopes and worlds); the old one stops at once."""
    _managed(request, key_id)
    store = relay_state(request).store
    plaintext = await store.off_loop(store.regenerate_key, key_id)
    return json_response({"id": key_id, "key": plaintext})


# -- connection tokens ------------------------------------------------------------------------


def _sockets(request: Request, which: Callable[[ClientEntry], bool]) -> int:
    """Module sockets of this relay that a revocation is about to close (the revocation
    watcher may close them before the route gets to)."""
    entries = relay_state(request).hub.registry.all()
    return sum(1 for e in entries if isinstance(e.connection, Connection) and which(e))


def _token_json(token: Any) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "keyId": token.key_id,
        "clientId": token.client_id,
        "source": "session" if token.session_id else "pairing",
        "allowedTargetClients": list(token.remote_targets or []),
        "remoteTargets": list(token.remote_targets) if token.remote_targets is not None else None,
        "remoteScopes": list(token.remote_scopes) if token.remote_scopes is not None else None,
        "remoteRequestsPerHour": token.remote_per_hour or 0,
        "revoked": token.revoked_at is not None,
        "createdAt": _iso(token.created_at),
    }


def _owned_token(request: Request, key: ApiKey, token_id: str) -> Any:
    token = relay_state(request).store.get_token(token_id)
    if token is None or token.revoked_at is not None or not (key.admin or token.key_id == key.id):
        raise NotFound(f"no connection token '{token_id}'", code="NOT_FOUND")
    return token


@router.get("/auth/connection-tokens", response_class=Response, responses=ok(TokenList))
async def list_tokens(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """Active connection tokens: every key's for an admin key, else this key's."""
    store = relay_state(request).store
    tokens = store.list_tokens(None if key.admin else key.id)
    active = [_token_json(t) for t in tokens if t.revoked_at is None]
    return json_response({"tokens": active, "total": len(active)})


@router.patch(
    "/auth/connection-tokens/{token_id}",
    response_class=Response,
    responses=ok(Renamed),
    openapi_extra=json_body(TokenUpdate),
)
async def update_token(
    token_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Rename a connection token or set what its world may do with remote-request:
    ``{"name"?, "remoteTargets"?, "remoteScopes"?, "remoteRequestsPerHour"?}`` (null: any
    world / every scope of its key / no limit of its own; ``allowedTargetClients`` is
    accepted for ``remoteTargets``)."""
    _owned_token(request, key, token_id)
    body = await read_json_body(request, BODY_LIMIT)
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = _name(body)
    for wire, column in (
        ("remoteTargets", "remote_targets"),
        ("allowedTargetClients", "remote_targets"),
        ("remoteScopes", "remote_scopes"),
    ):
        if wire in body:
            fields[column] = _strings(body[wire], wire)
    if "remoteRequestsPerHour" in body:
        per_hour = body["remoteRequestsPerHour"]
        if per_hour is not None and (type(per_hour) is not int or per_hour < 0):
            raise BadRequest("remoteRequestsPerHour must be 0 (no limit) or more, or null")
        fields["remote_per_hour"] = per_hour or None
    if not fields:
        raise BadRequest(
            "nothing to change: give name, remoteTargets, remoteScopes or remoteRequestsPerHour"
        )
    store = relay_state(request).store
    await store.off_loop(store.update_token, token_id, fields)
    return json_response({"success": True})


@router.delete(
    "/auth/connection-tokens/{token_id}", response_class=Response, responses=ok(Disconnected)
)
async def revoke_token(
    token_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Revoke a connection token; the world's socket that used it closes at once."""
    _owned_token(request, key, token_id)
    state = relay_state(request)
    holders = _sockets(request, lambda e: e.token_id == token_id)
    await state.store.off_loop(state.store.revoke_token, token_id)
    await state.close_revoked()
    return json_response(
        {"success": True, "message": "Connection token revoked", "disconnectedClients": holders}
    )


# -- known worlds -----------------------------------------------------------------------------


@router.get("/auth/known-clients", response_class=Response, responses=ok(ClientList))
async def list_known(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """This key's known worlds (those it may reach), online or not."""
    state = relay_state(request)
    items = []
    for known in state.store.known_clients(key.id):
        if key.may_reach(known.client_id):
            item = known_client_json(known)
            item["isOnline"] = state.hub.registry.get(known.client_id) is not None
            items.append(item)
    return json_response({"clients": items, "total": len(items)})


def _known(request: Request, key: ApiKey, client_id: str) -> None:
    store = relay_state(request).store
    if not key.may_reach(client_id) or store.known_client(key.id, client_id) is None:
        raise NotFound(f"no known client '{client_id}'", code="CLIENT_NOT_FOUND")


@router.patch(
    "/auth/known-clients/{client_id}",
    response_class=Response,
    responses=ok(KnownRenamed),
    openapi_extra=json_body(NameBody),
)
async def rename_known(
    client_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Name a known world for this key's lists: ``{"name"}`` (null: its world title)."""
    _known(request, key, client_id)
    name = _name(await read_json_body(request, BODY_LIMIT), nullable=True)
    store = relay_state(request).store
    await store.off_loop(store.rename_known_client, key.id, client_id, name)
    return json_response({"success": True, "clientId": client_id, "name": name})


@router.delete("/auth/known-clients/{client_id}", response_class=Response, responses=ok(Forgotten))
async def forget_known(
    client_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Forget a known world: its connection tokens are revoked (its socket closes) and its
    stored login deleted; pairing it again makes it known again."""
    _known(request, key, client_id)
    state = relay_state(request)
    held = [
        e.token_id
        for e in state.hub.registry.all()
        if e.client_id == client_id and e.key_id == key.id and e.token_id
    ]
    holders = _sockets(request, lambda e: e.token_id in held)
    await state.store.off_loop(state.store.forget_known_client, key.id, client_id, held)
    await state.close_revoked()
    return json_response({"success": True, "clientId": client_id, "disconnectedClients": holders})
