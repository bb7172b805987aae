"""The four session endpoints (SPEC section 3) and the diagnostics routes (SPEC 4.6)."""

from __future__ import annotations

import asyncio

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import BadRequest, RelayError
from ..store import ApiKey
from .deps import json_response, read_json_body, require_key, wait_disconnect
from .headless import HeadlessService
from .state import RelayState


class StartSessionBody(BaseModel):
    """Documented shape of ``POST /start-session`` (validated by hand for SPEC error codes)."""

    model_config = ConfigDict(extra="allow")
    handshakeToken: str
    encryptedPassword: str
    worldName: str | None = None
    captureBrowserConsole: str | None = None
    repair: bool = Field(
        False,
        description="Re-pair a world whose module is paired with another relay (its GMs' own"
        " browsers then have to pair again); without it such a world fails with"
        " WORLD_PAIRED_ELSEWHERE.",
    )


def _headless(request: Request) -> HeadlessService:
    state: RelayState = request.app.state.relay
    if state.headless is None:
        raise RelayError("headless sessions are disabled on this relay", code="HEADLESS_DISABLED")
    return state.headless


def install_session_routes(app: FastAPI) -> None:

    @app.post("/session-handshake", tags=["sessions"], response_class=Response)
    async def session_handshake(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        """Start a headless session: get a one-time token, a public key and a nonce."""
        service = _headless(request)
        h = request.headers
        result = await service.handshake(
            key,
            foundry_url=h.get("x-foundry-url"),
            username=h.get("x-username"),
            world_name=h.get("x-world-name"),
        )
        return json_response(result)

    @app.post(
        "/start-session",
        tags=["sessions"],
        response_class=Response,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": StartSessionBody.model_json_schema()}},
            }
        },
    )
    async def start_session(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        """Launch the headless browser; returns when the module has connected."""
        service = _headless(request)
        body = await read_json_body(request, 64 * 1024)
        launch = asyncio.ensure_future(service.start_session(key, body))
        gone = asyncio.ensure_future(wait_disconnect(request))
        try:
            await asyncio.wait({launch, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not launch.done():
                launch.cancel()
            gone.cancel()
        if not launch.done() or launch.cancelled():
            try:
                await launch
            except (asyncio.CancelledError, RelayError):
                pass
            return json_response({"error": "caller disconnected", "code": "LAUNCH_CANCELLED"}, 409)
        return json_response(launch.result())

    @app.delete("/end-session", tags=["sessions"], response_class=Response)
    async def end_session(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        """End one of the caller's sessions (query ``sessionId`` or JSON body)."""
        service = _headless(request)
        session_id = request.query_params.get("sessionId")
        if not session_id:
            body = await read_json_body(request, 64 * 1024)
            value = body.get("sessionId")
            if value is not None and not isinstance(value, str):
                raise BadRequest("sessionId must be a string")
            session_id = value
        if not session_id:
            raise BadRequest("sessionId is required")
        await service.end(key, session_id)
        return json_response({"status": "ok", "message": "Session ended"})

    @app.get("/session", tags=["sessions"], response_class=Response)
    async def list_sessions(request: Request, key: ApiKey = Depends(require_key)) -> Response:
        """The caller's active and pending sessions."""
        return json_response(_headless(request).list_sessions(key))

    @app.get(
        "/session/{session_id}/log",
        tags=["sessions"],
        response_class=Response,
    )
    async def session_log(
        session_id: str, request: Request, key: ApiKey = Depends(require_key)
    ) -> Response:
        """Stage timeline, failure and captured console lines of one of the caller's sessions."""
        return json_response(_headless(request).session_log(key, session_id))

    @app.get(
        "/session/{session_id}/screenshot",
        tags=["sessions"],
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def session_screenshot(
        session_id: str, request: Request, key: ApiKey = Depends(require_key)
    ) -> Response:
        """PNG of the failing page, or of the live page of an active session."""
        png = await _headless(request).screenshot(key, session_id)
        return Response(png, media_type="image/png")
