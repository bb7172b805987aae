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


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


STR = {"type": "string"}
INT = {"type": "integer"}

# What the routes without declared models take and give, by (path, method).
EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("/clients", "get"): {
        "200": _obj(
            {"total": INT, "clients": {"type": "array", "items": {"type": "object"}}},
            ["total", "clients"],
        ),
    },
    ("/api/clients/{client_id}/active", "get"): {
        "200": _obj({"active": {"type": "boolean"}}, ["active"]),
    },
    # -- pairing (SPEC 12) --
    ("/auth/connection-tokens", "post"): {
        "requestBody": _body(_obj({"clientId": STR}), required=False),
        "201": _obj({"code": STR, "expiresAt": STR, "expiresIn": INT}, ["code", "expiresAt"]),
    },
    ("/auth/pair", "post"): {
        "requestBody": _body(
            _obj(
                {
                    "code": STR,
                    "worldId": STR,
                    "worldTitle": STR,
                    "serverFingerprint": STR,
                    "existingClientId": STR,
                    "serverOrigin": STR,
                },
                ["code"],
            )
        ),
        "200": _obj({"token": STR, "clientId": STR, "relayUrl": STR}, ["token", "clientId"]),
    },
    ("/auth/pair-request", "post"): {
        "requestBody": _body(
            _obj(
                {
                    "worldId": STR,
                    "worldTitle": STR,
                    "systemId": STR,
                    "systemTitle": STR,
                    "systemVersion": STR,
                    "foundryVersion": STR,
                    "serverFingerprint": STR,
                    "clientId": STR,
                    "upgradeOnly": {"type": "boolean"},
                },
                ["worldId"],
            )
        ),
        "201": _obj(
            {
                "code": STR,
                "pairUrl": STR,
                "upgradeOnly": {"type": "boolean"},
                "expiresIn": INT,
                "expiresAt": STR,
            },
            ["code", "pairUrl", "expiresIn", "expiresAt"],
        ),
    },
    ("/auth/pair-request/{code}/status", "get"): {
        "200": _obj({"status": STR, "pairingCode": STR, "upgraded": {"type": "boolean"}}),
        "410": _obj({"status": STR}, ["status"]),
    },
    ("/auth/pair-request/{code}", "get"): {
        "200": _obj(
            {"code": STR, "worldId": STR, "status": STR, "knownClients": {"type": "array"}}
        ),
    },
    ("/auth/pair-request/{code}/approve", "post"): {
        "200": _obj({"success": {"type": "boolean"}}, ["success"]),
    },
    ("/auth/pair-request/{code}/deny", "post"): {
        "200": _obj({"success": {"type": "boolean"}}, ["success"]),
    },
    ("/api/self-unpair", "post"): {
        "requestBody": _body(_obj({"token": STR}, ["token"])),
        "200": _obj({"success": {"type": "boolean"}, "message": STR}, ["success"]),
    },
    ("/pair/{code}", "get"): {
        "html": ["200", "404"],
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
                for status in ("200", "201", "410"):
                    if status in extra:
                        responses.pop("200" if status == "201" else "", None)
                        responses[status] = _json(extra[status], "success")
                for status in extra.get("html", []):
                    responses[status] = {
                        "description": "an HTML page",
                        "content": {"text/html": {"schema": STR}},
                    }
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
