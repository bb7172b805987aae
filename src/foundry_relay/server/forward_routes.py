"""The forwarded routes (SPEC 6, 13), one per entry of the route table in
:mod:`foundry_relay.core.forwarding`: the table is the single source of the path, method,
parameters, validation, timeout and OpenAPI description; adding a route is one entry there."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..core.binary import data_url, file_payload
from ..core.forwarding import Param, Route, parse_params, reply_error, unknown_params
from ..core.routes import ROUTES
from ..errors import BadRequest, RelayError
from ..store import ApiKey
from .deps import json_response, read_json_body, read_raw_body, relay_state, require_key
from .online import resolve_for_key

SCHEMAS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "object": {"type": "object"},
    "array": {"type": "array", "items": {}},
    "any": {},
}
SAMPLES: dict[str, Any] = {
    "str": "…",
    "bool": True,
    "int": 1,
    "number": 1.5,
    "object": {},
    "array": [],
    "any": None,
}
ERRORS = {
    "400": "bad input, or the module's own error reply",
    "401": "missing or invalid API key",
    "403": "the key may not do this (execute-js, a Macro's command)",
    "404": "no such client for this key",
    "408": "the client did not answer in time",
    "413": "body too large",
    "503": "the client went away",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def _sample(param: Param) -> Any:
    return param.example if param.example is not None else SAMPLES[param.kind]


def reply_example(route: Route) -> dict[str, Any]:
    """The module's reply frame for ``route``, as the relay passes it on."""
    example: dict[str, Any] = {"requestId": "9f2c1e0a7b3d4c55a1b2c3d4e5f60718"}
    example["type"] = route.ws_type + "-result"
    example.update(route.reply if route.reply is not None else {"data": {}})
    return example


def _query_schema(param: Param) -> dict[str, Any]:
    if param.kind in ("object", "array"):
        return {"type": "string", "description": "JSON, or for a list comma-separated values"}
    return SCHEMAS[param.kind]


def _request_body(route: Route) -> dict[str, Any] | None:
    in_body = [p for p in route.params if p.source in ("b", "e")]
    if not in_body:
        return None
    required = [p.name for p in in_body if p.required and p.source == "b"]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: SCHEMAS[p.kind] for p in in_body} | {"clientId": SCHEMAS["str"]},
    }
    if required:
        schema["required"] = required
    content: dict[str, Any] = {
        "application/json": {"schema": schema, "example": {p.name: _sample(p) for p in in_body}}
    }
    if route.upload:  # or the file itself, path and filename in the query
        content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
    return {"required": bool(required), "content": content}


def route_openapi(route: Route) -> dict[str, Any]:
    """Parameters, body, replies and examples of one forwarded route. A parameter taken from
    query or body is listed in both (the body wins)."""
    parameters: list[dict[str, Any]] = [
        {"name": "clientId", "in": "query", "required": False, "schema": {"type": "string"}}
    ]
    for p in route.params:
        if p.source in ("q", "e"):
            parameters.append(
                {"name": p.name, "in": "query", "required": False, "schema": _query_schema(p)}
            )
        elif p.source == "p":
            schema = SCHEMAS[p.kind]
            parameters.append({"name": p.name, "in": "path", "required": True, "schema": schema})
    extra: dict[str, Any] = {"parameters": parameters}
    body = _request_body(route)
    if body is not None:
        extra["requestBody"] = body
    content: dict[str, Any] = {
        "application/json": {
            "schema": {"type": "object", "additionalProperties": True},
            "example": reply_example(route),
        }
    }
    if route.binary:
        content["application/octet-stream"] = {"schema": {"type": "string", "format": "binary"}}
        content["image/png"] = {"schema": {"type": "string", "format": "binary"}}
        content["image/jpeg"] = {"schema": {"type": "string", "format": "binary"}}
    responses: dict[str, Any] = {
        "200": {
            "description": "the module's reply (a file or image as its bytes)",
            "content": content,
        }
    }
    for status, description in ERRORS.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    extra["responses"] = responses
    return extra


MAX_QUERY_PARAMS = 100
MAX_QUERY_BYTES = 16_384  # the whole query string (common proxies stop at 8-16 KB of URL)


def check_guard(route: Route, key: ApiKey, body: dict[str, Any], params: dict[str, Any]) -> None:
    """Code that would run in the GM's browser needs a key allowed to (SPEC 13)."""
    if key.allow_execute_js or not route.guard:
        return
    if route.guard == "execute-js":
        raise RelayError(
            "this API key may not run JavaScript (create one with --allow-execute-js)",
            code="SCOPE_DENIED",
            scope="execute-js",
        )
    data = params.get("data") or body.get("data")
    writes_command = isinstance(data, dict) and "command" in data
    uuid = str(params.get("uuid") or "")
    is_macro = str(params.get("entityType", "")).lower() == "macro" or (
        "Macro." in uuid and (uuid.startswith("Macro.") or ".Macro." in uuid)
    )
    if writes_command and is_macro:
        raise RelayError(
            "this API key may not write a Macro's command (create one with --allow-execute-js)",
            code="SCOPE_DENIED",
            scope="macro:write",
        )


async def _read_body(request: Request, route: Route, limit: int) -> dict[str, Any]:
    """The JSON body; for an upload route also a raw body, which becomes ``fileData``."""
    if request.method not in ("POST", "PUT", "DELETE", "PATCH"):
        return {}
    content_type = request.headers.get("content-type", "")
    if route.upload and content_type and "json" not in content_type:
        raw = await read_raw_body(request, limit * 3 // 4)  # base64 in the frame: 4/3
        media = request.query_params.get("mimeType") or content_type
        return {"fileData": data_url(raw, media)}
    return await read_json_body(request, limit)


def _reply(route: Route, reply: dict[str, Any], params: dict[str, Any]) -> Response:
    if reply_error(reply):
        return json_response(reply, 400)
    if route.binary and params.get("format") not in ("base64", "json"):
        payload = file_payload(reply)
        if payload is not None:
            return Response(payload.content, media_type=payload.media_type, headers=payload.headers)
    return json_response(reply)


async def forward_request(request: Request, route: Route, key: ApiKey) -> Response:
    """One forwarded call, authenticated as ``key``: the client first (404 before any check),
    then the parameters, the guards, the module's reply (bytes for a file or image), and the
    unknown parameters named. Shared by the declared route and the fast path."""
    state = relay_state(request)
    state.require_scope(key, route.scope)
    if len(request.scope["query_string"]) > MAX_QUERY_BYTES:
        raise BadRequest(f"the query string is longer than {MAX_QUERY_BYTES} bytes")
    if len(request.query_params) > MAX_QUERY_PARAMS:
        raise BadRequest(f"more than {MAX_QUERY_PARAMS} query parameters")
    body = await _read_body(request, route, state.settings.ws_max_bytes)
    query = dict(request.query_params)
    client_id = body.get("clientId") or query.get("clientId")
    if client_id is not None and not isinstance(client_id, str):
        raise BadRequest("clientId must be a string")
    assert state.router is not None
    client_id = await resolve_for_key(state, key, client_id)  # 404 before any check
    params = parse_params(route, query, body, request.path_params)
    check_guard(route, key, body, params)
    if route.upload and not (params.get("path") and params.get("filename")):
        raise BadRequest("'path' and 'filename' are required")
    started = time.perf_counter()
    try:
        reply = await state.router.forward(
            key_id=key.id,
            client_id=client_id,
            route=route,
            params=params,
            timeout=route.timeout or state.settings.request_timeout,
        )
    finally:
        state.stats.forward.observe(time.perf_counter() - started)
    response = _reply(route, reply, params)
    unknown = unknown_params(route, query, body)
    if unknown:
        # percent-encoded: a header holds printable ASCII only
        names = ",".join(quote(name, safe="") for name in unknown)
        response.headers["X-Unknown-Parameters"] = names[:1000]
    return response


def _handler(route: Route) -> Callable[..., Awaitable[Response]]:
    async def handler(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        return await forward_request(request, route, key)

    handler.__name__ = "forward_" + route.ws_type.replace("-", "_")
    handler.__doc__ = route.summary
    return handler


async def contents_gone(path: str) -> Response:
    """Removed by the established relay: the folder tree is at ``GET /structure``."""
    raise RelayError(
        "GET /contents was removed; use GET /structure?path=<folder> instead",
        code="ROUTE_GONE",
        replacement="/structure",
    )


def add_forwarded_routes(router: APIRouter, routes: tuple[Route, ...] = ROUTES) -> None:
    """Declare every route of the table on ``router`` (the app's own router: its routes are then
    plain entries that :class:`~foundry_relay.server.dispatch.ExactPaths` can index)."""
    for route in routes:
        router.add_api_route(
            route.path,
            _handler(route),
            methods=[route.method],
            tags=[route.area or "forwarding"],
            summary=route.summary,
            openapi_extra=route_openapi(route),
            response_class=Response,
        )
    router.add_api_route(
        "/contents/{path:path}",
        contents_gone,
        methods=["GET"],
        tags=["Structure"],
        summary="Removed: use /structure",
        response_class=Response,
        status_code=410,  # its only reply: no success to declare
        response_description="gone: use /structure",
    )
