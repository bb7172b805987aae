"""Everything the app holds for its lifetime, created in the lifespan and reached by routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.addresses import parse_networks
from ..core.forwarding import RequestRouter
from ..core.pairing import to_ws_url
from ..core.ratelimit import RateLimiter
from ..errors import RelayError
from ..settings import Settings
from ..store import ApiKey, Store
from .guard import AuthGuard, PendingSockets
from .hub import Connection, Hub
from .metrics import Stats

if TYPE_CHECKING:
    from ..headless import HeadlessService
    from .events import EventHub
    from .federation import Federation
    from .remote import RemoteRequests
    from .usage import KeyUsage

log = logging.getLogger(__name__)

REVOCATION_POLL_SECONDS = 0.25


@dataclass
class RelayState:
    settings: Settings
    store: Store
    hub: Hub
    instance_id: str = field(default_factory=lambda: "relay-" + secrets.token_hex(4))
    headless: HeadlessService | None = None
    router: RequestRouter | None = None  # defaults to the hub (in-process routing)
    bound_url: str | None = None  # http://host:port once the server listens
    throttles: Any = None  # per-address limits of the unauthenticated endpoints
    events: EventHub = None  # type: ignore[assignment]  # set in the lifespan
    remote: RemoteRequests = None  # type: ignore[assignment]  # set in the lifespan
    stats: Stats = field(default_factory=lambda: Stats())
    usage: KeyUsage | None = None  # requests per key and month (quotas)
    guard: AuthGuard = None  # type: ignore[assignment]  # failed authentications per address
    trusted_proxies: list[Any] = field(default_factory=list, init=False)  # TRUSTED_PROXIES
    conn_limits: Any = None  # connections per address, slow requests (set when bound)
    pending_sockets: PendingSockets = field(init=False)  # WebSockets not yet authenticated
    key_rate: RateLimiter = field(
        default_factory=lambda: RateLimiter(0, what="requests for this API key")
    )
    federation: Federation | None = None  # with REDIS_URL: the other instances
    metrics_registry: Any = None  # built on the first scrape
    _watcher: asyncio.Task[None] | None = None
    _shut_down: bool = False

    def __post_init__(self) -> None:
        if self.router is None:
            self.router = self.hub
        if self.guard is None:
            self.guard = AuthGuard(self)
        self.trusted_proxies = parse_networks(self.settings.trusted_proxies)
        self.pending_sockets = PendingSockets(
            self.settings.max_unauthenticated_websockets,
            self.settings.max_unauthenticated_websockets_per_address,
        )

    # -- revocation: sockets of a revoked token or key close at once (SPEC 5.2) ------------------

    async def close_revoked(self) -> int:
        """Close (1008) every module socket whose token or key is no longer active."""
        closed = 0
        for entry in self.hub.registry.all():
            if not isinstance(entry.connection, Connection):
                continue  # another worker's client: that worker checks it
            if entry.token_id is not None:
                active = self.store.is_token_active(entry.token_id)
            else:
                active = self.store.is_key_active(entry.key_id)
            if active:
                continue
            conn = entry.connection
            self.hub.unregister(entry)
            close = getattr(conn, "close", None)
            if close is not None:
                await close("revoked")
            log.info("client %s: its credentials were revoked; socket closed", entry.client_id)
            closed += 1
        return closed

    async def _watch_revocations(self) -> None:
        """Revocations come from this process and from the CLI writing the same store file:
        a change of the file's data version triggers one check of the connected sockets."""
        stamp = self.store.change_stamp()
        while True:
            await asyncio.sleep(REVOCATION_POLL_SECONDS)
            try:
                now = self.store.change_stamp()
                if now != stamp:
                    stamp = now
                    await self.close_revoked()
            except Exception:
                log.warning("revocation check failed", exc_info=True)

    def start_background(self) -> None:
        self._watcher = asyncio.create_task(self._watch_revocations(), name="revocations")

    async def shutdown(self) -> None:
        """Stop in order, once: end headless sessions (closing the browser), then close every
        remaining module socket with 1001 before the server drops its connections."""
        if self._shut_down:
            return
        self._shut_down = True
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.events is not None:
            self.events.close()
        if self.usage is not None:
            await self.usage.close()
        if self.remote is not None:
            await self.remote.close()
        if self.headless is not None:
            await self.headless.close()
        await self.hub.close_all("shutdown")

    # -- audit lines (never a secret) -----------------------------------------------------------

    def log_pairing(self, key_id: str, client_id: str, world_id: str, token_id: str) -> None:
        log.info(
            "paired world %r as client %s (key %s, token id %s)",
            world_id,
            client_id,
            key_id,
            token_id,
        )

    def log_pair_request(self, code: str, key_id: str, status: str) -> None:
        log.info("pair request %s %s by key %s", code, status, key_id)

    def authenticate(self, api_key: str | None, address: str | None = None) -> ApiKey:
        """The same API-key check for HTTP and WebSocket callers; ``address``: the caller's,
        whose failed attempts are counted (429 past ``AUTH_FAILURE_LIMIT``)."""
        from ..errors import AuthError

        if address is not None:
            self.guard.check(address)
        try:
            if not api_key:
                raise AuthError("x-api-key header is required", code="API_KEY_REQUIRED")
            key = self.store.authenticate_key(api_key)
            if key is None:
                raise AuthError("invalid or revoked API key", code="API_KEY_INVALID")
            if not key.enabled:
                raise AuthError("this API key is disabled", code="API_KEY_INVALID")
            if key.expired(time.time()):
                raise AuthError("this API key has expired", code="API_KEY_INVALID")
        except AuthError:
            if address is not None:
                self.guard.failed(address)
            raise
        self.count_request(key)
        return key

    def count_request(self, key: ApiKey) -> None:
        """One request of ``key``: its rate limit (429 past it) and its monthly quota."""
        limit = key.rate_limit if key.rate_limit is not None else self.settings.key_rate_limit
        if limit:
            self.key_rate.hit(key.id, time.monotonic(), limit)
        if self.usage is not None:
            self.usage.hit(key)

    def require_scope(self, key: ApiKey, scope: str | None) -> None:
        """403 ``SCOPE_DENIED`` naming the scope a call needs and the key lacks (SPEC 15)."""
        if scope is not None and scope not in key.scopes:
            raise RelayError(
                f"this API key lacks the '{scope}' scope", code="SCOPE_DENIED", scope=scope
            )

    @property
    def relay_ws_url(self) -> str:
        """This relay's public WebSocket base URL, as modules store it in ``wsRelayUrl`` (the
        module appends ``/relay``): ``PUBLIC_URL``, else the address it listens on."""
        return to_ws_url(self.settings.public_url or self.bound_url or "")

    def own_relay_urls(self) -> list[str]:
        """Every URL this relay answers to: ``PUBLIC_URL`` and the addresses it listens on
        (127.0.0.1 and localhost are the same listener)."""
        urls = [u for u in (self.settings.public_url, self.bound_url) if u]
        for url in list(urls):
            for a, b in (("://127.0.0.1:", "://localhost:"), ("://localhost:", "://127.0.0.1:")):
                if a in url:
                    urls.append(url.replace(a, b))
        return [to_ws_url(u) for u in urls]
