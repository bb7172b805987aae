"""The module WebSocket ``/relay`` (SPEC section 5): metadata, first-frame auth, the frame loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..core.clients import METADATA_FIELDS, ClientEntry
from ..core.events import BY_FRAME as EVENT_FRAMES
from ..errors import WS_CLOSE, BadRequest, RelayError, error_response_parts
from .deps import authenticating, client_address
from .hub import Connection

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)


def _origin_url(origin: str | None) -> str | None:
    """A bare http(s) origin (scheme://host[:port]) or None."""
    if not origin:
        return None
    parts = urlsplit(origin)
    if parts.scheme in ("http", "https") and parts.netloc and parts.path in ("", "/"):
        return f"{parts.scheme}://{parts.netloc}"
    return None


async def _close(ws: WebSocket, reason_key: str) -> None:
    code, reason = WS_CLOSE[reason_key]
    try:
        await ws.close(code=code, reason=reason)
    except Exception:  # peer already gone
        log.debug("close failed", exc_info=True)


async def _first_frame(ws: WebSocket, timeout: float) -> str | None:
    """The auth token from the first frame; None after closing the socket with the SPEC's code."""
    try:
        message = await asyncio.wait_for(ws.receive(), timeout)
    except TimeoutError:
        await _close(ws, "auth-timeout")
        return None
    if message["type"] == "websocket.disconnect":
        return None
    raw = message.get("text")
    if raw is None and message.get("bytes") is not None:
        raw = message["bytes"].decode("utf-8", "replace")
    try:
        frame: Any = orjson.loads(raw or "")
    except orjson.JSONDecodeError:
        frame = None
    token = frame.get("token") if isinstance(frame, dict) else None
    if (
        not isinstance(frame, dict)
        or frame.get("type") != "auth"
        or not isinstance(token, str)
        or not token
    ):
        await _close(ws, "auth-invalid")
        return None
    return token


@dataclass(frozen=True)
class Authenticated:
    key_id: str
    token_id: str | None = None
    session_id: str | None = None


def _count_failure(state: RelayState, address: str) -> None:
    with contextlib.suppress(RelayError):  # past the limit: the address is blocked from now on
        state.guard.failed(address)


async def _authenticate(ws: WebSocket, state: RelayState, client_id: str) -> Authenticated | None:
    """Accept the socket and check its credentials (first-frame token, or the legacy
    ``?token=`` API key where allowed); None after closing it with the right code."""
    settings = state.settings
    legacy_key = ws.query_params.get("token")
    address = client_address(ws)
    await ws.accept()
    try:
        state.guard.check(address)  # an address that failed too often: no credential check
    except RelayError:
        await _close(ws, "unavailable")
        return None
    if legacy_key and not settings.allow_legacy_auth:
        # An old module stops on 1008; on 4002 it would retry every second forever.
        log.info("client %s: legacy ?token= authentication is off", client_id)
        await _close(ws, "auth-failed")
        return None
    if legacy_key:
        api_key = state.store.authenticate_key(legacy_key)
        if api_key is None:
            _count_failure(state, address)
            await _close(ws, "auth-failed")
            return None
        return Authenticated(api_key.id)
    token = await _first_frame(ws, settings.ws_auth_timeout)
    if token is None:
        return None
    found = state.store.authenticate_token(token)
    if found is None:
        log.info("client %s: authentication failed", client_id)
        _count_failure(state, address)
        await _close(ws, "auth-failed")
        return None
    record, key_id = found
    if record.client_id is not None and record.client_id != client_id:
        # A paired token belongs to its world's clientId.
        log.info("client %s: token belongs to another clientId", client_id)
        await _close(ws, "auth-failed")
        return None
    return Authenticated(key_id, record.id, record.session_id)


MODULE_SOCKET_PATHS = ("/relay", "/relay/")


async def relay_endpoint(ws: WebSocket) -> None:
    state: RelayState = ws.app.state.relay
    client_id = ws.query_params.get("id", "").strip()
    if not client_id:
        status, body, _ = error_response_parts(BadRequest("query parameter 'id' is required"))
        await ws.send_denial_response(JSONResponse(body, status_code=status))
        return
    metadata = {name: ws.query_params.get(name) for name in METADATA_FIELDS}
    public_url = _origin_url(ws.headers.get("origin"))
    async with authenticating(ws) as admitted:
        auth = await _authenticate(ws, state, client_id) if admitted else None
    if auth is None:
        return
    key_id = auth.key_id
    conn = Connection(ws=ws, client_id=client_id, frames=state.stats.frames)
    entry = ClientEntry(
        client_id=client_id,
        key_id=key_id,
        connection=conn,
        instance_id=state.instance_id,
        metadata=metadata,
        public_url=public_url,
        token_id=auth.token_id,
        session_id=auth.session_id,
    )
    try:
        registered = await state.hub.register(entry)
    except RelayError as exc:
        log.warning("client %s: not registered (%s); it may try again", client_id, exc.code)
        await _close(ws, "unavailable")
        return
    if not registered:
        await _close(ws, "client-taken")
        return
    try:
        await state.store.off_loop(
            state.store.remember_client,
            key_id,
            client_id,
            world_id=metadata.get("worldId"),
            world_title=metadata.get("worldTitle"),
            server_origin=public_url,
            metadata=metadata,
        )
        await conn.send({"type": "auth-success"})
        state.hub.announce(entry)
        state.events.client_connected(entry)
        await _frame_loop(state, entry, conn)
    except Exception:
        log.debug("client %s: socket error", client_id, exc_info=True)
    finally:
        state.hub.unregister(entry)
        state.events.client_gone(entry)


async def _frame_loop(state: RelayState, entry: ClientEntry, conn: Any) -> None:
    ws: WebSocket = conn.ws
    frames = state.stats.frames
    while True:
        try:
            message = await ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if message["type"] == "websocket.disconnect":
            return
        frames["in"] += 1
        raw = message.get("text")
        if raw is None:
            data = message.get("bytes")
            raw = data.decode("utf-8", "replace") if data is not None else ""
        entry.last_seen = time.time()
        try:
            frame: Any = orjson.loads(raw)
        except orjson.JSONDecodeError:
            log.debug("client %s: ignoring a non-JSON frame", entry.client_id)
            continue
        if not isinstance(frame, dict):
            continue
        kind = frame.get("type")
        if kind == "ping":
            await conn.send({"type": "pong"})
        elif kind == "player-list":
            users = frame.get("users")
            entry.players = users if isinstance(users, list) else []
        elif isinstance(kind, str) and kind.endswith("-result"):
            if not state.hub.correlator.deliver(conn, frame):
                log.debug("client %s: unmatched %s", entry.client_id, kind)
        elif kind in EVENT_FRAMES:
            state.events.publish(entry, frame)
            if state.hub.cluster is not None:  # listeners on other workers
                state.hub.cluster.event(entry, frame)
        elif kind == "remote-request":
            state.remote.start(entry, frame)
        else:
            log.debug("client %s: ignoring frame type %r", entry.client_id, kind)
