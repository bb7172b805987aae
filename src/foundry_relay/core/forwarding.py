"""Forwarding rules (SPEC section 6): the route table, parameter parsing and reply correlation.

Pure: no asyncio, no Starlette. The server turns an HTTP request into ``(query, body, path)``
dicts, calls :func:`build_frame`, sends the frame, and resolves the waiter registered in a
:class:`Correlator` when the reply arrives from the same client.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, Protocol

from ..errors import BadRequest, RelayError

# Where a parameter is read: query, JSON body, path, or either of query and body (the body wins).
Source = Literal["q", "b", "p", "e"]
Kind = Literal["str", "bool", "int", "number", "object", "array", "any"]
Guard = Literal["", "execute-js", "macro"]


@dataclass(frozen=True)
class Param:
    name: str
    source: Source
    kind: Kind = "str"
    required: bool = False
    example: Any = None  # shown in the OpenAPI document (a sample of ``kind`` when None)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    ws_type: str
    params: tuple[Param, ...] = ()
    one_of: tuple[str, ...] = ()  # at least one of these must be present
    summary: str = ""
    timeout: float | None = None  # None: the relay's default request timeout
    reply: Mapping[str, Any] | None = None  # the module's reply fields, as an example
    method_name: str = ""  # the client library's method (default: ``ws_type`` in snake case)
    area: str = ""  # the group in the OpenAPI document (SPEC 13's areas)
    binary: bool = False  # a reply carrying a file or image is answered as its bytes
    upload: bool = False  # takes a raw (non-JSON) body as the file's bytes
    guard: Guard = ""  # runs code in the GM's browser: only for keys allowed to

    @property
    def py_name(self) -> str:
        return self.method_name or self.ws_type.replace("-", "_")

    @cached_property
    def scope(self) -> str | None:
        """The API-key scope a call needs (SPEC 15); looked up once per route."""
        from .scopes import scope_for

        return scope_for(self.method, self.path)

    @property
    def has_body(self) -> bool:
        return any(p.source in ("b", "e") for p in self.params)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)


MAX_SAFE_INT = 2**53 - 1  # what the module's JavaScript can hold exactly
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _coerce(param: Param, value: Any, from_query: bool) -> Any:
    """Coerce one parameter; query strings become bools/numbers/lists, body values are
    type-checked."""
    kind = param.kind
    if kind == "any":
        return value
    if kind == "str":
        if isinstance(value, str):
            return value
        if not from_query and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
    elif kind == "int":
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and len(value) <= 20:
            try:
                number = int(value.strip())
            except ValueError:
                pass
        if number is not None and abs(number) <= MAX_SAFE_INT:
            return number
    elif kind == "number":
        found = _number(value)
        if found is not None:
            return found
    elif kind == "object":
        if from_query and isinstance(value, str):
            value = _json(value)
        if isinstance(value, dict):
            return value
    elif kind == "array":
        if from_query and isinstance(value, str):
            parsed = _json(value) if value.startswith("[") else None
            return parsed if isinstance(parsed, list) else [p for p in value.split(",") if p]
        if isinstance(value, list):
            return value
    raise BadRequest(f"parameter '{param.name}' must be of type {kind}")


def _number(value: Any) -> int | float | None:
    """A finite number from a JSON number or a query string; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) <= 32:
        try:
            value = int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return None
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INT else None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_params(
    route: Route,
    query: Mapping[str, str],
    body: Mapping[str, Any],
    path: Mapping[str, str],
) -> dict[str, Any]:
    """The frame's top-level parameters of ``route``; :class:`BadRequest` names a bad one."""
    out: dict[str, Any] = {}
    for param in route.params:
        value, from_query = _lookup(param, query, body, path)
        if value is None:
            if param.required:
                raise BadRequest(f"missing required parameter '{param.name}'")
            continue
        out[param.name] = _coerce(param, value, from_query)
    if route.one_of and not any(name in out for name in route.one_of):
        raise BadRequest("one of " + ", ".join(f"'{n}'" for n in route.one_of) + " is required")
    return out


def _lookup(
    param: Param, query: Mapping[str, str], body: Mapping[str, Any], path: Mapping[str, str]
) -> tuple[Any, bool]:
    """The raw value of ``param`` and whether it came from a query string (or the path)."""
    name = param.name
    if param.source == "p":
        return path.get(name), True
    if param.source == "b":
        return body.get(name), False
    if param.source == "e" and body.get(name) is not None:
        return body[name], False  # SPEC 13: the body wins
    if query.get(name) is not None:
        return query[name], True
    # Clients of the established relay sometimes send query parameters in the body.
    return body.get(name), False


RELAY_PARAMS = frozenset({"clientId"})


def unknown_params(route: Route, query: Mapping[str, str], body: Mapping[str, Any]) -> list[str]:
    """Parameters the caller sent that ``route`` does not take (not forwarded; named in the
    reply's ``X-Unknown-Parameters`` so a typo such as ``userid`` shows)."""
    known = route.names | RELAY_PARAMS
    return sorted({*query, *body} - known)


def new_request_id() -> str:
    """An unguessable request id (the established relay used ``type_timestamp``)."""
    return secrets.token_hex(16)


def build_frame(route: Route, params: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": route.ws_type, "requestId": request_id}
    frame.update(params)
    frame.setdefault("data", {})
    return frame


def reply_error(reply: Mapping[str, Any]) -> bool:
    """A module reply is an error when its top-level ``error`` is a string (status 400)."""
    return isinstance(reply.get("error"), str)


class RequestRouter(Protocol):
    """Delivers a forwarded request to the client that holds ``client_id`` (or the key's only
    client) and returns its reply. In-process: the hub; scaled out (SPEC section 11): a router
    that publishes to the instance holding the socket, with the same timeouts and errors."""

    def resolve_client(self, key_id: str, client_id: str | None) -> str:
        """The client a request goes to; :class:`NotFound` for an unknown or foreign one."""
        ...

    async def forward(
        self,
        *,
        key_id: str,
        client_id: str | None,
        route: Route,
        params: dict[str, Any],
        timeout: float,
    ) -> dict[str, Any]: ...


class Waiter(Protocol):
    """What the I/O layer registers for a pending request (an asyncio future wrapper)."""

    def resolve(self, reply: dict[str, Any]) -> None: ...

    def fail(self, error: RelayError) -> None: ...


@dataclass
class Pending:
    request_id: str
    client_id: str
    connection: object  # the socket identity the reply must come from
    expected_type: str
    waiter: Waiter


@dataclass
class Correlator:
    """Pending requests by id; replies are accepted only from the socket that was asked."""

    pending: dict[str, Pending] = field(default_factory=dict)

    def add(self, pending: Pending) -> None:
        self.pending[pending.request_id] = pending

    def discard(self, request_id: str) -> None:
        self.pending.pop(request_id, None)

    def deliver(self, connection: object, reply: Mapping[str, Any]) -> bool:
        """Resolve the request a reply answers; False if unknown, from another socket, or typed
        differently."""
        request_id = reply.get("requestId")
        if not isinstance(request_id, str):
            return False
        pending = self.pending.get(request_id)
        if pending is None or pending.connection is not connection:
            return False
        if reply.get("type") != pending.expected_type + "-result":
            return False
        del self.pending[request_id]
        pending.waiter.resolve(dict(reply))
        return True

    def fail_connection(self, connection: object, error: RelayError) -> int:
        """Fail every request waiting on ``connection`` at once (its socket went away)."""
        doomed = [p for p in self.pending.values() if p.connection is connection]
        for pending in doomed:
            del self.pending[pending.request_id]
            pending.waiter.fail(error)
        return len(doomed)

    def fail_all(self, error: RelayError) -> int:
        doomed = list(self.pending.values())
        self.pending.clear()
        for pending in doomed:
            pending.waiter.fail(error)
        return len(doomed)
