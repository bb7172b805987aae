"""What both clients share: the request builders, the reply parser, the error and the typed
replies of the relay's own endpoints. Forwarded calls are built from the route table."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict
from urllib.parse import quote

import httpx

from ..core.forwarding import Route
from ..core.handshake import seal_envelope
from ..core.routes import ROUTES


def _route_names() -> dict[str, Route]:
    """Routes by frame type (``"world-info"``), by ``"METHOD /path"``, and by path alone where
    only one method has it (``"/roll"``; ``/chat`` needs ``"POST /chat"``)."""
    names: dict[str, Route] = {}
    for r in ROUTES:
        names[r.ws_type] = r
        names[f"{r.method} {r.path}"] = r
    paths = [r.path for r in ROUTES]
    names.update({r.path: r for r in ROUTES if paths.count(r.path) == 1})
    return names


ROUTES_BY_NAME = _route_names()

ModuleReply = dict[str, Any]
"""A forwarded call's reply: the module's ``<type>-result`` frame (``requestId``, ``type`` and
the route's fields, e.g. ``data``), passed on as the module sent it."""


class Handshake(TypedDict):
    token: str
    publicKey: str
    nonce: str
    expires: str
    instanceId: str
    foundryUrl: str
    username: str


class SessionSummary(TypedDict, total=False):
    sessionId: str
    clientId: str | None
    foundryUrl: str
    username: str
    worldName: str | None
    startedAt: int
    lastActivity: int
    clientConnected: bool
    stage: str


class SessionList(TypedDict):
    activeSessions: list[SessionSummary]
    pendingSessions: list[SessionSummary]


class SessionEnded(TypedDict):
    status: str
    message: str


class SessionLog(TypedDict):
    sessionId: str
    state: str
    stage: str | None
    reason: str | None
    startedAt: int
    endedAt: int | None
    timeline: list[dict[str, Any]]
    failure: dict[str, Any] | None
    console: list[str]
    hasScreenshot: bool


class ClientList(TypedDict):
    total: int
    clients: list[dict[str, Any]]


class RelayStatus(TypedDict):
    status: str
    version: str
    websocket: str
    headlessEnabled: bool
    instanceId: str


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
    """One REST call, built once and sent by either client."""

    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def parse_reply(response: httpx.Response) -> Any:
    """The JSON reply, or :class:`RelayClientError` with the SPEC's code for an error status."""
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


def transport_error(exc: httpx.HTTPError) -> RelayClientError:
    return RelayClientError(str(exc), code="TRANSPORT", status=0)


def handshake_request(foundry_url: str, username: str, world: str | None) -> Request:
    headers = {"x-foundry-url": foundry_url, "x-username": username}
    if world:
        headers["x-world-name"] = world
    return Request("POST", "/session-handshake", headers=headers)


def start_request(
    handshake: Handshake,
    *,
    password: str,
    admin_password: str | None,
    capture_console: str | None,
    sha1: bool,
    repair: bool,
) -> Request:
    """``POST /start-session`` with the password sealed for this handshake's key and nonce."""
    encrypted = seal_envelope(
        handshake["publicKey"],
        password=password,
        nonce=handshake["nonce"],
        admin_password=admin_password,
        sha1=sha1,
    )
    body: dict[str, Any] = {"handshakeToken": handshake["token"], "encryptedPassword": encrypted}
    if capture_console:
        body["captureBrowserConsole"] = capture_console
    if repair:
        body["repair"] = True
    return Request("POST", "/start-session", json=body)


def login_request(
    handshake: Handshake,
    client_id: str,
    *,
    password: str,
    admin_password: str | None,
    world: str | None,
) -> Request:
    """``PUT /worlds/{clientId}/login`` with the password sealed for this handshake."""
    encrypted = seal_envelope(
        handshake["publicKey"],
        password=password,
        nonce=handshake["nonce"],
        admin_password=admin_password,
    )
    body: dict[str, Any] = {"handshakeToken": handshake["token"], "encryptedPassword": encrypted}
    if world:
        body["world"] = world
    return Request("PUT", f"/worlds/{quote(client_id, safe='')}/login", json=body)


def find_route(name: str) -> Route:
    route = ROUTES_BY_NAME.get(name)
    if route is None:
        raise ValueError(f"no forwarded route {name!r} (a frame type, or 'METHOD /path')")
    return route


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))  # the relay reads JSON here
    return value


def route_request(name: str, *, client_id: str | None, params: dict[str, Any]) -> Request:
    """The request for one forwarded route: each parameter where the route's table takes it
    (query, JSON body or path); ``None`` values left out; unknown ones refused here."""
    route = find_route(name)
    declared = {p.name: p for p in route.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise TypeError(f"{route.path} takes no parameter(s) {', '.join(unknown)}")
    path = route.path
    query: dict[str, Any] = {}
    body: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        source = declared[key].source
        if source == "e":  # query or body: the body where there is one
            source = "b" if route.method in ("POST", "PUT") else "q"
        if source == "p":
            path = path.replace("{" + key + "}", quote(str(value), safe=""))
        elif source == "q":
            query[key] = _query_value(value)
        else:
            body[key] = value
    if "{" in path:
        raise TypeError(f"{route.path} needs its path parameter(s)")
    if client_id is not None:
        query["clientId"] = client_id
    has_body = route.has_body or route.method in ("POST", "PUT")
    return Request(route.method, path, params=query, json=body if has_body else None)


def snake(name: str) -> str:
    """``entityType`` → ``entity_type``: the client's argument for a wire parameter."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# -- event streams (SPEC 14) -------------------------------------------------------------------

SUBSCRIBE_PATHS = {
    "rolls": "/rolls/subscribe",
    "roll-events": "/rolls/subscribe",
    "chat": "/chat/subscribe",
    "chat-events": "/chat/subscribe",
    "hooks": "/hooks/subscribe",
    "encounters": "/encounters/subscribe",
    "combat": "/encounters/subscribe",
    "combat-events": "/encounters/subscribe",
    "actor": "/actor/subscribe",
    "actor-events": "/actor/subscribe",
    "scene": "/scene/subscribe",
    "scene-events": "/scene/subscribe",
}
FILTER_NAMES = {
    "user_id": "userId",
    "speaker": "speaker",
    "chat_type": "type",
    "type": "type",
    "whisper_only": "whisperOnly",
    "hooks": "hooks",
    "encounter_id": "encounterId",
    "actor_uuid": "actorUuid",
    "scene_id": "sceneId",
}


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event: its name (``roll``, ``chat-create``, ``updateActor``…) and data."""

    name: str
    data: Any


def subscribe_request(channel: str, client_id: str | None, filters: dict[str, Any]) -> Request:
    path = SUBSCRIBE_PATHS.get(channel)
    if path is None:
        raise ValueError(f"unknown channel {channel!r}; one of: {', '.join(SUBSCRIBE_PATHS)}")
    params: dict[str, Any] = {"clientId": client_id} if client_id else {}
    for name, value in filters.items():
        wire = FILTER_NAMES.get(name) or (name if name in FILTER_NAMES.values() else None)
        if wire is None:
            raise ValueError(f"unknown filter {name!r}; one of: {', '.join(FILTER_NAMES)}")
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        params[wire] = value
    return Request("GET", path, params=params)


class SseParser:
    """Lines of a ``text/event-stream`` in, events out (comments are dropped)."""

    def __init__(self) -> None:
        self.name = "message"
        self.data: list[str] = []

    def feed(self, line: str) -> StreamEvent | None:
        if line == "":
            if not self.data:
                return None
            text = "\n".join(self.data)
            name, self.name, self.data = self.name, "message", []
            try:
                return StreamEvent(name, json.loads(text))
            except ValueError:
                return StreamEvent(name, text)
        if line.startswith(":"):
            return None
        field_name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field_name == "event":
            self.name = value
        elif field_name == "data":
            self.data.append(value)
        return None


def stream_error(event: StreamEvent) -> RelayClientError:
    data = event.data if isinstance(event.data, dict) else {}
    return RelayClientError(
        str(data.get("error", "the stream ended with an error")),
        code=str(data.get("code", "STREAM_ERROR")),
        status=0,
        body=data,
    )
