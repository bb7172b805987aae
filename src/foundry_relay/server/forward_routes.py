"""The forwarded routes (SPEC 6, 13), one per entry of the route table in
:mod:`foundry_relay.core.forwarding`: the table is the single source of the path, method,
parameters, validation, timeout and OpenAPI description; adding a route is one entry there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..core.forwarding import ROUTES, Param, Route, parse_params, reply_error
from ..errors import BadRequest
from ..store import ApiKey
from .deps import json_response, read_json_body, relay_state, require_key

SCHEMAS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "object": {"type": "object"},
    "array": {"type": "array", "items": {}},
    "any": {},
}
SAMPLES: dict[str, Any] = {
    "str": "…",
    "bool": True,
    "int": 1,
    "object": {},
    "array": [],
    "any": None,
}
ERRORS = {
    "400": "bad input, or the module's own error reply",
    "401": "missing or invalid API key",
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


def route_openapi(route: Route) -> dict[str, Any]:
    """Parameters, body, replies and examples of one forwarded route."""
    parameters: list[dict[str, Any]] = [
        {"name": "clientId", "in": "query", "required": False, "schema": {"type": "string"}}
    ]
    body: dict[str, Any] = {}
    required: list[str] = []
    for p in route.params:
        if p.source == "b":
            body[p.name] = SCHEMAS[p.kind]
            if p.required:
                required.append(p.name)
            continue
        schema = SCHEMAS[p.kind]
        if p.source == "q" and p.kind in ("object", "array"):
            schema = {"type": "string", "description": "JSON, or a comma-separated list"}
        where = "query" if p.source == "q" else "path"
        parameters.append(
            {"name": p.name, "in": where, "required": p.source == "p", "schema": schema}
        )
    extra: dict[str, Any] = {"parameters": parameters}
    if body:
        body["clientId"] = {"type": "string"}
        schema = {"type": "object", "properties": body, "required": required or None}
        sample = {p.name: _sample(p) for p in route.params if p.source == "b"}
        extra["requestBody"] = {
            "required": bool(required),
            "content": {
                "application/json": {
                    "schema": {k: v for k, v in schema.items() if v is not None},
                    "example": sample,
                }
            },
        }
    responses: dict[str, Any] = {
        "200": {
            "description": "the module's reply frame",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True},
                    "example": reply_example(route),
                }
            },
        }
    }
    for status, description in ERRORS.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    extra["responses"] = responses
    return extra


def _handler(route: Route) -> Callable[..., Awaitable[Response]]:
    async def handler(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        state = relay_state(request)
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT", "DELETE", "PATCH"):
            body = await read_json_body(request, state.settings.ws_max_bytes)
        query = dict(request.query_params)
        params = parse_params(route, query, body, dict(request.path_params))
        client_id = query.get("clientId") or body.get("clientId")
        if client_id is not None and not isinstance(client_id, str):
            raise BadRequest("clientId must be a string")
        assert state.router is not None
        reply = await state.router.forward(
            key_id=key.id,
            client_id=client_id,
            route=route,
            params=params,
            timeout=route.timeout or state.settings.request_timeout,
        )
        return json_response(reply, 400 if reply_error(reply) else 200)

    handler.__name__ = "forward_" + route.ws_type.replace("-", "_")
    handler.__doc__ = route.summary
    return handler


def build_router(routes: tuple[Route, ...] = ROUTES) -> APIRouter:
    router = APIRouter(tags=["forwarding"])
    for route in routes:
        router.add_api_route(
            route.path,
            _handler(route),
            methods=[route.method],
            summary=route.summary,
            openapi_extra=route_openapi(route),
            response_class=Response,
        )
    return router


router = build_router()
