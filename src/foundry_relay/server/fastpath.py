"""The forwarded routes' fast path: a request for a route of the table without path
parameters, from a non-browser client (no ``Origin``: no CORS to apply), is served here, before
FastAPI's middleware stack and dependency injection; it runs the same code as the declared route
(:func:`~foundry_relay.server.forward_routes.forward_request`, the same authentication and the same
error table), so the result is the same, only cheaper. Everything else goes on to the app."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..core.forwarding import Route
from ..core.routes import ROUTES
from ..errors import RelayError
from .deps import error_response
from .forward_routes import forward_request
from .state import RelayState

log = logging.getLogger(__name__)


class ForwardFastPath:
    def __init__(self, app: ASGIApp, routes: tuple[Route, ...] = ROUTES) -> None:
        self.app = app
        self.table = {(r.method, r.path): r for r in routes if "{" not in r.path}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = self.table.get((scope["method"], scope["path"]))
            if route is not None and not any(name == b"origin" for name, _ in scope["headers"]):
                await self.serve(route, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def serve(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state: RelayState = scope["app"].state.relay
        try:
            key = state.authenticate(request.headers.get("x-api-key"))
            response = await forward_request(request, route, key)
        except RelayError as exc:
            response = error_response(exc)
        except Exception as exc:  # the app's last-resort handler, the same reply
            log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
            response = error_response(RelayError("internal error", code="INTERNAL"))
        await response(scope, receive, send)
