"""The asyncio side of module connections: live sockets, request forwarding, auth waiters.

The pure registry and correlator live in ``core``; this module owns the sockets and futures and
carries out what the core decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from starlette.websockets import WebSocket, WebSocketState

from ..core.clients import ClientEntry, ClientRegistry, InProcessClientRegistry
from ..core.forwarding import Correlator, Pending, Route, build_frame, new_request_id
from ..errors import WS_CLOSE, BadRequest, ForwardingError, NotFound, RelayError

if TYPE_CHECKING:
    from .cluster import Cluster
    from .federation import Federation

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Connection:
    """One authenticated module socket."""

    ws: WebSocket
    client_id: str
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False  # no more sends: unregistered or closing
    close_sent: bool = False
    frames: Any = None  # a Counter of frames by direction (the metrics), when given

    async def send(self, frame: dict[str, Any] | str) -> None:
        data = frame if isinstance(frame, str) else orjson.dumps(frame).decode("utf-8")
        async with self.send_lock:
            if self.closed:
                raise ForwardingError("the client's socket is closed", code="CLIENT_GONE")
            try:
                await self.ws.send_text(data)
                if self.frames is not None:
                    self.frames["out"] += 1
            except Exception as exc:  # the socket went away under us
                raise ForwardingError("the client disconnected", code="CLIENT_GONE") from exc

    async def close(self, reason_key: str) -> None:
        code, reason = WS_CLOSE[reason_key]
        if self.close_sent:
            return
        self.closed = self.close_sent = True
        if self.ws.application_state == WebSocketState.CONNECTED:
            try:
                await self.ws.close(code=code, reason=reason)
            except Exception:  # already gone: closing is idempotent
                log.debug("close of %s failed", self.client_id, exc_info=True)


class _FutureWaiter:
    def __init__(self, future: asyncio.Future[dict[str, Any]]) -> None:
        self.future = future

    def resolve(self, reply: dict[str, Any]) -> None:
        if not self.future.done():
            self.future.set_result(reply)

    def fail(self, error: RelayError) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class SessionHooks(Protocol):
    """What the headless session manager wants to hear from the hub."""

    def client_authenticated(self, entry: ClientEntry) -> None: ...

    def client_gone(self, entry: ClientEntry) -> None: ...

    def client_touched(self, entry: ClientEntry) -> None: ...

    def gone_session_client(self, key_id: str, client_id: str) -> bool: ...


class Hub:
    """Connected module clients of this process and the requests waiting on them."""

    def __init__(
        self,
        *,
        instance_id: str,
        registry: ClientRegistry | None = None,
        is_token_active: Callable[[str], bool] | None = None,
    ) -> None:
        self.instance_id = instance_id
        self.registry: ClientRegistry = registry or InProcessClientRegistry()
        self.correlator = Correlator()
        self.hooks: SessionHooks | None = None
        # the other workers (serve --workers N) or instances (REDIS_URL)
        self.cluster: Cluster | Federation | None = None
        self._is_token_active = is_token_active
        self._auth_waiters: dict[str, asyncio.Future[ClientEntry]] = {}

    # -- registration -----------------------------------------------------------------------

    async def register(self, entry: ClientEntry) -> bool:
        """Register an authenticated client; False (socket closed with 4004) if another key
        holds its clientId. A same-key reconnect closes the old socket."""
        outcome, old = self.registry.register(entry)
        if outcome == "taken":
            log.warning("client %s refused: clientId held by another API key", entry.client_id)
            return False
        if self.cluster is not None:
            try:
                claimed = await self.cluster.claim(entry)
            except RelayError:  # the directory is unreachable: the module tries again later
                self.registry.unregister(entry.client_id, entry.connection)
                raise
            if not claimed:
                self.registry.unregister(entry.client_id, entry.connection)
                return False
        if outcome == "replaced" and old is not None:
            log.info("client %s reconnected; replacing its old socket", entry.client_id)
            old_conn = old.connection
            self.correlator.fail_connection(
                old_conn, ForwardingError("the client reconnected", code="CLIENT_GONE")
            )
            await old_conn.close("replaced")  # type: ignore[attr-defined]
        log.info("client %s connected (key %s)", entry.client_id, entry.key_id)
        return True

    def announce(self, entry: ClientEntry) -> None:
        """After auth-success went out: wake whoever waits for this token."""
        if entry.token_id is not None:
            waiter = self._auth_waiters.get(entry.token_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(entry)
        if self.hooks is not None:
            self.hooks.client_authenticated(entry)
        if self.cluster is not None and isinstance(entry.connection, Connection):
            self.cluster.ready(entry)

    def unregister(self, entry: ClientEntry) -> None:
        """Forget a client: its socket here, or (in a cluster) one another worker held."""
        conn = entry.connection
        removed = self.registry.unregister(entry.client_id, conn)
        failed = 0
        if isinstance(conn, Connection):
            conn.closed = True
            failed = self.correlator.fail_connection(
                conn, ForwardingError("the client disconnected", code="CLIENT_GONE")
            )
        if removed is not None:
            log.info("client %s disconnected (%d request(s) failed)", entry.client_id, failed)
            if self.hooks is not None:
                self.hooks.client_gone(removed)
            if self.cluster is not None and isinstance(conn, Connection):
                self.cluster.gone(removed)

    def wait_for_token(self, token_id: str) -> asyncio.Future[ClientEntry]:
        """A future resolved when a socket authenticates with connection token ``token_id``."""
        future: asyncio.Future[ClientEntry] = asyncio.get_running_loop().create_future()
        self._auth_waiters[token_id] = future
        return future

    @property
    def waiting_tokens(self) -> int:
        """Launches waiting for their module to authenticate."""
        return len(self._auth_waiters)

    def forget_token(self, token_id: str) -> None:
        future = self._auth_waiters.pop(token_id, None)
        if future is not None and not future.done():
            future.cancel()

    # -- forwarding -------------------------------------------------------------------------

    def pick_client(self, key_id: str, client_id: str | None) -> ClientEntry:
        if client_id:
            entry = self.registry.get(client_id)
            if entry is None or entry.key_id != key_id:
                if self._in_grace(key_id, client_id):
                    raise ForwardingError(
                        "the session's client is disconnected; waiting for it to reconnect",
                        code="CLIENT_GONE",
                    )
                raise NotFound(f"no connected client '{client_id}'", code="CLIENT_NOT_FOUND")
            return entry
        clients = self.registry.for_key(key_id)
        if not clients:
            raise NotFound("no connected client for this API key", code="CLIENT_NOT_FOUND")
        if len(clients) > 1:
            raise BadRequest(
                "several clients are connected; pass clientId to pick one",
                clients=[c.client_id for c in clients],
            )
        return clients[0]

    def _in_grace(self, key_id: str, client_id: str) -> bool:
        if self.hooks is not None and self.hooks.gone_session_client(key_id, client_id):
            return True
        return self.cluster is not None and self.cluster.in_grace(key_id, client_id)

    def resolve_client(self, key_id: str, client_id: str | None) -> str:
        """The clientId a request of ``key_id`` goes to (404/503/400 as :meth:`pick_client`)."""
        return self.pick_client(key_id, client_id).client_id

    async def forward(
        self,
        *,
        key_id: str,
        client_id: str | None,
        route: Route,
        params: dict[str, Any],
        timeout: float,
        local_only: bool = False,
    ) -> dict[str, Any]:
        """Send one request frame to the chosen client and wait for its reply (in a cluster,
        through the worker holding it; ``local_only``: a socket of this worker or none)."""
        entry = self.pick_client(key_id, client_id)
        conn = entry.connection
        if not isinstance(conn, Connection):
            if local_only:
                raise ForwardingError("the client disconnected", code="CLIENT_GONE")
            return await conn.forward(key_id, entry.client_id, route, params, timeout)  # type: ignore[attr-defined,no-any-return]
        if entry.token_id is not None and self._is_token_active is not None:
            if not self._is_token_active(entry.token_id):
                self.unregister(entry)
                await conn.close("revoked")
                raise NotFound(f"no connected client '{entry.client_id}'", code="CLIENT_NOT_FOUND")
        request_id = new_request_id()
        try:
            data = orjson.dumps(build_frame(route, params, request_id)).decode("utf-8")
        except TypeError as exc:  # e.g. an integer beyond 64 bits inside a JSON body
            raise BadRequest(f"the request cannot be forwarded: {exc}") from exc
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.correlator.add(
            Pending(request_id, entry.client_id, conn, route.ws_type, _FutureWaiter(future))
        )
        self._touch(entry)
        try:
            async with asyncio.timeout(timeout):  # the send too: a client that never reads
                await conn.send(data)
                return await future
        except TimeoutError as exc:
            raise RelayError(
                f"the client did not answer within {timeout:g} s", code="REQUEST_TIMEOUT"
            ) from exc
        finally:
            self.correlator.discard(request_id)
            self._touch(entry)

    def _touch(self, entry: ClientEntry) -> None:
        if self.hooks is not None:
            self.hooks.client_touched(entry)
        if self.cluster is not None:
            self.cluster.touched(entry)

    async def close_all(self, reason_key: str) -> None:
        self.correlator.fail_all(ForwardingError("the relay is shutting down", code="CLIENT_GONE"))
        for entry in self.registry.all():
            conn = entry.connection
            if isinstance(conn, Connection):  # another worker's clients are its own
                await conn.close(reason_key)


RouteHandler = Callable[..., Awaitable[Any]]
