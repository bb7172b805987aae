"""What a worker other than the primary serves itself, and what it passes on (``serve --workers
N``). Forwarded routes and module sockets are served by every worker; sessions, handshakes,
pairing, key-scoped listings and pages live in the primary, reached over its private Unix
socket with the caller's address carried along."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from ..core.forwarding import Route
from ..core.routes import ROUTES
from ..errors import RelayError
from .deps import error_response

log = logging.getLogger(__name__)

PEER_HEADER = b"x-foundry-relay-peer"  # the caller's address, set by a worker for the primary
HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"transfer-encoding",
    b"upgrade",
    b"host",
    b"content-length",
    PEER_HEADER,
}


def primary_http_path(run_dir: Path) -> Path:
    return run_dir / "primary-http.sock"


def _pattern(route: Route) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", route.path)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


class WorkerFront:
    """The ASGI app of a worker that is not the primary: wraps its own (fast path) app."""

    def __init__(self, app: Any, run_dir: Path, routes: tuple[Route, ...] = ROUTES) -> None:
        self.app = app
        self.static = {(r.method, r.path) for r in routes if "{" not in r.path}
        self.templated = [(r.method, _pattern(r)) for r in routes if "{" in r.path]
        transport = httpx.AsyncHTTPTransport(uds=str(primary_http_path(run_dir)))
        self.primary = httpx.AsyncClient(
            transport=transport,
            base_url="http://primary",
            # a start waits for the whole launch, an event stream is endless: no read deadline
            timeout=httpx.Timeout(None, connect=5.0),
        )

    @property
    def state(self) -> Any:
        return self.app.state

    def _served_here(self, method: str, path: str) -> bool:
        if (method, path) in self.static:
            return True
        return any(m == method and p.match(path) for m, p in self.templated)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._served_here(scope["method"], scope["path"]):
            if not (scope["method"] == "OPTIONS" and self._served_here_any(scope["path"])):
                await self._pass_on(scope, receive, send)
                return
        elif scope["type"] == "lifespan":
            try:
                await self.app(scope, receive, send)
            finally:
                await self.primary.aclose()
            return
        await self.app(scope, receive, send)

    def _served_here_any(self, path: str) -> bool:
        return any(self._served_here(m, path) for m in ("GET", "POST", "PUT", "DELETE"))

    async def _pass_on(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        client = scope.get("client")
        if client:
            headers.append((PEER_HEADER, f"{client[0]}:{client[1]}".encode()))
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]

        async def body() -> Any:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                yield message.get("body", b"")
                if not message.get("more_body"):
                    return

        request = self.primary.build_request(
            scope["method"],
            target.decode("latin-1"),
            headers=headers,
            content=body() if scope["method"] not in ("GET", "HEAD") else None,
        )
        try:
            response = await self.primary.send(request, stream=True)
        except httpx.HTTPError:
            log.warning("the primary worker is not reachable", exc_info=True)
            reply = error_response(
                RelayError("the relay's primary worker is not reachable", code="SHUTTING_DOWN")
            )
            await reply(scope, receive, send)
            return
        # The caller may leave mid-stream (an event stream never ends by itself): then the
        # primary's response is closed, which ends its side too.
        gone = asyncio.ensure_future(self._caller_gone(receive, response))
        try:
            out = [
                (k.lower(), v)
                for k, v in response.headers.raw
                if k.lower() not in (b"connection", b"keep-alive", b"transfer-encoding")
            ]
            start = {"type": "http.response.start", "status": response.status_code}
            await send({**start, "headers": out})
            with contextlib.suppress(httpx.HTTPError):
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            gone.cancel()
            await response.aclose()

    @staticmethod
    async def _caller_gone(receive: Receive, response: httpx.Response) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        await response.aclose()


class PeerAddress:
    """The primary's private Unix-socket server: requests passed on by a worker carry the
    caller's address, which becomes the request's client (for per-address limits and logs)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == PEER_HEADER:
                    host, _, port = value.decode("latin-1").rpartition(":")
                    scope["client"] = (host, int(port) if port.isdigit() else 0)
                    break
        await self.app(scope, receive, send)
