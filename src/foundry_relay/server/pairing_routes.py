"""Pairing a world from a GM's browser (SPEC 12), wire-compatible with the established relay.

The module calls these from the Foundry page (CORS applies): a code typed into its dialog is
exchanged at ``/auth/pair`` for a connection token; the browser device flow asks at
``/auth/pair-request`` and polls until a key holder approves on ``/pair/{code}`` (a page of this
relay) or with ``foundry-relay pair approve``. Unauthenticated endpoints are throttled per address.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ..core.pairing import to_ws_url
from ..core.ratelimit import LogOnce, RateLimiter
from ..credentials import new_client_id
from ..errors import BadRequest, NotFound, RelayError
from ..store import ApiKey, PairRequest
from .deps import client_address, json_response, read_json_body, relay_state, require_key
from .models import created, json_body, ok
from .pair_page import approval_html
from .pairing_models import (
    ClientActive,
    ConnectionTokenBody,
    ConnectionTokenReply,
    DecisionReply,
    PairBody,
    PairReply,
    PairRequestBody,
    PairRequestDetails,
    PairRequestReply,
    PairRequestStatus,
    SelfUnpairBody,
    SelfUnpairReply,
)
from .state import RelayState

BODY_LIMIT = 16 * 1024
FIELD_LIMIT = 256


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(body: dict[str, Any], name: str) -> str:
    """An optional string field, bounded; anything else is a 400."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if len(value) > FIELD_LIMIT:
        raise BadRequest(f"{name} is longer than {FIELD_LIMIT} characters")
    return value.strip()


def public_ws_url(state: RelayState, request: Request) -> str:
    """This relay's WebSocket URL as the caller reached it (``PUBLIC_URL`` wins)."""
    if state.settings.public_url:
        return to_ws_url(state.settings.public_url)
    return to_ws_url(f"{request.url.scheme}://{request.url.netloc}")


def public_http_url(state: RelayState, request: Request) -> str:
    if state.settings.public_url:
        return state.settings.public_url.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


log = logging.getLogger(__name__)


class Throttles:
    """Per-address limits of the unauthenticated endpoints."""

    def __init__(self, state: RelayState) -> None:
        s = state.settings
        self.pairing = RateLimiter(s.pairing_rate_limit, what="pairing requests from this address")
        self.probe = RateLimiter(s.probe_rate_limit, what="requests from this address")
        self._logged = LogOnce()  # one log line per address, kind and minute

    def refused(self, address: str, what: str) -> None:
        if self._logged.due(f"{what} {address}", time.monotonic()):
            log.warning("address %s throttled: too many %s requests", address, what)

    @staticmethod
    def of(request: Request) -> Throttles:
        state = relay_state(request)
        throttles: Throttles | None = getattr(state, "throttles", None)
        if throttles is None:
            throttles = Throttles(state)
            state.throttles = throttles
        return throttles


async def _throttle(request: Request, limiter: RateLimiter, what: str) -> None:
    """One call of an unauthenticated endpoint from the caller's address: counted here, or in
    Redis when instances share it (so they agree); 429 past the limit, logged once per address
    and minute."""
    state = relay_state(request)
    address = client_address(request)
    try:
        if state.federation is not None:
            await state.federation.sessions.hit_rate(limiter, what, address)
        else:
            limiter.hit(address, time.monotonic())
    except RelayError as exc:
        if exc.code == "RATE_LIMITED":
            Throttles.of(request).refused(address, what)
        raise


async def pairing_throttle(request: Request) -> None:
    await _throttle(request, Throttles.of(request).pairing, "pairing")


async def probe_throttle(request: Request) -> None:
    await _throttle(request, Throttles.of(request).probe, "probe")


def _status_body(request: PairRequest, code: str | None, now: float) -> dict[str, Any]:
    status = request.effective_status(now)
    if status == "expired":  # the module reads "status"; the table gives 410 and the code
        raise RelayError("pair request expired", code="PAIRING_CODE_EXPIRED", status="expired")
    if status == "approved":
        if request.upgrade_only or code is None:
            return {"status": "approved", "upgraded": request.upgrade_only}
        return {"status": "approved", "pairingCode": code}
    if status == "exchanged":
        return {"status": "exchanged", "message": "Pairing code has already been retrieved"}
    return {"status": status}


router = APIRouter(tags=["pairing"])


@router.post(
    "/auth/connection-tokens",
    response_class=Response,
    status_code=201,
    responses=created(ConnectionTokenReply),
    openapi_extra=json_body(ConnectionTokenBody, required=False),
)
async def create_pairing_code(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """A 6-character pairing code for this key (single use, 10 minutes). With
    ``{"clientId"}``: a code that adds a browser to a world this key already knows."""
    state = relay_state(request)
    body = await read_json_body(request, BODY_LIMIT)
    client_id = _text(body, "clientId") or None
    if client_id is not None and state.store.known_client(key.id, client_id) is None:
        raise NotFound(f"clientId '{client_id}' is not one of this key's known clients")
    code = await state.store.off_loop(state.store.create_pairing_code, key.id, client_id=client_id)
    return json_response(
        {
            "code": code.code,
            "expiresAt": _iso(code.expires_at),
            "expiresIn": int(code.expires_at - code.created_at),
        },
        201,
    )


@router.post(
    "/auth/pair",
    response_class=Response,
    dependencies=[Depends(pairing_throttle)],
    responses=ok(PairReply),
    openapi_extra=json_body(PairBody),
)
async def pair(request: Request) -> Response:
    """Exchange a pairing code for a connection token (called by the module; no key)."""
    state = relay_state(request)
    body = await read_json_body(request, BODY_LIMIT)
    code = _text(body, "code").upper()
    if not code:
        raise BadRequest("code is required")
    world_id = _text(body, "worldId")
    world_title = _text(body, "worldTitle") or world_id
    fingerprint = _text(body, "serverFingerprint") or None
    existing = _text(body, "existingClientId") or None
    origin = _text(body, "serverOrigin") or None
    claimed = await state.store.off_loop(
        state.store.claim_pairing_code, code, world_id=world_id or None
    )
    store = state.store
    client_id = claimed.client_id
    if client_id is None and existing is not None:
        known = store.known_client(claimed.key_id, existing)
        if known is not None and (origin is None or known.server_origin in (None, origin)):
            client_id = existing
    if client_id is None and fingerprint:
        known = store.find_known_client(claimed.key_id, world_id=None, fingerprint=fingerprint)
        client_id = known.client_id if known is not None else None
    client_id = client_id or new_client_id()
    record, token = await store.off_loop(
        store.create_token,
        claimed.key_id,
        f"paired: {world_title or client_id}"[:100],
        client_id=client_id,
    )
    await store.off_loop(
        store.remember_client,
        claimed.key_id,
        client_id,
        world_id=world_id or None,
        world_title=world_title or None,
        server_origin=origin,
        fingerprint=fingerprint,
    )
    state.log_pairing(claimed.key_id, client_id, world_id, record.id)
    return json_response(
        {"token": token, "clientId": client_id, "relayUrl": public_ws_url(state, request)}
    )


@router.post(
    "/auth/pair-request",
    response_class=Response,
    status_code=201,
    dependencies=[Depends(pairing_throttle)],
    responses=created(PairRequestReply),
    openapi_extra=json_body(PairRequestBody),
)
async def create_pair_request(request: Request) -> Response:
    """Browser pairing: the module asks, a key holder approves on ``pairUrl``."""
    state = relay_state(request)
    body = await read_json_body(request, BODY_LIMIT)
    fields: dict[str, Any] = {
        name: _text(body, name)
        for name in (
            "worldId",
            "worldTitle",
            "systemId",
            "systemTitle",
            "systemVersion",
            "foundryVersion",
            "serverFingerprint",
            "clientId",
        )
    }
    if not fields["worldId"]:
        raise BadRequest("worldId is required")
    fields["upgradeOnly"] = body.get("upgradeOnly") is True
    created = await state.store.off_loop(state.store.create_pair_request, fields)
    return json_response(
        {
            "code": created.code,
            "pairUrl": f"{public_http_url(state, request)}/pair/{created.code}",
            "upgradeOnly": created.upgrade_only,
            "expiresIn": int(created.expires_at - created.created_at),
            "expiresAt": _iso(created.expires_at),
        },
        201,
    )


@router.get(
    "/auth/pair-request/{code}/status",
    response_class=Response,
    dependencies=[Depends(probe_throttle)],
    responses=ok(PairRequestStatus),
)
async def pair_request_status(code: str, request: Request) -> Response:
    """``pending``, then once ``approved`` with the pairing code, then ``exchanged``."""
    store = relay_state(request).store
    found, pairing = await store.off_loop(store.poll_pair_request, code.upper()[:16])
    return json_response(_status_body(found, pairing, time.time()))


@router.get("/auth/pair-request/{code}", response_class=Response, responses=ok(PairRequestDetails))
async def pair_request_details(
    code: str, request: Request, key: ApiKey = Depends(require_key)
) -> Response:
    """What the approval page shows: the world asking, and this key's known worlds."""
    state = relay_state(request)
    found = state.store.get_pair_request(code.upper()[:16])
    if found is None:
        raise NotFound("pair request not found", code="PAIRING_CODE_INVALID")
    body = found.as_json(time.time())
    body["knownClients"] = [
        {
            "clientId": c.client_id,
            "worldId": c.world_id,
            "worldTitle": c.world_title,
            "isOnline": state.hub.registry.get(c.client_id) is not None,
        }
        for c in state.store.known_clients(key.id)
    ]
    return json_response(body)


async def decide(code: str, request: Request, key: ApiKey, approve: bool) -> Response:
    state = relay_state(request)
    decided = await state.store.off_loop(
        state.store.decide_pair_request, code.upper()[:16], key.id, approve=approve
    )
    state.log_pair_request(decided.code, key.id, decided.status)
    if approve:
        return json_response({"success": True, "upgraded": decided.upgrade_only})
    return json_response({"success": True, "message": "Pair request denied"})


@router.post(
    "/auth/pair-request/{code}/approve", response_class=Response, responses=ok(DecisionReply)
)
async def approve(code: str, request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """Approve a browser pairing request for this key."""
    return await decide(code, request, key, True)


@router.post("/auth/pair-request/{code}/deny", response_class=Response, responses=ok(DecisionReply))
async def deny(code: str, request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """Deny a browser pairing request."""
    return await decide(code, request, key, False)


@router.get(
    "/pair/{code}",
    response_class=HTMLResponse,
    dependencies=[Depends(probe_throttle)],
    responses={404: {"description": "no such request", "content": {"text/html": {}}}},
)
async def approval_page(code: str, request: Request) -> Response:
    """The page a GM's browser opens to approve a world (served by the relay, no CDN)."""
    found = relay_state(request).store.get_pair_request(code.upper()[:16])
    return HTMLResponse(
        approval_html(found, time.time()),
        status_code=200 if found is not None else 404,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.post(
    "/api/self-unpair",
    response_class=Response,
    dependencies=[Depends(pairing_throttle)],
    responses=ok(SelfUnpairReply),
    openapi_extra=json_body(SelfUnpairBody),
)
async def self_unpair(request: Request) -> Response:
    """The module's Unpair: revoke the given connection token and drop its socket."""
    state = relay_state(request)
    body = await read_json_body(request, BODY_LIMIT)
    token = body.get("token")
    if not isinstance(token, str) or not token or len(token) > FIELD_LIMIT:
        raise BadRequest("token is required")
    revoked = await state.store.off_loop(state.store.revoke_token_by_plaintext, token)
    if revoked is None:
        return json_response({"success": True, "message": "Token not found; nothing to clean up"})
    if (
        revoked.client_id is not None
    ):  # its world's stored login goes too: no auto-start re-pairs it
        with contextlib.suppress(NotFound):
            await state.store.off_loop(state.store.clear_login, revoked.key_id, revoked.client_id)
    await state.close_revoked()
    return json_response({"success": True, "message": "Unpaired successfully"})


@router.get(
    "/api/clients/{client_id}/active",
    response_class=Response,
    dependencies=[Depends(probe_throttle)],
    responses=ok(ClientActive),
)
async def client_active(client_id: str, request: Request) -> Response:
    """Unauthenticated probe used by the module: 404 only for a clientId never seen (a 404
    makes the module forget its world's pairing)."""
    state = relay_state(request)
    if state.hub.registry.get(client_id) is not None:
        return json_response({"active": True})
    if state.store.client_known(client_id):
        return json_response({"active": False})
    raise NotFound(f"unknown client '{client_id}'", code="CLIENT_NOT_FOUND")
