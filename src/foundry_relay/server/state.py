"""Everything the app holds for its lifetime, created in the lifespan and reached by routes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.forwarding import RequestRouter
from ..settings import Settings
from ..store import ApiKey, Store
from .hub import Hub

if TYPE_CHECKING:
    from .headless import HeadlessService


@dataclass
class RelayState:
    settings: Settings
    store: Store
    hub: Hub
    instance_id: str = field(default_factory=lambda: "relay-" + secrets.token_hex(4))
    headless: HeadlessService | None = None
    router: RequestRouter | None = None  # defaults to the hub (in-process routing)
    bound_url: str | None = None  # http://host:port once the server listens

    def __post_init__(self) -> None:
        if self.router is None:
            self.router = self.hub

    def authenticate(self, api_key: str | None) -> ApiKey:
        """The same API-key check for HTTP and WebSocket callers."""
        from ..errors import AuthError

        if not api_key:
            raise AuthError("x-api-key header is required", code="API_KEY_REQUIRED")
        key = self.store.authenticate_key(api_key)
        if key is None:
            raise AuthError("invalid or revoked API key", code="API_KEY_INVALID")
        return key

    @property
    def relay_ws_url(self) -> str:
        """The WebSocket base URL modules of headless sessions are pointed at (the module
        appends ``/relay``, as with its default ``wss://…`` setting)."""
        base = (self.settings.public_url or self.bound_url or "").rstrip("/")
        if base.startswith("https://"):
            base = "wss://" + base[len("https://") :]
        elif base.startswith("http://"):
            base = "ws://" + base[len("http://") :]
        return base
