"""GENERATED from ``_async.py`` by ``python -m foundry_relay.client.generate``: edit that.

The relay's REST client, every method typed. Written here as async; ``_sync.py`` is
generated from this file."""

from __future__ import annotations

from types import TracebackType
from typing import Any, cast

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
    handshake_request,
    parse_reply,
    route_request,
    start_request,
    transport_error,
)


class RelayClient:
    """Sync client: ``with RelayClient(url, key) as relay: relay.roll(...)``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 180.0,
        http: httpx.Client | None = None,
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._api_key = api_key

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def call(self, request: Request) -> Any:
        """Send one request; its parsed JSON reply, or :class:`RelayClientError`."""
        headers = {"x-api-key": self._api_key, **request.headers}
        try:
            response = self._http.request(
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

    def status(self) -> RelayStatus:
        """``GET /api/status``."""
        return cast(RelayStatus, self.call(Request("GET", "/api/status")))

    def handshake(self, *, foundry_url: str, username: str, world: str | None = None) -> Handshake:
        """``POST /session-handshake``: token, public key and nonce for one start."""
        return cast(Handshake, self.call(handshake_request(foundry_url, username, world)))

    def start_session(
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
        hs = self.handshake(foundry_url=foundry_url, username=username, world=world)
        request = start_request(
            hs,
            password=password,
            admin_password=admin_password,
            capture_console=capture_console,
            sha1=sha1,
            repair=repair,
        )
        body = self.call(request)
        return SessionInfo(session_id=body["sessionId"], client_id=body["clientId"])

    def list_sessions(self) -> SessionList:
        """``GET /session``: this key's active and pending sessions."""
        return cast(SessionList, self.call(Request("GET", "/session")))

    def end_session(self, session_id: str) -> SessionEnded:
        """``DELETE /end-session``."""
        request = Request("DELETE", "/end-session", params={"sessionId": session_id})
        return cast(SessionEnded, self.call(request))

    def session_log(self, session_id: str) -> SessionLog:
        """``GET /session/{id}/log``: stage timeline, failure and console lines."""
        return cast(SessionLog, self.call(Request("GET", f"/session/{session_id}/log")))

    def clients(self) -> ClientList:
        """``GET /clients``: this key's worlds, connected and known."""
        return cast(ClientList, self.call(Request("GET", "/clients")))

    # -- forwarded calls (SPEC sections 6 and 13): the route table is the single source -------

    def forward(self, route: str, /, *, client_id: str | None = None, **params: Any) -> ModuleReply:
        """Call any forwarded route by its frame type (``"world-info"``) or path (``"/roll"``)
        with its wire parameter names: each goes where the route takes it (query, JSON body or
        path); ``None`` values are left out; an unknown parameter is refused before sending."""
        request = route_request(route, client_id=client_id, params=params)
        return cast(ModuleReply, self.call(request))

    # --- generated from the route table (python -m foundry_relay.client.generate) ---
    def get_entity(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        actor: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Get an entity by uuid (or the selected one) (``GET /get``)."""
        return self.forward(
            "entity", client_id=client_id, uuid=uuid, selected=selected, actor=actor
        )

    def search(
        self,
        query: str | None = None,
        *,
        filter: str | None = None,
        limit: int | None = None,
        minified: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Search the world by name (``GET /search``)."""
        return self.forward(
            "search",
            client_id=client_id,
            query=query,
            filter=filter,
            limit=limit,
            minified=minified,
        )

    def roll(
        self,
        formula: str,
        *,
        flavor: str | None = None,
        create_chat_message: bool | None = None,
        speaker: str | None = None,
        whisper: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll dice with a formula (``POST /roll``)."""
        return self.forward(
            "roll",
            client_id=client_id,
            formula=formula,
            flavor=flavor,
            createChatMessage=create_chat_message,
            speaker=speaker,
            whisper=whisper,
        )

    def structure(
        self,
        *,
        include_entity_data: bool | None = None,
        path: str | None = None,
        recursive: bool | None = None,
        recursive_depth: int | None = None,
        types: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Folders and entities of the world (``GET /structure``)."""
        return self.forward(
            "structure",
            client_id=client_id,
            includeEntityData=include_entity_data,
            path=path,
            recursive=recursive,
            recursiveDepth=recursive_depth,
            types=types,
        )

    def create(
        self,
        entity_type: str,
        data: dict[str, Any],
        *,
        folder: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create an entity (``POST /create``)."""
        return self.forward(
            "create", client_id=client_id, entityType=entity_type, data=data, folder=folder
        )

    def update(
        self,
        data: dict[str, Any],
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update an entity (``PUT /update``)."""
        return self.forward("update", client_id=client_id, uuid=uuid, selected=selected, data=data)

    def delete(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete an entity (``DELETE /delete``)."""
        return self.forward("delete", client_id=client_id, uuid=uuid, selected=selected)

    def macros(
        self,
        *,
        client_id: str | None = None,
    ) -> ModuleReply:
        """List macros (``GET /macros``)."""
        return self.forward("macros", client_id=client_id)

    def execute_macro(
        self,
        uuid: str,
        *,
        args: dict[str, Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Execute a macro (``POST /macro/{uuid}/execute``)."""
        return self.forward("macro-execute", client_id=client_id, uuid=uuid, args=args)

    def world_info(
        self,
        *,
        client_id: str | None = None,
    ) -> ModuleReply:
        """World, system and version information (``GET /world-info``)."""
        return self.forward("world-info", client_id=client_id)

    def players(
        self,
        *,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Users of the world (``GET /players``)."""
        return self.forward("players", client_id=client_id)

    # --- end of generated methods ---
