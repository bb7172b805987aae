"""Unauthenticated access per client address (issue 17).

Failed authentication: a wrong API key or connection token is counted against the address it
came from; past ``AUTH_FAILURE_LIMIT`` a minute, every request from that address gets 429 with
``Retry-After`` until the window frees — without looking the key up. With Redis, failures are
also counted there, so every instance blocks an address that fails on any of them.

WebSockets not yet authenticated (``/relay`` before its auth frame, ``/ws/api`` before its key
is checked): at most ``MAX_UNAUTHENTICATED_WEBSOCKETS`` on the instance and
``MAX_UNAUTHENTICATED_WEBSOCKETS_PER_ADDRESS`` from one address; more are refused 429 before the
upgrade. Each socket is in that state for ``WS_AUTH_TIMEOUT`` at most.

One log line per address and window, never one per request."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from ..core.ratelimit import LogOnce, RateLimiter
from ..errors import RelayError
from .connlimits import THIS_MACHINE

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)
MAX_BLOCKED = 100_000  # addresses remembered at once (oldest dropped first)


class AuthGuard:
    def __init__(self, state: RelayState) -> None:
        self.state = state
        self.failures = RateLimiter(
            state.settings.auth_failure_limit, what="failed authentications from this address"
        )
        self._blocked: dict[str, float] = {}  # address -> monotonic time its block ends
        self._logged = LogOnce()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def hits(self) -> int:
        """Requests refused because their address was blocked (for the metrics)."""
        return self.failures.hits

    def check(self, address: str) -> None:
        """429 at once for an address that failed too often (no key lookup, no hashing)."""
        until = self._blocked.get(address)
        if until is None:
            return
        now = time.monotonic()
        if now >= until:
            del self._blocked[address]
            return
        self.failures.hits += 1
        raise self._refusal(until - now)

    def failed(self, address: str) -> None:
        """Count one failure; the one past the limit blocks the address (429)."""
        if self.failures.limit <= 0:
            return
        now = time.monotonic()
        try:
            self.failures.hit(address, now)
        except RelayError as exc:
            self._block(address, now + float(exc.extra.get("retryAfter", 60)))
            raise
        federation = self.state.federation
        if federation is not None:  # every instance counts every instance's failures
            task = asyncio.ensure_future(self._shared(address))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _shared(self, address: str) -> None:
        federation = self.state.federation
        if federation is None:
            return
        try:
            await federation.sessions.hit_rate(self.failures, "auth-failure", address)
        except RelayError as exc:
            if exc.code == "RATE_LIMITED":
                retry = float(exc.extra.get("retryAfter", 60))
                self._block(address, time.monotonic() + retry)

    def _block(self, address: str, until: float) -> None:
        if self._logged.due(address, time.monotonic()):
            log.warning(
                "address %s blocked for %.0f s: too many failed authentications",
                address,
                until - time.monotonic(),
            )
        if len(self._blocked) >= MAX_BLOCKED:
            self._blocked.pop(next(iter(self._blocked)))
        self._blocked[address] = until

    @staticmethod
    def _refusal(seconds: float) -> RelayError:
        return RelayError(
            "too many failed authentications from this address; try again later",
            code="RATE_LIMITED",
            retryAfter=max(1, int(seconds + 0.999)),
        )


class PendingSockets:
    """WebSockets accepted but not yet authenticated, counted per address and in all."""

    def __init__(self, total: int, per_address: int) -> None:
        self.total = total  # 0 = no cap
        self.per_address = per_address  # 0 = no cap
        self.open: dict[str, int] = {}
        self.count = 0
        self.refused = 0  # for the metrics
        self._logged = LogOnce()

    def enter(self, address: str) -> None:
        """Count one more pending socket from ``address``; 429 past either cap (the
        per-address one spares the relay's own sessions, which connect from this machine)."""
        held = self.open.get(address, 0)
        if self.total and self.count >= self.total:
            self._refuse(address, f"{self.total} unauthenticated WebSockets are open")
        if self.per_address and held >= self.per_address and address not in THIS_MACHINE:
            self._refuse(address, f"it holds {self.per_address} unauthenticated WebSockets")
        self.open[address] = held + 1
        self.count += 1

    def leave(self, address: str) -> None:
        """The socket authenticated, failed or closed: no longer pending."""
        held = self.open.get(address, 0) - 1
        if held > 0:
            self.open[address] = held
        else:
            self.open.pop(address, None)
        self.count -= 1

    def _refuse(self, address: str, why: str) -> None:
        self.refused += 1
        if self._logged.due(address, time.monotonic()):
            log.warning("address %s: WebSocket refused (%s)", address, why)
        raise RelayError(
            "too many WebSockets waiting to authenticate; try again later",
            code="RATE_LIMITED",
            retryAfter=1,
        )
