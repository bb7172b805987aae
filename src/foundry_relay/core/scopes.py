"""API-key scopes (SPEC 15), named and assigned to routes as the established relay does
(``go-relay/internal/model/scopes.go`` and ``handler/routes.go``). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable

SCOPES: tuple[str, ...] = (
    "entity:read",
    "entity:write",
    "roll:read",
    "roll:execute",
    "chat:read",
    "chat:write",
    "encounter:read",
    "encounter:manage",
    "macro:list",
    "macro:execute",
    "macro:write",
    "scene:read",
    "scene:write",
    "canvas:read",
    "canvas:write",
    "effects:read",
    "effects:write",
    "user:read",
    "user:write",
    "file:read",
    "file:write",
    "playlist:control",
    "world:info",
    "clients:read",
    "sheet:read",
    "events:subscribe",
    "session:manage",
    "execute-js",
    "search",
    "structure:read",
    "structure:write",
    "dnd5e",
)

# A new key without explicit scopes: read-only, as the established relay's default.
DEFAULT_SCOPES: tuple[str, ...] = (
    "entity:read",
    "roll:read",
    "chat:read",
    "encounter:read",
    "macro:list",
    "scene:read",
    "canvas:read",
    "effects:read",
    "user:read",
    "file:read",
    "world:info",
    "clients:read",
    "sheet:read",
    "events:subscribe",
    "search",
    "structure:read",
    "dnd5e",
)

# Keys made before scopes existed keep everything but running code in the GM's browser.
LEGACY_SCOPES: tuple[str, ...] = tuple(s for s in SCOPES if s != "execute-js")

_BY_ROUTE: dict[str, tuple[str, ...]] = {
    "entity:read": ("GET /get", "POST /select", "GET /selected", "GET /players"),
    "entity:write": (
        "POST /create",
        "PUT /update",
        "DELETE /delete",
        "POST /give",
        "POST /remove",
        "POST /decrease",
        "POST /increase",
        "POST /kill",
    ),
    "search": ("GET /search",),
    "roll:read": ("GET /rolls", "GET /lastroll"),
    "roll:execute": ("POST /roll",),
    "encounter:read": ("GET /encounters",),
    "encounter:manage": (
        "POST /start-encounter",
        "POST /next-turn",
        "POST /next-round",
        "POST /last-turn",
        "POST /last-round",
        "POST /end-encounter",
        "POST /add-to-encounter",
        "POST /remove-from-encounter",
    ),
    "macro:list": ("GET /macros",),
    "macro:execute": ("POST /macro/{uuid}/execute",),
    "structure:read": ("GET /structure", "GET /get-folder"),
    "structure:write": ("POST /create-folder", "DELETE /delete-folder"),
    "execute-js": ("POST /execute-js",),
    "user:read": ("GET /users", "GET /user"),
    "user:write": ("POST /user", "PUT /user", "DELETE /user"),
    "scene:read": ("GET /scene", "GET /scene/image", "GET /scene/image/raw"),
    "scene:write": ("POST /scene", "PUT /scene", "DELETE /scene", "POST /switch-scene"),
    "canvas:read": ("GET /canvas/{documentType}", "GET /measure-distance"),
    "canvas:write": (
        "POST /canvas/{documentType}",
        "PUT /canvas/{documentType}",
        "DELETE /canvas/{documentType}",
        "POST /move-token",
    ),
    "chat:read": ("GET /chat",),
    "chat:write": ("POST /chat", "DELETE /chat/{messageId}", "DELETE /chat"),
    "effects:read": ("GET /effects", "GET /effects/list"),
    "effects:write": ("POST /effects", "DELETE /effects"),
    "world:info": ("GET /world-info",),
    "playlist:control": (
        "GET /playlists",
        "POST /playlist/play",
        "POST /playlist/stop",
        "POST /playlist/next",
        "POST /playlist/volume",
        "POST /play-sound",
        "POST /stop-sound",
    ),
    "clients:read": ("GET /clients",),
    "file:read": ("GET /file-system", "GET /download"),
    "file:write": ("POST /upload",),
    "sheet:read": ("GET /sheet",),
    "session:manage": (
        "GET /worlds",  # always-on worlds (SPEC 16) start sessions
        "PUT /worlds/{client_id}/login",
        "DELETE /worlds/{client_id}/login",
        "PUT /worlds/{client_id}/auto-start",
        "POST /session-handshake",
        "POST /start-session",
        "DELETE /end-session",
        "GET /session",
        "GET /session/{session_id}/log",
        "GET /session/{session_id}/screenshot",
    ),
    "events:subscribe": (
        "GET /rolls/subscribe",
        "GET /chat/subscribe",
        "GET /hooks/subscribe",
        "GET /encounters/subscribe",
        "GET /actor/subscribe",
        "GET /scene/subscribe",
    ),
}
ROUTE_SCOPE: dict[str, str] = {
    route: scope for scope, routes in _BY_ROUTE.items() for route in routes
}


def scope_for(method: str, path: str) -> str | None:
    """The scope a route needs (``path`` as declared, e.g. ``/chat/{messageId}``); None for a
    route outside the scoped API (status, health, pairing, management)."""
    if path.startswith("/dnd5e/"):
        return "dnd5e"
    return ROUTE_SCOPE.get(f"{method} {path}")


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    known = set(SCOPES)
    return [s for s in scopes if s not in known]
