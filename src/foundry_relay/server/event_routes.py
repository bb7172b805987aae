"""The six server-sent event routes (SPEC 14), wire-compatible with the established relay:
``event: connected`` first, then one event per module event that passes the filters,
``: keepalive`` comments, and ``event: error`` before the stream ends for a reason of the
relay's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from ..core.events import CHANNELS, Channel, Filters
from ..errors import RelayError
from ..store import ApiKey
from .deps import relay_state, require_key
from .events import Subscriber, sse_event
from .online import resolve_for_key
from .state import RelayState

WRITE_TIMEOUT = 30.0  # a caller that takes no bytes for this long is dropped
FILTERS: dict[str, tuple[str, ...]] = {
    "roll-events": ("userId",),
    "chat-events": ("speaker", "type", "whisperOnly", "userId"),
}
OTHER_FILTERS = ("hooks", "encounterId", "actorUuid", "sceneId")


class CallerGone(RelayError):
    code = "BAD_REQUEST"


class EventStream(Response):
    """A ``text/event-stream`` reply fed by one :class:`Subscriber`."""

    media_type = "text/event-stream"

    def __init__(self, state: RelayState, sub: Subscriber, hello: dict[str, Any]) -> None:
        super().__init__()
        self.state = state
        self.sub = sub
        self.hello = hello

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sub = self.sub
        keepalive = self.state.settings.event_keepalive_seconds
        headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),
        ]
        watcher = asyncio.ensure_future(self._watch(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await self._write(send, sse_event("connected", self.hello))
            while True:
                if not sub.items and sub.ended is None:
                    try:
                        async with asyncio.timeout(keepalive):
                            await sub.wake.wait()
                    except TimeoutError:
                        await self._write(send, b": keepalive\n\n")
                        continue
                items = sub.take()
                if items:
                    await self._write(send, b"".join(items))
                if sub.ended is not None:
                    if not isinstance(sub.ended, CallerGone):
                        await self._write(send, sse_event("error", sub.ended.body()))
                    break
            await send({"type": "http.response.body", "body": b""})
        finally:
            watcher.cancel()
            self.state.events.unsubscribe(sub)

    async def _watch(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.sub.end(CallerGone("the caller went away"))
                return

    async def _write(self, send: Send, data: bytes) -> None:
        async with asyncio.timeout(WRITE_TIMEOUT):
            await send({"type": "http.response.body", "body": data, "more_body": True})


def _handler(channel: Channel) -> Callable[..., Awaitable[Response]]:
    async def subscribe(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        state = relay_state(request)
        query = request.query_params
        client_id = await resolve_for_key(state, key, query.get("clientId"))
        filters = Filters.parse(channel, query)
        sub = state.events.subscribe(key.id, client_id, channel, filters, sse=True)
        hello = {"clientId": client_id}
        if channel.name == "actor-events":
            hello["actorUuid"] = filters.actor_uuid
        return EventStream(state, sub, hello)

    subscribe.__name__ = "subscribe_" + channel.name.replace("-", "_")
    return subscribe


def _openapi(channel: Channel) -> dict[str, Any]:
    names = ("clientId", *FILTERS.get(channel.name, OTHER_FILTERS))
    parameters = [
        {
            "name": name,
            "in": "query",
            "required": name == "actorUuid" and channel.name == "actor-events",
            "schema": {"type": "boolean"} if name == "whisperOnly" else {"type": "string"},
        }
        for name in names
    ]
    example = 'event: connected\ndata: {"clientId":"fvtt_0123456789abcdef"}\n\n: keepalive\n\n'
    return {
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "the event stream",
                "content": {
                    "text/event-stream": {"schema": {"type": "string"}, "example": example}
                },
            },
            "404": {"description": "no such client for this key"},
            "429": {"description": "too many subscribers for this client or key"},
        },
    }


def event_router() -> APIRouter:
    router = APIRouter(tags=["Events"])
    for channel in CHANNELS.values():
        router.add_api_route(
            channel.path,
            _handler(channel),
            methods=["GET"],
            summary=f"Server-sent events of channel {channel.name}",
            response_class=Response,
            openapi_extra=_openapi(channel),
        )
    return router
