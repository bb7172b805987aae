"""The project's one exception tree.

Every error the relay reports to a caller is a :class:`RelayError` carrying a stable machine
readable ``code`` (SPEC section 8). The HTTP status of each code lives in :data:`STATUS`, the only
place where codes meet statuses; routes raise, the server maps. Third-party exceptions are
translated into these at the boundary (``raise ... from exc``).

This module is part of the pure core: it imports nothing from asyncio, Playwright or Starlette.
"""

from __future__ import annotations

from typing import Any

STATUS: dict[str, int] = {
    "API_KEY_REQUIRED": 401,
    "API_KEY_INVALID": 401,
    "BAD_REQUEST": 400,
    "SCOPE_DENIED": 403,
    "ADMIN_REQUIRED": 403,
    "ROUTE_GONE": 410,
    "METHOD_NOT_ALLOWED": 405,
    "HANDSHAKE_INVALID": 400,
    "DECRYPT_FAILED": 400,
    "NONCE_MISMATCH": 401,
    "FOUNDRY_URL_FORBIDDEN": 400,
    "SESSION_LIMIT": 429,
    "HANDSHAKE_LIMIT": 429,
    "RATE_LIMITED": 429,
    "QUOTA_EXCEEDED": 429,
    "SUBSCRIBER_LIMIT": 429,
    "SUBSCRIBER_TOO_SLOW": 429,
    "SESSION_NOT_FOUND": 404,
    "CLIENT_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "HEADLESS_DISABLED": 503,
    "FOUNDRY_UNREACHABLE": 502,
    "FOUNDRY_ADMIN_REQUIRED": 422,
    "WORLD_REQUIRED": 422,
    "WORLD_NOT_FOUND": 422,
    "WRONG_WORLD": 422,
    "FOUNDRY_USER_NOT_FOUND": 422,
    "FOUNDRY_USER_ACTIVE": 409,
    "WORLD_PAIRED_ELSEWHERE": 409,
    "WORLD_IN_SESSION": 409,
    "FOUNDRY_USER_NOT_GM": 422,
    "MODULE_NOT_INSTALLED": 422,
    "PAIRING_CODE_INVALID": 404,
    "PAIRING_CODE_USED": 410,
    "PAIRING_CODE_EXPIRED": 410,
    "FOUNDRY_LOGIN_REJECTED": 401,
    "FOUNDRY_ADMIN_REJECTED": 401,
    "GAME_LOAD_TIMEOUT": 504,
    "MODULE_NOT_CONNECTED": 504,
    "BROWSER_FAILED": 500,
    "CLIENT_GONE": 503,
    "REQUEST_TIMEOUT": 408,
    "PAYLOAD_TOO_LARGE": 413,
    "LAUNCH_CANCELLED": 409,
    "SHUTTING_DOWN": 503,
    "STORE_UNAVAILABLE": 503,
    "REDIS_DOWN": 503,
    "WORLD_STARTING": 503,
    "CREDENTIALS_DISABLED": 403,
    "CREDENTIALS_UNREADABLE": 500,
    "LOGIN_NOT_STORED": 404,
    "INTERNAL": 500,
}


class RelayError(Exception):
    """Base of every error the relay reports; ``code`` selects the HTTP status in :data:`STATUS`."""

    code: str = "INTERNAL"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        if self.code not in STATUS:
            raise ValueError(f"unknown error code {self.code!r}")
        self.message = message
        self.extra = extra

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def body(self) -> dict[str, Any]:
        """The JSON error body: ``{"error", "code", **extra}``."""
        return {"error": self.message, "code": self.code, **self.extra}


class BadRequest(RelayError):
    code = "BAD_REQUEST"


class AuthError(RelayError):
    code = "API_KEY_INVALID"


class NotFound(RelayError):
    code = "NOT_FOUND"


class LimitExceeded(RelayError):
    code = "SESSION_LIMIT"


class HandshakeError(RelayError):
    code = "HANDSHAKE_INVALID"


class ForwardingError(RelayError):
    code = "CLIENT_GONE"


class LaunchError(RelayError):
    """A headless launch failed; ``stage`` names the lifecycle stage that failed."""

    code = "BROWSER_FAILED"

    def __init__(self, message: str, *, code: str | None = None, stage: str = "", **extra: Any):
        super().__init__(message, code=code, stage=stage, **extra)
        self.stage = stage


def error_response_parts(error: RelayError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, JSON body and headers of an error: the one place errors become HTTP replies."""
    headers: dict[str, str] = {}
    retry = error.extra.get("retryAfter")
    if retry is not None:
        headers["Retry-After"] = str(int(retry))
    return error.status, error.body(), headers


class StoreError(RelayError):
    """The relay's database failed or was busy (another process held its lock too long)."""

    code = "STORE_UNAVAILABLE"


# WebSocket close codes of the /relay protocol (SPEC 5.2); one table like STATUS.
WS_CLOSE: dict[str, tuple[int, str]] = {
    "auth-timeout": (4002, "Authentication timeout"),
    "auth-invalid": (4002, "Invalid auth message"),
    "auth-failed": (1008, "Authentication failed"),
    "client-taken": (4004, "Client ID already connected"),
    "replaced": (1000, "Replaced by reconnect"),
    "session-ended": (1000, "Session ended"),
    "revoked": (1008, "Authentication failed"),
    "shutdown": (1001, "Relay shutting down"),
    "unavailable": (1013, "Try again later"),
}
