"""Limits below HTTP (issue 17): how many connections one address may hold open, and how long a
client may take to send a request's headers and body (slow clients hold connections for free
otherwise). uvicorn's own HTTP and WebSocket protocols, with those checks added; a connection
from one of the operator's proxies (``TRUSTED_PROXIES``) is not capped, as it carries many
clients, nor is 127.0.0.1 (the relay's own headless sessions connect from there). A refusal
is a closed connection, logged once per address and minute."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

from ..core.ratelimit import LogOnce

log = logging.getLogger(__name__)
# The addresses the relay's own browser connects from (its sessions' modules). Only these two:
# the rest of 127.0.0.0/8 is capped like any address (a local process could use it).
THIS_MACHINE = frozenset({"127.0.0.1", "::1"})


@dataclass
class ConnectionLimits:
    per_address: int  # open connections per address; 0 = no cap
    read_timeout: float  # seconds for a request's headers and body; 0 = none
    trusted: list[Any] = field(default_factory=list)  # proxies' networks: not capped
    open: Counter[str] = field(default_factory=Counter)
    refused: int = 0  # connections closed at once (for the metrics)
    too_slow: int = 0  # connections closed for a slow request
    _held: dict[int, str] = field(default_factory=dict)  # id(transport) -> counted address
    _logged: LogOnce = field(default_factory=LogOnce)

    def admit(self, transport: Any, address: str) -> bool:
        """Count a new connection; False (and it must be closed) past the cap."""
        if self.per_address <= 0 or self._trusted(address):
            return True
        if self.open[address] >= self.per_address:
            self.refused += 1
            self._say(address, "refused", f"holds {self.per_address} connections; more are refused")
            return False
        self.open[address] += 1
        self._held[id(transport)] = address
        return True

    def release(self, transport: Any) -> None:
        """The connection closed (HTTP or, after an upgrade, WebSocket): counted once."""
        address = self._held.pop(id(transport), None)
        if address is not None:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]

    def slow(self, address: str) -> None:
        self.too_slow += 1
        self._say(address, "slow", f"took more than {self.read_timeout:g} s to send a request")

    def _trusted(self, address: str) -> bool:
        """Not capped: the operator's proxies, and this machine's own address (the relay's
        headless browser connects its sessions' modules from there, one socket per session)."""
        if address in THIS_MACHINE:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def _say(self, address: str, kind: str, what: str) -> None:
        """One line per address, kind and minute, never one per connection."""
        if self._logged.due(f"{kind} {address}", time.monotonic()):
            log.warning("address %s %s", address, what)


def protocols(limits: ConnectionLimits) -> tuple[type[Any], type[Any] | None]:
    """uvicorn's HTTP and WebSocket protocol classes bound to ``limits``. A request's start time
    is noted on the connection (two attribute writes per request); one sweep a second closes
    the connections whose request is older than the timeout — no timer per request."""
    reading: set[Any] = set()  # HTTP connections of this server, to sweep
    sweeper: list[Any] = []

    def sweep(loop: Any) -> None:
        now = loop.time()
        for conn in [c for c in reading if c._began is not None]:
            if now - conn._began > limits.read_timeout:
                conn._began = None
                limits.slow(conn._address)
                conn.transport.close()
        if reading:
            sweeper[0] = loop.call_later(1.0, sweep, loop)
        else:
            sweeper.clear()

    class LimitedHttp(HttpToolsProtocol):
        _began: float | None = None  # loop time the pending request began; None: none pending

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._address = self.client[0] if self.client else "unknown"
            if not limits.admit(transport, self._address):
                transport.close()
                return
            if limits.read_timeout > 0:
                self._began = self.loop.time()  # its first request is awaited from now
                reading.add(self)
                if not sweeper:
                    sweeper.append(self.loop.call_later(1.0, sweep, self.loop))

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._began is None and limits.read_timeout > 0:
                self._began = self.loop.time()

        def on_message_complete(self) -> None:
            self._began = None
            super().on_message_complete()

        def handle_websocket_upgrade(self) -> None:
            self._began = None  # the socket's own timeouts apply from here
            reading.discard(self)
            super().handle_websocket_upgrade()

        def connection_lost(self, exc: Exception | None) -> None:
            reading.discard(self)
            limits.release(self.transport)
            super().connection_lost(exc)

    if AutoWebSocketsProtocol is None:
        return LimitedHttp, None
    base: Any = AutoWebSocketsProtocol  # a class chosen at import by what is installed

    class LimitedWebSocket(base):  # type: ignore[misc]
        def connection_lost(self, exc: Exception | None) -> None:
            limits.release(self.transport)
            super().connection_lost(exc)

    return LimitedHttp, LimitedWebSocket
