"""What every HTTP route shares: the relay state, API-key authentication, JSON in and out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import Request, Security, WebSocket
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader

from ..core.addresses import client_address as address_of
from ..core.scopes import scope_for
from ..errors import BadRequest, NotFound, RelayError, error_response_parts
from ..store import ApiKey
from .state import RelayState

_api_key_header = APIKeyHeader(name="x-api-key", auto_error=False)


def relay_state(request: Request) -> RelayState:
    state: RelayState = request.app.state.relay
    return state


async def require_key(request: Request, api_key: str | None = Security(_api_key_header)) -> ApiKey:
    """``x-api-key`` authentication, shared by every protected route (async: a lookup in the
    store's caches, which would not be worth a hop to a worker thread), and the scope the
    matched route needs (SPEC 15)."""
    state = relay_state(request)
    key = state.authenticate(api_key, client_address(request))
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if path is not None:
        state.require_scope(key, scope_for(request.method, path))
    return key


def reach(key: ApiKey, client_id: str) -> str:
    """A world a key bound to some worlds may not reach is "not found", as another key's."""
    if not key.may_reach(client_id):
        raise NotFound(f"no connected client '{client_id}'", code="CLIENT_NOT_FOUND")
    return client_id


async def read_raw_body(request: Request, limit: int) -> bytes:
    """The request's body, at most ``limit`` bytes (413 beyond, before reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RelayError("request body too large", code="PAYLOAD_TOO_LARGE")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RelayError("request body too large", code="PAYLOAD_TOO_LARGE")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_body(request: Request, limit: int) -> dict[str, Any]:
    """The request's JSON object body; {} when empty. 400 for anything else."""
    raw = await read_raw_body(request, limit)
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    check_shape(body)
    return body


MAX_DEPTH = 32  # nesting of objects and arrays in a JSON body
MAX_ITEMS = 10_000  # values in a JSON body, all levels together
MAX_NAME = 1_024  # characters of an object member's name
# String values are bounded by the body's size alone (WS_MAX_MESSAGE_MB): an upload's file data
# or a script is one long string, as on the established relay.


def check_shape(body: Any) -> None:
    """400 for a JSON body nested deeper than MAX_DEPTH, with more than MAX_ITEMS values or
    with a member name longer than MAX_NAME (walked without recursion: a hostile body cannot
    exhaust the stack)."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"request body nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            if any(len(name) > MAX_NAME for name in value):
                raise BadRequest(f"request body has a member name longer than {MAX_NAME}")
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        for child in children:
            seen += 1
            if seen > MAX_ITEMS:
                raise BadRequest(f"request body has more than {MAX_ITEMS} values")
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))


def error_response(error: RelayError) -> Response:
    """The reply for any :class:`RelayError`: status, body and headers from the one table."""
    status, body, headers = error_response_parts(error)
    return JSONResponse(body, status_code=status, headers=headers or None)


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


async def wait_disconnect(request: Request) -> None:
    """Return when the HTTP caller goes away (used to cancel a launch)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
        await asyncio.sleep(0)


def client_address(request: Request | WebSocket) -> str:
    """The caller's address (the unit of per-address throttling): the socket's peer, or what
    the operator's own proxy (``TRUSTED_PROXIES``) says in ``X-Forwarded-For``."""
    client = request.scope.get("client")
    peer = client[0] if client else None
    trusted = request.app.state.relay.trusted_proxies
    if not trusted or peer is None:  # the common case: no header to read
        return peer or "unknown"
    return address_of(peer, request.headers.get("x-forwarded-for"), trusted)


@contextlib.asynccontextmanager
async def authenticating(ws: WebSocket) -> AsyncIterator[bool]:
    """Count ``ws`` as not yet authenticated while the block runs (``MAX_UNAUTHENTICATED_
    WEBSOCKETS``, in all and per address). False: past a cap, already refused with 429 and
    ``Retry-After`` before the upgrade — the caller only returns."""
    state: RelayState = ws.app.state.relay
    address = client_address(ws)
    try:
        state.pending_sockets.enter(address)
    except RelayError as exc:
        status, body, headers = error_response_parts(exc)
        await ws.send_denial_response(JSONResponse(body, status_code=status, headers=headers))
        yield False
        return
    try:
        yield True
    finally:
        state.pending_sockets.leave(address)
