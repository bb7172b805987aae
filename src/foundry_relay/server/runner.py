"""Run an ASGI app under uvicorn in the current event loop and report its bound URL.

Used by ``foundry-relay serve``, ``demo``, ``simulate``, the tests and the benchmarks. Port 0 binds
a free port; the real one is read back from the listening socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn

from ..browser.engine import BrowserEngine
from ..core.addresses import parse_networks
from ..logsetup import install_redaction
from ..settings import Settings
from .app import create_app
from .cluster import ClusterSpec
from .connlimits import ConnectionLimits, protocols
from .fastpath import ForwardFastPath
from .front import PeerAddress, WorkerFront, primary_http_path

log = logging.getLogger(__name__)


@dataclass
class Running:
    server: uvicorn.Server
    task: asyncio.Task[None]
    host: str
    port: int
    app: Any

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def _bound_port(server: uvicorn.Server) -> int:
    for srv in server.servers:
        for sock in srv.sockets:
            name = sock.getsockname()
            return int(name[1]) if isinstance(name, tuple) else 0  # 0: a Unix socket
    raise RuntimeError("the server has no listening socket")


@contextlib.asynccontextmanager
async def serve_app(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ws_max_size: int = 16 * 1024 * 1024,
    ws_ping_interval: float | None = 20.0,
    install_signal_handlers: bool = False,
    on_bound: Any = None,
    before_stop: Any = None,
    access_log: bool = False,
    ws_compression: bool = True,
    sockets: list[socket.socket] | None = None,
    uds: str | None = None,
    lifespan: Literal["on", "off"] = "on",
    limits: ConnectionLimits | None = None,
) -> AsyncIterator[Running]:
    """Serve ``app`` until the block exits; ``on_bound(url)`` runs before the lifespan starts,
    ``await before_stop()`` before the server drops its connections. ``sockets``: listening
    sockets to serve (shared by several workers) instead of binding ``host:port``; ``uds``: a
    Unix socket path instead; ``limits``: connections per address and the time to send a
    request."""
    install_redaction()
    extra: dict[str, Any] = {}
    if limits is not None:
        http_class, ws_class = protocols(limits)
        extra["http"] = http_class
        if ws_class is not None:
            extra["ws"] = ws_class
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        uds=uds,
        log_config=None,
        access_log=access_log,
        lifespan=lifespan,
        ws_max_size=ws_max_size,
        ws_per_message_deflate=ws_compression,
        ws_ping_interval=ws_ping_interval,
        ws_ping_timeout=ws_ping_interval,
        timeout_graceful_shutdown=5,
        # The relay reads X-Forwarded-For itself, from TRUSTED_PROXIES only (uvicorn would
        # otherwise believe any local peer's header).
        proxy_headers=False,
        **extra,
    )
    server = uvicorn.Server(config)
    if not install_signal_handlers:
        # The caller owns SIGINT/SIGTERM (the CLI stops the relay in order); uvicorn must not
        # capture them and re-raise them after its own shutdown.
        server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve(sockets=sockets), name=f"uvicorn-{host}:{port}")
    while not server.started:
        if task.done():
            try:
                task.result()
            except BaseException as exc:  # uvicorn exits with SystemExit on start-up failure
                raise RuntimeError(f"the server failed to start: {exc!r}") from exc
            raise RuntimeError("the server stopped during start-up")
        await asyncio.sleep(0.01)
    running = Running(server=server, task=task, host=host, port=_bound_port(server), app=app)
    if on_bound is not None:
        on_bound(running.url)
    try:
        yield running
    finally:
        if before_stop is not None:
            try:
                await asyncio.wait_for(before_stop(), 60)
            except Exception:
                log.warning("orderly shutdown failed", exc_info=True)
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 30)


@contextlib.asynccontextmanager
async def run_relay(
    settings: Settings,
    *,
    engine: BrowserEngine | None = None,
    cluster: ClusterSpec | None = None,
    sockets: list[socket.socket] | None = None,
) -> AsyncIterator[Running]:
    """Start the relay described by ``settings`` (port 0 allowed); ``engine``: a browser engine
    to borrow instead of launching one of its own; ``cluster``: as one worker of several
    (serving ``sockets`` when given; the primary also listens on its private Unix socket)."""
    app = create_app(settings, engine=engine, cluster=cluster)
    limits = ConnectionLimits(
        per_address=settings.max_connections_per_address,
        read_timeout=settings.request_read_timeout,
        trusted=parse_networks(settings.trusted_proxies),
    )
    fast = ForwardFastPath(app)  # forwarded calls skip the framework's stack (same code path)
    top: Any = fast
    if cluster is not None and not cluster.primary:
        top = WorkerFront(fast, cluster.run_dir)

    def bound(url: str) -> None:
        app.state.relay.bound_url = url.replace("://0.0.0.0:", "://127.0.0.1:")
        app.state.relay.conn_limits = limits

    ping = settings.websocket_ping_interval_ms / 1000 or None
    async with contextlib.AsyncExitStack() as stack:
        running = await stack.enter_async_context(
            serve_app(
                top,
                sockets=sockets,
                host=settings.host,
                port=settings.port,
                ws_max_size=settings.ws_max_bytes,
                ws_ping_interval=ping,
                on_bound=bound,
                # Module sockets close with 1001 "Relay shutting down" (and sessions end) before
                # uvicorn closes every connection with its own code.
                before_stop=lambda: app.state.relay.shutdown(),
                access_log=settings.access_log,
                ws_compression=settings.ws_compression,
                limits=limits,
            )
        )
        if cluster is not None and cluster.primary:  # what the other workers pass on
            await stack.enter_async_context(
                serve_app(
                    PeerAddress(fast),
                    uds=str(primary_http_path(cluster.run_dir)),
                    lifespan="off",
                    ws_max_size=settings.ws_max_bytes,
                    ws_ping_interval=ping,
                    access_log=settings.access_log,
                )
            )
        yield running
