"""The relay's OpenAPI document: FastAPI's, completed with what the hand-validated routes accept
and return, so generated clients and schema-driven fuzzers (schemathesis) see the real API."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
    "required": ["error", "code"],
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


STR = {"type": "string"}
INT = {"type": "integer"}
NULLABLE_STR = {"type": ["string", "null"]}

PENDING = _obj(
    {
        "sessionId": STR,
        "foundryUrl": STR,
        "username": STR,
        "worldName": NULLABLE_STR,
        "startedAt": INT,
        "stage": STR,
    },
    ["sessionId", "foundryUrl", "username", "startedAt", "stage"],
)
ACTIVE = _obj(
    {
        "sessionId": STR,
        "clientId": NULLABLE_STR,
        "foundryUrl": STR,
        "username": STR,
        "worldName": NULLABLE_STR,
        "startedAt": INT,
        "lastActivity": INT,
    },
    ["sessionId", "clientId", "foundryUrl", "username", "startedAt", "lastActivity"],
)

HEADER = {"in": "header", "schema": STR}

# What the hand-validated session routes take and give, by (path, method).
EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("/session-handshake", "post"): {
        "parameters": [
            {"name": "x-foundry-url", "required": True, **HEADER},
            {"name": "x-username", "required": True, **HEADER},
            {"name": "x-world-name", "required": False, **HEADER},
        ],
        "200": _obj(
            {
                "token": STR,
                "publicKey": STR,
                "nonce": STR,
                "expires": STR,
                "instanceId": STR,
                "foundryUrl": STR,
                "username": STR,
            },
            ["token", "publicKey", "nonce", "expires", "instanceId"],
        ),
    },
    ("/start-session", "post"): {
        "200": _obj(
            {"success": {"type": "boolean"}, "sessionId": STR, "clientId": STR},
            ["success", "sessionId", "clientId"],
        ),
    },
    ("/end-session", "delete"): {
        "parameters": [{"name": "sessionId", "in": "query", "required": False, "schema": STR}],
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": _obj({"sessionId": STR})}},
        },
        "200": _obj({"status": STR, "message": STR}, ["status", "message"]),
    },
    ("/session", "get"): {
        "200": _obj(
            {
                "activeSessions": {"type": "array", "items": ACTIVE},
                "pendingSessions": {"type": "array", "items": PENDING},
            },
            ["activeSessions", "pendingSessions"],
        ),
    },
    ("/session/{session_id}/log", "get"): {
        "200": _obj(
            {
                "sessionId": STR,
                "state": STR,
                "timeline": {"type": "array"},
                "console": {"type": "array", "items": STR},
            },
            ["sessionId", "state", "timeline", "console"],
        ),
    },
    ("/clients", "get"): {
        "200": _obj(
            {"total": INT, "clients": {"type": "array", "items": {"type": "object"}}},
            ["total", "clients"],
        ),
    },
    ("/api/clients/{client_id}/active", "get"): {
        "200": _obj({"active": {"type": "boolean"}}, ["active"]),
    },
}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["ErrorBody"] = ERROR_BODY
        error = _json(
            {"$ref": "#/components/schemas/ErrorBody"},
            "an error with its machine-readable code (SPEC section 8)",
        )
        for path, methods in spec.get("paths", {}).items():
            for method, op in methods.items():
                responses = op.setdefault("responses", {})
                responses.pop("422", None)  # validation errors are 400 BAD_REQUEST here
                extra = EXTRA.get((path, method), {})
                if "200" in extra:
                    responses["200"] = _json(extra["200"], "success")
                if "parameters" in extra:
                    known = {(p["name"], p["in"]) for p in op.get("parameters", [])}
                    op.setdefault("parameters", []).extend(
                        p for p in extra["parameters"] if (p["name"], p["in"]) not in known
                    )
                if "requestBody" in extra:
                    op["requestBody"] = extra["requestBody"]
                responses["default"] = error
        app.openapi_schema = spec
        return spec

    app.openapi = build  # type: ignore[method-assign]
