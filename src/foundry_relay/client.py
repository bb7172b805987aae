"""Client library for a foundry-relay (or a wire-compatible relay).

``AsyncRelayClient`` and ``RelayClient`` (sync) speak the REST API over httpx. ``start_session``
does the whole headless start: handshake, RSA-OAEP encryption of the password with the relay's
public key, and ``/start-session``. Errors are :class:`RelayClientError` carrying the SPEC's
``code`` and the HTTP status.

Example::

    with RelayClient("http://127.0.0.1:3010", api_key) as relay:
        session = relay.start_session(foundry_url="http://foundry:30000",
                                      username="Gamemaster", password=secret, world="my-world")
        print(relay.roll("2d20kh1+5", client_id=session.client_id))
        relay.end_session(session.session_id)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from .core.forwarding import ROUTES
from .core.handshake import seal_envelope

__all__ = ["AsyncRelayClient", "RelayClient", "RelayClientError", "Request", "SessionInfo"]


# Routes by frame type and by path: ``relay.forward("world-info")`` or ``forward("/world-info")``.
ROUTES_BY_NAME = {r.ws_type: r for r in ROUTES} | {r.path: r for r in ROUTES}


class RelayClientError(Exception):
    """An error reply of the relay (or a transport failure, code ``TRANSPORT``)."""

    def __init__(
        self, message: str, *, code: str, status: int, body: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.message = message
        self.code = code
        self.status = status
        self.body = body or {}

    @property
    def session_id(self) -> str | None:
        """The session a failed start created (its log and screenshot stay readable)."""
        value = self.body.get("sessionId")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    client_id: str


@dataclass(frozen=True)
class Request:
    """One REST call, built once and run by either client."""

    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if v is None:
            continue
        out[k] = ("true" if v else "false") if isinstance(v, bool) else v
    return out


def _parse(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        if isinstance(body, dict):
            message = str(body.get("error") or response.reason_phrase)
            code = str(body.get("code") or "HTTP_" + str(response.status_code))
        else:
            message, code = response.text[:200] or response.reason_phrase, "HTTP_ERROR"
        raise RelayClientError(
            message,
            code=code,
            status=response.status_code,
            body=body if isinstance(body, dict) else None,
        )
    return body


class _Calls:
    """The REST surface as :class:`Request` builders shared by both clients."""

    @staticmethod
    def handshake(foundry_url: str, username: str, world: str | None) -> Request:
        headers = {"x-foundry-url": foundry_url, "x-username": username}
        if world:
            headers["x-world-name"] = world
        return Request("POST", "/session-handshake", headers=headers)

    @staticmethod
    def start(
        handshake: dict[str, Any],
        *,
        password: str,
        admin_password: str | None,
        world: str | None,
        capture_console: str | None,
        sha1: bool,
        repair: bool = False,
    ) -> Request:
        encrypted = seal_envelope(
            handshake["publicKey"],
            password=password,
            nonce=handshake["nonce"],
            admin_password=admin_password,
            sha1=sha1,
        )
        body: dict[str, Any] = {
            "handshakeToken": handshake["token"],
            "encryptedPassword": encrypted,
        }
        if world:
            body["worldName"] = world
        if capture_console:
            body["captureBrowserConsole"] = capture_console
        if repair:
            body["repair"] = True
        return Request("POST", "/start-session", json=body)

    @staticmethod
    def route(name: str, *, client_id: str | None, params: dict[str, Any]) -> Request:
        """The request for one forwarded route of the relay's table."""
        route = ROUTES_BY_NAME.get(name) or ROUTES_BY_NAME.get("/" + name.lstrip("/"))
        if route is None:
            raise ValueError(f"no forwarded route {name!r}")
        declared = {p.name: p for p in route.params}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            raise TypeError(f"{route.path} takes no parameter(s) {', '.join(unknown)}")
        path = route.path
        query: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for name_, value in params.items():
            if value is None:
                continue
            source = declared[name_].source
            if source == "p":
                path = path.replace("{" + name_ + "}", quote(str(value), safe=""))
            elif source == "q":
                query[name_] = value
            else:
                body[name_] = value
        if "{" in path:
            raise TypeError(f"{route.path} needs its path parameter(s)")
        has_body = route.has_body or route.method in ("POST", "PUT")
        return _Calls.forward(
            route.method, path, client_id=client_id, query=query, body=body if has_body else None
        )

    @staticmethod
    def forward(
        method: str,
        path: str,
        *,
        client_id: str | None,
        query: dict[str, Any],
        body: dict[str, Any] | None = None,
    ) -> Request:
        params = _clean({**query, "clientId": client_id})
        return Request(
            method,
            path,
            params=params,
            json={k: v for k, v in body.items() if v is not None} if body is not None else None,
        )


class _Endpoints(ABC):
    """The REST surface shared by both clients. Each method builds one :class:`Request` and hands
    it to ``call``: the async client's ``call`` is a coroutine, so there every method is awaited;
    the sync client's returns the parsed reply."""

    @abstractmethod
    def call(self, request: Request) -> Any:
        """Send ``request``; the parsed JSON reply, or :class:`RelayClientError`."""

    def handshake(self, *, foundry_url: str, username: str, world: str | None = None) -> Any:
        """``POST /session-handshake``: token, public key and nonce for one start."""
        return self.call(_Calls.handshake(foundry_url, username, world))

    def list_sessions(self) -> Any:
        """``GET /session``: this key's active and pending sessions."""
        return self.call(Request("GET", "/session"))

    def end_session(self, session_id: str) -> Any:
        """``DELETE /end-session``."""
        return self.call(Request("DELETE", "/end-session", params={"sessionId": session_id}))

    def session_log(self, session_id: str) -> Any:
        """``GET /session/{id}/log``: stage timeline, failure and console lines."""
        return self.call(Request("GET", f"/session/{session_id}/log"))

    def clients(self) -> Any:
        """``GET /clients``: this key's connected module clients."""
        return self.call(Request("GET", "/clients"))

    # -- forwarded calls (SPEC sections 6 and 13): the route table is the single source -------

    def forward(self, route: str, /, *, client_id: str | None = None, **params: Any) -> Any:
        """Call any forwarded route by its frame type (``"world-info"``) or path (``"/roll"``):
        each parameter goes where the route takes it (query, JSON body or path), as the relay's
        table says; ``None`` values are left out; an unknown parameter is refused here, before
        anything is sent."""
        return self.call(_Calls.route(route, client_id=client_id, params=params))

    def get_entity(self, uuid: str, *, client_id: str | None = None) -> Any:
        return self.forward("entity", uuid=uuid, client_id=client_id)

    def search(
        self,
        query: str,
        *,
        filter: str | None = None,
        limit: int | None = None,
        client_id: str | None = None,
    ) -> Any:
        return self.forward("search", query=query, filter=filter, limit=limit, client_id=client_id)

    def roll(self, formula: str, *, flavor: str | None = None, client_id: str | None = None) -> Any:
        return self.forward("roll", formula=formula, flavor=flavor, client_id=client_id)

    def structure(self, *, client_id: str | None = None) -> Any:
        return self.forward("structure", client_id=client_id)

    def create(
        self, entity_type: str, data: dict[str, Any], *, client_id: str | None = None
    ) -> Any:
        return self.forward("create", entityType=entity_type, data=data, client_id=client_id)

    def update(self, uuid: str, data: dict[str, Any], *, client_id: str | None = None) -> Any:
        return self.forward("update", uuid=uuid, data=data, client_id=client_id)

    def delete(self, uuid: str, *, client_id: str | None = None) -> Any:
        return self.forward("delete", uuid=uuid, client_id=client_id)

    def macros(self, *, client_id: str | None = None) -> Any:
        return self.forward("macros", client_id=client_id)

    def execute_macro(
        self, uuid: str, args: dict[str, Any] | None = None, *, client_id: str | None = None
    ) -> Any:
        return self.forward("macro-execute", uuid=uuid, args=args or {}, client_id=client_id)

    def world_info(self, *, client_id: str | None = None) -> Any:
        return self.forward("world-info", client_id=client_id)

    def players(self, *, client_id: str | None = None) -> Any:
        return self.forward("players", client_id=client_id)


class AsyncRelayClient(_Endpoints):
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

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, request: Request) -> Any:
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
            raise RelayClientError(str(exc), code="TRANSPORT", status=0) from exc
        return _parse(response)

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
        body = await self.call(
            _Calls.start(
                hs,
                password=password,
                admin_password=admin_password,
                world=None,
                capture_console=capture_console,
                sha1=sha1,
                repair=repair,
            )
        )
        return SessionInfo(session_id=body["sessionId"], client_id=body["clientId"])


class RelayClient(_Endpoints):
    """Synchronous client with the same methods as :class:`AsyncRelayClient`."""

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
            raise RelayClientError(str(exc), code="TRANSPORT", status=0) from exc
        return _parse(response)

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
        body = self.call(
            _Calls.start(
                hs,
                password=password,
                admin_password=admin_password,
                world=None,
                capture_console=capture_console,
                sha1=sha1,
                repair=repair,
            )
        )
        return SessionInfo(session_id=body["sessionId"], client_id=body["clientId"])
