"""The relay's REST client, every method typed. Written here as async; ``_sync.py`` is
generated from this file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote

import httpx

from .common import (
    ClientList,
    Handshake,
    ModuleReply,
    RelayStatus,
    Request,
    SessionEnded,
    SessionInfo,
    SessionList,
    SessionLog,
    SseParser,
    StreamEvent,
    handshake_request,
    login_request,
    parse_reply,
    route_request,
    start_request,
    stream_error,
    subscribe_request,
    transport_error,
)
from .routes.async_all import AsyncRoutes


class AsyncRelayClient(AsyncRoutes):
    """Async client: ``async with AsyncRelayClient(url, key) as relay: await relay.roll(...)``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 180.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._http = http or httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._api_key = api_key

    async def __aenter__(self) -> AsyncRelayClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, request: Request) -> Any:
        """Send one request; its parsed JSON reply, or :class:`RelayClientError`."""
        headers = {"x-api-key": self._api_key, **request.headers}
        try:
            response = await self._http.request(
                request.method,
                request.path,
                params=request.params,
                json=request.json,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        return parse_reply(response)

    # -- the relay's own endpoints ------------------------------------------------------------

    async def status(self) -> RelayStatus:
        """``GET /api/status``."""
        return cast(RelayStatus, await self.call(Request("GET", "/api/status")))

    async def handshake(
        self, *, foundry_url: str, username: str, world: str | None = None
    ) -> Handshake:
        """``POST /session-handshake``: token, public key and nonce for one start."""
        return cast(Handshake, await self.call(handshake_request(foundry_url, username, world)))

    async def start_session(
        self,
        *,
        foundry_url: str,
        username: str,
        password: str,
        world: str | None = None,
        admin_password: str | None = None,
        capture_console: str | None = None,
        sha1: bool = False,
        repair: bool = False,
    ) -> SessionInfo:
        """Handshake, encrypt the password for the relay, start a headless session.

        ``repair=True`` re-pairs a world whose module is paired with another relay (its GMs'
        own browsers then have to pair again); without it such a world fails with
        ``WORLD_PAIRED_ELSEWHERE``."""
        hs = await self.handshake(foundry_url=foundry_url, username=username, world=world)
        request = start_request(
            hs,
            password=password,
            admin_password=admin_password,
            capture_console=capture_console,
            sha1=sha1,
            repair=repair,
        )
        body = await self.call(request)
        return SessionInfo(session_id=body["sessionId"], client_id=body["clientId"])

    async def list_sessions(self) -> SessionList:
        """``GET /session``: this key's active and pending sessions."""
        return cast(SessionList, await self.call(Request("GET", "/session")))

    async def end_session(self, session_id: str) -> SessionEnded:
        """``DELETE /end-session``."""
        request = Request("DELETE", "/end-session", params={"sessionId": session_id})
        return cast(SessionEnded, await self.call(request))

    async def session_log(self, session_id: str) -> SessionLog:
        """``GET /session/{id}/log``: stage timeline, failure and console lines."""
        return cast(SessionLog, await self.call(Request("GET", f"/session/{session_id}/log")))

    async def clients(self) -> ClientList:
        """``GET /clients``: this key's worlds, connected and known."""
        return cast(ClientList, await self.call(Request("GET", "/clients")))

    # -- always-on worlds (SPEC 16) -------------------------------------------------------------

    async def worlds(self) -> dict[str, Any]:
        """``GET /worlds``: the key's known worlds with their stored login (no password)."""
        return cast(dict[str, Any], await self.call(Request("GET", "/worlds")))

    async def set_world_login(
        self,
        client_id: str,
        *,
        foundry_url: str,
        username: str,
        password: str,
        world: str | None = None,
        admin_password: str | None = None,
    ) -> dict[str, Any]:
        """Store a world's Foundry login on the relay (sealed for its key on the way, and at
        rest with the operator's)."""
        hs = await self.handshake(foundry_url=foundry_url, username=username, world=world)
        request = login_request(
            hs, client_id, password=password, admin_password=admin_password, world=world
        )
        return cast(dict[str, Any], await self.call(request))

    async def clear_world_login(self, client_id: str) -> dict[str, Any]:
        """``DELETE /worlds/{clientId}/login``."""
        path = f"/worlds/{quote(client_id, safe='')}/login"
        return cast(dict[str, Any], await self.call(Request("DELETE", path)))

    async def set_auto_start(self, client_id: str, enabled: bool) -> dict[str, Any]:
        """``PUT /worlds/{clientId}/auto-start``: start it on demand, bring it back."""
        path = f"/worlds/{quote(client_id, safe='')}/auto-start"
        body = {"enabled": enabled}
        return cast(dict[str, Any], await self.call(Request("PUT", path, json=body)))

    # -- event streams (SPEC 14) ---------------------------------------------------------------

    async def subscribe(
        self, channel: str, *, client_id: str | None = None, **filters: Any
    ) -> AsyncIterator[StreamEvent]:
        """Live events of ``channel`` (``rolls``, ``chat``, ``hooks``, ``encounters``, ``actor``,
        ``scene``) with its filters (``user_id``, ``speaker``, ``whisper_only``, ``hooks``,
        ``encounter_id``, ``actor_uuid``, ``scene_id``…): ``async for event in
        relay.subscribe("rolls", client_id=...)``. The first event is ``connected``; an
        ``error`` event of the relay (the world gone, the subscriber too slow) raises
        :class:`RelayClientError`; the iteration ends when the stream does."""
        request = subscribe_request(channel, client_id, filters)
        try:
            async with self._http.stream(
                "GET",
                request.path,
                params=request.params,
                headers={"x-api-key": self._api_key},
                timeout=httpx.Timeout(None, connect=30.0),
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    parse_reply(response)
                parser = SseParser()
                async for line in response.aiter_lines():
                    event = parser.feed(line)
                    if event is None:
                        continue
                    if event.name == "error":
                        raise stream_error(event)
                    yield event
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc

    # -- forwarded calls (SPEC sections 6 and 13): a typed method per route in AsyncRoutes ----

    async def forward(
        self, route: str, /, *, client_id: str | None = None, **params: Any
    ) -> ModuleReply:
        """Call any forwarded route by its frame type (``"world-info"``) or path (``"/roll"``)
        with its wire parameter names: each goes where the route takes it (query, JSON body or
        path); ``None`` values are left out; an unknown parameter is refused before sending."""
        request = route_request(route, client_id=client_id, params=params)
        return cast(ModuleReply, await self.call(request))
