"""The forwarded routes' fast path: a request for a route of the table without path
parameters, from a non-browser client (no ``Origin``: no CORS to apply), is served here, around
the FastAPI app, before its middleware stack and dependency injection. It runs the same code as
the declared route (:func:`~foundry_relay.server.forward_routes.forward_request`, the same
authentication, the same error table), so the result is the same, only cheaper. The module
socket (``/relay``) is handed to its endpoint here too. Everything else goes on to the app."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from ..core.forwarding import Route
from ..core.routes import ROUTES
from ..errors import RelayError
from .deps import client_address, error_response
from .forward_routes import forward_request
from .relay_ws import MODULE_SOCKET_PATHS, relay_endpoint
from .state import RelayState

log = logging.getLogger(__name__)


class ForwardFastPath:
    """The ASGI app the server runs: wraps the relay's FastAPI app."""

    def __init__(self, app: FastAPI, routes: tuple[Route, ...] = ROUTES) -> None:
        self.app = app
        self.table = {(r.method, r.path): r for r in routes if "{" not in r.path}

    @property
    def state(self) -> State:
        """The app's state (``state.relay``), as on the app itself."""
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.table.get((scope["method"], scope["path"]))
            if route is not None and not any(name == b"origin" for name, _ in scope["headers"]):
                await self.serve(route, scope, receive, send)
                return
            await self.counted(scope, receive, send)
            return
        elif scope["type"] == "websocket" and scope["path"] in MODULE_SOCKET_PATHS:
            # The module socket: every frame both ways would pass the stack's wrappers.
            scope["app"] = self.app
            await relay_endpoint(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)

    async def counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A request for the app, counted by its route template and status (metrics)."""
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.app.state.relay.stats.http_request(name, scope["method"], status)

    async def serve(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self.app  # as Starlette sets it for the app's own routes
        request = Request(scope, receive)
        state: RelayState = self.app.state.relay
        try:
            key = state.authenticate(request.headers.get("x-api-key"), client_address(request))
            response = await forward_request(request, route, key)
        except RelayError as exc:
            response = error_response(exc)
        except Exception as exc:  # the app's last-resort handler, the same reply
            log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
            response = error_response(RelayError("internal error", code="INTERNAL"))
        state.stats.http_request(route.path, route.method, response.status_code)
        await response(scope, receive, send)
