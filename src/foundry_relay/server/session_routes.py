"""The four session endpoints (SPEC section 3) and the diagnostics routes (SPEC 4.6): request
validation and the wire formats; the headless service does the work."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from ..core.clients import METADATA_FIELDS
from ..core.handshake import Handshake
from ..core.sessions import Session
from ..errors import BadRequest, NotFound, RelayError
from ..headless import HeadlessService, LiveSession
from ..headless.launch import StartRequest
from ..store import ApiKey
from .deps import json_response, read_json_body, relay_state, require_key, wait_disconnect
from .models import (
    EndSessionBody,
    EndSessionReply,
    HandshakeReply,
    SessionList,
    SessionLog,
    StartSessionBody,
    StartSessionReply,
    json_body,
    ok,
)

START_BODY_LIMIT = 64 * 1024
CAPTURE_LEVELS = ("", "error", "warn", "debug")


def start_request(body: dict[str, Any], default_capture: str) -> StartRequest:
    """A ``POST /start-session`` body as a typed request; 400 ``BAD_REQUEST`` otherwise."""
    token, encrypted = body.get("handshakeToken"), body.get("encryptedPassword")
    if not isinstance(token, str) or not token or not isinstance(encrypted, str) or not encrypted:
        raise BadRequest("handshakeToken and encryptedPassword (strings) are required")
    world = body.get("worldName")
    if world is not None and not isinstance(world, str):
        raise BadRequest("worldName must be a string")
    capture = body.get("captureBrowserConsole", default_capture)
    if capture is None:
        capture = ""
    if capture not in CAPTURE_LEVELS:
        raise BadRequest("captureBrowserConsole must be 'error', 'warn' or 'debug'")
    repair = body.get("repair", False)
    if not isinstance(repair, bool):
        raise BadRequest("repair must be a boolean")
    return StartRequest(
        handshake_token=token,
        encrypted_password=encrypted,
        world_name=(world or "").strip() or None,
        capture_console=capture,
        repair=repair,
    )


def _ms(t: float) -> int:
    return int(t * 1000)


def handshake_json(hs: Handshake, instance_id: str) -> dict[str, Any]:
    expires = datetime.fromtimestamp(hs.expires_at, UTC).isoformat().replace("+00:00", "Z")
    return {
        "token": hs.token,
        "publicKey": hs.public_pem,
        "nonce": hs.nonce,
        "expires": expires,
        "instanceId": instance_id,
        "foundryUrl": hs.foundry_url,
        "username": hs.username,
    }


def pending_json(s: Session) -> dict[str, Any]:
    return {
        "sessionId": s.session_id,
        "foundryUrl": s.foundry_url,
        "username": s.username,
        "worldName": s.world_name,
        "startedAt": _ms(s.started_at),
        "stage": s.stage,
    }


def active_json(s: Session, metadata: dict[str, str | None] | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "sessionId": s.session_id,
        "clientId": s.client_id,
        "foundryUrl": s.foundry_url,
        "username": s.username,
        "worldName": s.world_name,
        "startedAt": _ms(s.started_at),
        "lastActivity": _ms(s.last_activity),
        "clientConnected": s.dropped_at is None,
    }
    if metadata is not None:  # the module's connection metadata, while it is connected
        for name in METADATA_FIELDS:
            if name != "customName":
                item[name] = metadata.get(name)
    return item


def log_json(live: LiveSession) -> dict[str, Any]:
    s, diag = live.session, live.diagnostics
    return {
        "sessionId": s.session_id,
        "state": s.state,
        "stage": s.stage,
        "reason": s.reason,
        "startedAt": _ms(s.started_at),
        "endedAt": _ms(s.ended_at) if s.ended_at else None,
        "timeline": [
            {"at": _ms(at), "event": event, "detail": detail} for at, event, detail in s.timeline
        ],
        "failure": diag.failure,
        "console": live.console_lines(),
        "hasScreenshot": diag.screenshot is not None or live.page is not None,
    }


def _headless(request: Request) -> HeadlessService:
    state = relay_state(request)
    if state.headless is None:
        raise RelayError("headless sessions are disabled on this relay", code="HEADLESS_DISABLED")
    return state.headless


# -- with REDIS_URL: requests for a handshake or session another instance holds -----------------


async def _handshake_elsewhere(
    request: Request, service: HeadlessService, token: str
) -> str | None:
    federation = relay_state(request).federation
    if federation is None or service.handshakes.knows(token):
        return None
    owner = await federation.sessions.handshake_owner(token)
    return owner if owner is not None and owner != federation.me else None


async def _session_elsewhere(request: Request, session_id: str) -> str | None:
    federation = relay_state(request).federation
    if federation is None:
        return None
    owner = await federation.sessions.where(session_id)
    return owner if owner is not None and owner != federation.me else None


async def _passed(request: Request, instance: str, op: str, key_id: str, **payload: Any) -> Any:
    """Ask ``instance`` to serve a session request; a start answers like a local one."""
    state = relay_state(request)
    assert state.federation is not None
    s = state.settings
    timeout = (
        s.navigation_timeout * 2
        + s.world_launch_timeout
        + s.game_ready_timeout
        + s.module_connect_timeout
        + 30
    )
    answer = await state.federation.pass_session(instance, op, key_id, timeout, **payload)
    if op == "start":
        return str(answer["sessionId"]), str(answer["clientId"])
    return answer


router = APIRouter(tags=["sessions"])


@router.post("/session-handshake", response_class=Response, responses=ok(HandshakeReply))
async def session_handshake(
    request: Request,
    key: ApiKey = Depends(require_key),
    x_foundry_url: Annotated[str | None, Header(description="the Foundry server's URL")] = None,
    x_username: Annotated[str | None, Header(description="Foundry user name or id")] = None,
    x_world_name: Annotated[str | None, Header(description="world to launch")] = None,
) -> Response:
    """Start a headless session: get a one-time token, a public key and a nonce."""
    service = _headless(request)
    hs = await service.handshake(
        key, foundry_url=x_foundry_url, username=x_username, world_name=x_world_name
    )
    return json_response(handshake_json(hs, relay_state(request).instance_id))


@router.post(
    "/start-session",
    response_class=Response,
    responses=ok(StartSessionReply, "the module connected"),
    openapi_extra=json_body(StartSessionBody),
)
async def start_session(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """Launch the headless browser; returns when the module has connected."""
    service = _headless(request)
    body = await read_json_body(request, START_BODY_LIMIT)
    start = start_request(body, service.settings.capture_browser_console)
    elsewhere = await _handshake_elsewhere(request, service, start.handshake_token)
    if elsewhere is not None:  # the instance holding the handshake's key launches it
        work: Any = _passed(request, elsewhere, "start", key.id, body=body)
    else:
        work = service.start_session(key.id, start)
    launch = asyncio.ensure_future(work)
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
        raise RelayError("caller disconnected", code="LAUNCH_CANCELLED")
    session_id, client_id = launch.result()
    return json_response({"success": True, "sessionId": session_id, "clientId": client_id})


@router.delete(
    "/end-session",
    response_class=Response,
    responses=ok(EndSessionReply),
    openapi_extra=json_body(EndSessionBody, required=False),
)
async def end_session(
    request: Request,
    key: ApiKey = Depends(require_key),
    sessionId: Annotated[str | None, Query(description="or in a JSON body")] = None,
) -> Response:
    """End one of the caller's sessions (query ``sessionId`` or JSON body)."""
    service = _headless(request)
    session_id = sessionId
    if not session_id:
        body = await read_json_body(request, START_BODY_LIMIT)
        value = body.get("sessionId")
        if value is not None and not isinstance(value, str):
            raise BadRequest("sessionId must be a string")
        session_id = value
    if not session_id:
        raise BadRequest("sessionId is required")
    try:
        await service.end(key.id, session_id)
    except NotFound:
        instance = await _session_elsewhere(request, session_id)
        if instance is None:
            raise
        await _passed(request, instance, "end", key.id, session=session_id)
    return json_response({"status": "ok", "message": "Session ended"})


@router.get("/session", response_class=Response, responses=ok(SessionList))
async def list_sessions(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """The caller's active and pending sessions."""
    service = _headless(request)
    registry = relay_state(request).hub.registry
    active, pending = [], []
    sessions = service.sessions_of(key.id)
    federation = relay_state(request).federation
    if federation is not None:  # every instance's
        sessions += await federation.sessions.of_others(key.id)
        sessions.sort(key=lambda s: s.started_at)
    for s in sessions:
        if s.state == "launching":
            pending.append(pending_json(s))
        elif s.state == "active":
            entry = registry.get(s.client_id or "")
            metadata = entry.metadata if entry is not None and entry.key_id == key.id else None
            active.append(active_json(s, metadata))
    always_on = service.always_on.status(key.id) if service.always_on is not None else []
    return json_response(
        {"activeSessions": active, "pendingSessions": pending, "alwaysOn": always_on}
    )


@router.get("/session/{session_id}/log", response_class=Response, responses=ok(SessionLog))
async def session_log(
    session_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """Stage timeline, failure and captured console lines of one of the caller's sessions."""
    try:
        return json_response(log_json(_headless(request).owned(key.id, session_id)))
    except NotFound:
        instance = await _session_elsewhere(request, session_id)
        if instance is None:
            raise
        answer = await _passed(request, instance, "log", key.id, session=session_id)
        return json_response(answer["log"])


@router.get(
    "/session/{session_id}/screenshot",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def session_screenshot(
    session_id: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """PNG of the failing page, or of the live page of an active session."""
    try:
        png = await _headless(request).screenshot(key.id, session_id)
    except NotFound:
        instance = await _session_elsewhere(request, session_id)
        if instance is None:
            raise
        answer = await _passed(request, instance, "screenshot", key.id, session=session_id)
        png = base64.b64decode(answer["png"])
    return Response(png, media_type="image/png")
