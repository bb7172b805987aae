"""The client WebSocket ``/ws/api`` (SPEC 14), as the established relay's: authenticate with
``x-api-key`` or a first frame ``{"type": "auth", "token", "clientId"?}``; then every forwarded
route as a request frame ``{"type": <request type>, "requestId", ...parameters}`` answered by
``<type>-result`` with the same ``requestId``, and ``subscribe``/``unsubscribe`` for the event
channels, all on one socket. Errors are frames with the HTTP error's ``code`` and ``status``."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..core.events import CHANNELS, Filters
from ..core.forwarding import parse_params
from ..core.routes import ROUTES_BY_TYPE
from ..errors import BadRequest, RelayError
from ..store import ApiKey
from .deps import authenticating, check_shape, client_address
from .events import Subscriber
from .forward_routes import check_guard
from .online import resolve_for_key

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 100  # requests one socket may have waiting at once
CONTROL = ("type", "requestId", "clientId")


def _error(exc: RelayError, **fields: Any) -> dict[str, Any]:
    return {**fields, "error": exc.message, "code": exc.code, "status": exc.status}


class ClientSocket:
    """One authenticated /ws/api connection."""

    def __init__(self, state: RelayState, ws: WebSocket, key: ApiKey, client_id: str) -> None:
        self.state = state
        self.ws = ws
        self.key = key
        self.client_id = client_id
        self.lock = asyncio.Lock()
        self.subs: list[Subscriber] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.in_flight = 0

    async def send(self, frame: dict[str, Any] | str) -> None:
        text = frame if isinstance(frame, str) else orjson.dumps(frame).decode()
        async with self.lock:
            await self.ws.send_text(text)

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run(self) -> None:
        try:
            while True:
                try:
                    message = await self.ws.receive()
                except (WebSocketDisconnect, RuntimeError):
                    return
                if message["type"] == "websocket.disconnect":
                    return
                raw = message.get("text") or (message.get("bytes") or b"").decode(
                    "utf-8", "replace"
                )
                try:
                    frame = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    await self.send(_error(BadRequest("Invalid JSON"), type="error"))
                    continue
                if not isinstance(frame, dict):
                    await self.send(_error(BadRequest("a frame is a JSON object"), type="error"))
                    continue
                try:
                    check_shape(frame)  # the same caps as an HTTP body
                except BadRequest as exc:
                    await self.send(_error(exc, type="error", requestId=frame.get("requestId")))
                    continue
                await self.handle(frame)
        finally:
            for task in list(self.tasks):
                task.cancel()
            for sub in self.subs:
                self.state.events.unsubscribe(sub)

    async def handle(self, frame: dict[str, Any]) -> None:
        kind, request_id = frame.get("type"), frame.get("requestId")
        if kind == "ping":
            await self.send({"type": "pong", "requestId": request_id})
        elif kind == "subscribe":
            await self.subscribe(frame)
        elif kind == "unsubscribe":
            await self.unsubscribe(frame)
        elif not isinstance(kind, str) or kind not in ROUTES_BY_TYPE:
            error = BadRequest(f"Unknown message type: {kind!r}")
            await self.send(_error(error, type="error", requestId=request_id))
        elif not isinstance(request_id, str) or not request_id:
            error = BadRequest('Missing "requestId" field for request messages')
            await self.send(_error(error, type="error"))
        elif self.in_flight >= MAX_IN_FLIGHT:
            busy = RelayError("Too many concurrent requests; retry shortly", code="RATE_LIMITED")
            await self.send(_error(busy, type=f"{kind}-result", requestId=request_id))
        else:
            self.in_flight += 1
            self.spawn(self.request(kind, request_id, frame))

    async def request(self, kind: str, request_id: str, frame: dict[str, Any]) -> None:
        route = ROUTES_BY_TYPE[kind]
        answer: dict[str, Any]
        try:
            self.state.require_scope(self.key, route.scope)
            body = {k: v for k, v in frame.items() if k not in CONTROL}
            params = parse_params(route, {}, body, {k: str(v) for k, v in body.items()})
            check_guard(route, self.key, body, params)
            assert self.state.router is not None
            reply = await self.state.router.forward(
                key_id=self.key.id,
                client_id=self.client_id,
                route=route,
                params=params,
                timeout=route.timeout or self.state.settings.request_timeout,
            )
            answer = {**reply, "type": f"{kind}-result", "requestId": request_id}
            answer["clientId"] = self.client_id
        except RelayError as exc:
            answer = _error(exc, type=f"{kind}-result", requestId=request_id)
        finally:
            self.in_flight -= 1
        try:
            await self.send(answer)
        except Exception:  # the caller went away
            log.debug("/ws/api: reply to a closed socket", exc_info=True)

    async def subscribe(self, frame: dict[str, Any]) -> None:
        request_id, name = frame.get("requestId"), frame.get("channel")
        channel = CHANNELS.get(name) if isinstance(name, str) else None
        try:
            self.state.require_scope(self.key, "events:subscribe")
            if channel is None:
                supported = ", ".join(CHANNELS)
                raise BadRequest(f"Invalid channel: {name!r}. Supported: {supported}")
            filters = frame.get("filters") or {}
            if not isinstance(filters, dict):
                raise BadRequest("filters must be an object")
            sub = self.state.events.subscribe(
                self.key.id, self.client_id, channel, Filters.parse(channel, filters), sse=False
            )
        except RelayError as exc:
            await self.send(_error(exc, type="error", requestId=request_id))
            return
        self.subs.append(sub)
        self.spawn(self.pump(sub))
        await self.send({"type": "subscribed", "channel": name, "requestId": request_id})

    async def unsubscribe(self, frame: dict[str, Any]) -> None:
        name = frame.get("channel")
        gone = [s for s in self.subs if not name or s.channel.name == name]
        for sub in gone:
            self.subs.remove(sub)
            sub.end(RelayError("unsubscribed", code="BAD_REQUEST"))
            self.state.events.unsubscribe(sub)
        await self.send(
            {
                "type": "unsubscribed",
                "channel": name or "all",
                "removed": len(gone),
                "requestId": frame.get("requestId"),
            }
        )

    async def pump(self, sub: Subscriber) -> None:
        """Hand one subscription's events to the socket; its end is an error frame, unless the
        caller unsubscribed."""
        while True:
            await sub.wake.wait()
            for item in sub.take():
                await self.send(item)
            if sub.ended is not None:
                if sub in self.subs:  # dropped by the relay, not unsubscribed
                    self.subs.remove(sub)
                    await self.send(_error(sub.ended, type="error", channel=sub.channel.name))
                return


async def _authenticated(ws: WebSocket) -> tuple[ApiKey, str | None] | None:
    """Accept the socket; its key and the clientId it asks for, or None after closing 4002."""
    state: RelayState = ws.app.state.relay
    await ws.accept()
    found = await _credentials(ws, state)
    if found is None:
        return None
    secret, wanted = found
    try:
        return state.authenticate(secret, client_address(ws)), wanted
    except RelayError as exc:
        await ws.close(4002, "Invalid API key" if exc.code != "RATE_LIMITED" else exc.message)
        return None


async def _credentials(ws: WebSocket, state: RelayState) -> tuple[str, str | None] | None:
    """The key (header or first frame) and the clientId asked for; None after closing 4002."""
    client_id = ws.query_params.get("clientId") or None
    header = ws.headers.get("x-api-key")
    if header:
        return header, client_id
    try:
        async with asyncio.timeout(state.settings.ws_auth_timeout):
            message = await ws.receive()
    except TimeoutError:
        await ws.close(4002, "Authentication timeout")
        return None
    try:
        frame = orjson.loads(message.get("text") or message.get("bytes") or b"")
    except orjson.JSONDecodeError:
        frame = None
    token = frame.get("token") if isinstance(frame, dict) else None
    if not isinstance(frame, dict) or frame.get("type") != "auth" or not isinstance(token, str):
        await ws.close(4002, "Invalid auth message")
        return None
    named = frame.get("clientId")
    return token, named if isinstance(named, str) and named else client_id


async def client_api_endpoint(ws: WebSocket) -> None:
    async with authenticating(ws) as admitted:
        found = await _authenticated(ws) if admitted else None
    if found is None:
        return
    state: RelayState = ws.app.state.relay
    key, wanted = found
    try:  # authenticated: no longer counted while an always-on world starts for it
        client_id = await resolve_for_key(state, key, wanted)
    except RelayError as exc:
        await ws.close(4002, exc.message[:120])
        return
    conn = ClientSocket(state, ws, key, client_id)
    await conn.send({"type": "auth-success", "clientId": client_id})
    await conn.send(
        {
            "type": "connected",
            "clientId": client_id,
            "supportedTypes": sorted(ROUTES_BY_TYPE),
            "eventChannels": list(CHANNELS),
        }
    )
    log.info("/ws/api connected (key %s, client %s)", key.id, client_id)
    await conn.run()
