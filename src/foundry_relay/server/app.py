"""The relay's ASGI app: HTTP API, the ``/relay`` WebSocket, error mapping, lifespan."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..browser.engine import BrowserEngine
from ..core.clients import known_client_json
from ..core.forwarding import ROUTES, Route, parse_params, reply_error
from ..errors import BadRequest, RelayError, error_response_parts
from ..headless import HeadlessService
from ..settings import Settings
from ..store import ApiKey, Store
from .deps import json_response, read_json_body, relay_state, require_key
from .hub import Hub
from .openapi import install_openapi
from .pairing_routes import router as pairing_router
from .relay_ws import relay_endpoint
from .session_routes import router as session_router
from .state import RelayState

log = logging.getLogger(__name__)

OPENAPI_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "object": {"type": "object"},
    "array": {"type": "array", "items": {}},
    "any": {},
}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
    "required": ["error", "code"],
}


def error_response(error: RelayError) -> Response:
    status, body, headers = error_response_parts(error)
    return JSONResponse(body, status_code=status, headers=headers or None)


def _openapi_for(route: Route) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "clientId", "in": "query", "required": False, "schema": {"type": "string"}}
    ]
    body_props: dict[str, Any] = {}
    required: list[str] = []
    for p in route.params:
        schema: dict[str, Any] = dict(OPENAPI_TYPES[p.kind])
        if p.source == "b":
            body_props[p.name] = schema
            if p.required:
                required.append(p.name)
        elif p.source == "q":
            if p.kind in ("object", "array"):
                schema = {"type": "string"}
            parameters.append({"name": p.name, "in": "query", "required": False, "schema": schema})
        else:
            parameters.append({"name": p.name, "in": "path", "required": True, "schema": schema})
    extra: dict[str, Any] = {"parameters": parameters}
    if body_props:
        body_props["clientId"] = {"type": "string"}
        body_schema: dict[str, Any] = {"type": "object", "properties": body_props}
        if required:
            body_schema["required"] = required
        extra["requestBody"] = {
            "required": bool(required),
            "content": {"application/json": {"schema": body_schema}},
        }
    extra["responses"] = {
        "200": {
            "description": "the module's reply frame",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "400": {
            "description": "bad input or module error",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "401": {
            "description": "missing or invalid API key",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
        "404": {
            "description": "unknown client",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
        "408": {
            "description": "the client did not answer in time",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
        "413": {
            "description": "body too large",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
        "503": {
            "description": "the client went away",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        },
    }
    return extra


def _forwarding_handler(route: Route) -> Callable[..., Awaitable[Response]]:
    async def handler(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        state = relay_state(request)
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT", "DELETE", "PATCH"):
            body = await read_json_body(request, state.settings.ws_max_bytes)
        query = dict(request.query_params)
        params = parse_params(route, query, body, dict(request.path_params))
        client_id = query.get("clientId") or body.get("clientId")
        if client_id is not None and not isinstance(client_id, str):
            raise BadRequest("clientId must be a string")
        assert state.router is not None
        reply = await state.router.forward(
            key_id=key.id,
            client_id=client_id,
            route=route,
            params=params,
            timeout=route.timeout or state.settings.request_timeout,
        )
        return json_response(reply, 400 if reply_error(reply) else 200)

    handler.__name__ = "forward_" + route.ws_type.replace("-", "_")
    return handler


def _install_error_handlers(app: FastAPI) -> None:
    """Every error reply comes from the one table in :mod:`foundry_relay.errors`."""

    async def relay_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RelayError)
        return error_response(exc)

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "BAD_REQUEST")
        return error_response(RelayError(str(exc.detail), code=code))

    async def validation_error(_: Request, exc: Exception) -> Response:
        return error_response(BadRequest("invalid request"))

    async def unexpected(_: Request, exc: Exception) -> Response:
        log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
        return error_response(RelayError("internal error", code="INTERNAL"))

    app.add_exception_handler(RelayError, relay_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


def create_app(
    settings: Settings, *, store: Store | None = None, engine: BrowserEngine | None = None
) -> FastAPI:
    """Build the relay app. Resources (store, hub, browser) live in its lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_store = store is None
        the_store = store or Store(settings.db_path)
        state = RelayState(settings=settings, store=the_store, hub=Hub(instance_id=""))
        state.hub = Hub(instance_id=state.instance_id, is_token_active=the_store.is_token_active)
        state.router = state.hub
        app.state.relay = state
        if settings.allow_headless:
            state.headless = HeadlessService(state, engine=engine)
            await state.headless.open()
        # Everything loaded so far lives as long as the process: keep it out of the cyclic
        # collector's full passes, which otherwise stall requests for tens of milliseconds.
        state.start_background()
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await state.shutdown()
            if own_store:
                the_store.close()

    app = FastAPI(
        title="foundry-relay",
        version=__version__,
        description="REST relay for Foundry VTT with headless sessions",
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["x-api-key", "x-foundry-url", "x-username", "x-world-name", "content-type"],
    )
    _install_error_handlers(app)

    @app.get("/api/status", tags=["relay"])
    async def status(request: Request) -> dict[str, Any]:
        state = relay_state(request)
        return {
            "status": "ok",
            "version": __version__,
            "websocket": "/relay",
            "headlessEnabled": state.headless is not None,
            "instanceId": state.instance_id,
        }

    @app.get("/clients", tags=["relay"])
    async def clients(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        """This key's worlds: connected ones, and known ones that are offline."""
        state = relay_state(request)
        online = {e.client_id: e for e in state.hub.registry.for_key(key.id)}
        items = [e.as_json() for e in online.values()]
        for known in state.store.known_clients(key.id):
            if known.client_id not in online:
                items.append(known_client_json(known))
        return json_response({"total": len(items), "clients": items})

    for route in ROUTES:
        app.add_api_route(
            route.path,
            _forwarding_handler(route),
            methods=[route.method],
            tags=["forwarding"],
            summary=route.summary,
            openapi_extra=_openapi_for(route),
            response_class=Response,
        )

    app.include_router(session_router)
    app.include_router(pairing_router)
    install_openapi(app)
    app.add_api_websocket_route("/relay", relay_endpoint)
    app.add_api_websocket_route("/relay/", relay_endpoint)
    return app
