"""The relay's ASGI app: HTTP API, the ``/relay`` WebSocket, error mapping, lifespan."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..browser.engine import BrowserEngine
from ..errors import BadRequest, RelayError
from ..headless import HeadlessService
from ..settings import Settings
from ..store import Store
from .admin_routes import router as admin_router
from .client_ws import client_api_endpoint
from .cluster import Cluster, ClusterSpec
from .dashboard import router as dashboard_router
from .dashboard import static_files as dashboard_static
from .deps import error_response
from .dispatch import ExactPaths
from .event_routes import event_router
from .events import EventHub
from .forward_routes import add_forwarded_routes
from .hub import Hub
from .openapi import install_openapi
from .pairing_routes import router as pairing_router
from .relay_routes import router as relay_router
from .relay_ws import relay_endpoint
from .remote import RemoteRequests
from .session_routes import router as session_router
from .state import RelayState
from .usage import KeyUsage
from .world_routes import router as world_router

if TYPE_CHECKING:
    from .federation import Federation

log = logging.getLogger(__name__)


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
    settings: Settings,
    *,
    store: Store | None = None,
    engine: BrowserEngine | None = None,
    cluster: ClusterSpec | None = None,
) -> FastAPI:
    """Build the relay app. Resources (store, hub, browser) live in its lifespan; ``cluster``:
    this process is one worker of several (``serve --workers N``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_store = store is None
        the_store = store or Store(settings.store_target)
        state = RelayState(settings=settings, store=the_store, hub=Hub(instance_id=""))
        peers: Cluster | Federation | None = None
        if cluster is not None:
            state.instance_id = f"{cluster.name}-w{cluster.index}"
            peers = Cluster(state, cluster)
        elif settings.redis_url is not None:  # one of several instances sharing Redis
            from .federation import Federation  # Redis's client only when used

            peers = state.federation = Federation(state, settings.redis_url.get_secret_value())
        # Forwarding checks the client's token right after the same request's key lookup,
        # which has just read the store's change stamp: no second read.
        state.hub = Hub(
            instance_id=state.instance_id,
            registry=peers.registry if peers is not None else None,
            is_token_active=lambda token_id: the_store.is_token_active(token_id, refresh=False),
        )
        state.hub.cluster = peers
        state.events = EventHub(state)
        state.usage = KeyUsage(the_store)
        state.remote = RemoteRequests(state)
        state.router = state.hub
        app.state.relay = state
        if peers is not None:
            await peers.start()
        if settings.allow_headless and (cluster is None or cluster.primary):
            state.headless = HeadlessService(state, engine=engine)
            if state.federation is not None:
                state.headless.shared = state.federation.sessions
            await state.headless.open()
        # Everything loaded so far lives as long as the process: keep it out of the cyclic
        # collector's full passes, which otherwise stall requests for tens of milliseconds.
        state.start_background()
        state.usage.start()
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await state.shutdown()
            if peers is not None:
                await peers.close()
            if own_store:
                the_store.close()

    # /docs from the package's own copy of Swagger UI: a relay may have no internet (SPEC 15).
    # (No /redoc: ReDoc's page fetches its logo from a CDN.)
    app = FastAPIOffline(
        redoc_url=None,
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
        expose_headers=[
            "X-Unknown-Parameters",
            "X-Image-Width",
            "X-Image-Height",
            "Content-Disposition",
            "Retry-After",
        ],
    )
    _install_error_handlers(app)

    app.include_router(relay_router)
    add_forwarded_routes(app.router)
    app.include_router(session_router)
    app.include_router(admin_router)
    app.include_router(dashboard_router)
    app.mount("/static/dashboard", dashboard_static, name="dashboard-static")
    app.include_router(pairing_router)
    app.include_router(event_router())
    app.include_router(world_router)
    install_openapi(app)
    app.router.routes.insert(0, ExactPaths(app.router.routes))
    app.add_api_websocket_route("/relay", relay_endpoint)
    app.add_api_websocket_route("/relay/", relay_endpoint)
    app.add_api_websocket_route("/ws/api", client_api_endpoint)
    return app
