"""The relay's own read-only routes: ``/api/status`` and this key's worlds at ``/clients``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from .. import __version__
from ..core.clients import known_client_json
from ..credentials import same_secret
from ..errors import AuthError, NotFound, RelayError
from ..store import ApiKey
from .deps import json_response, relay_state, require_key
from .metrics import registry_for, render
from .models import ok
from .pairing_models import ClientList, RelayHealth, RelayStatus

HEALTH_TIMEOUT = 3.0

router = APIRouter(tags=["relay"])


@router.get("/api/status", response_class=Response, responses=ok(RelayStatus))
async def status(request: Request) -> Response:
    """Liveness and what this relay offers (no key needed)."""
    state = relay_state(request)
    return json_response(
        {
            "status": "ok",
            "version": __version__,
            "websocket": "/relay",
            "headlessEnabled": state.headless is not None,
            "instanceId": state.instance_id,
        }
    )


@router.get("/api/health", response_class=Response, responses=ok(RelayHealth))
async def health(request: Request) -> Response:
    """For load balancers and container health checks (no key needed): 200 while the store
    answers, 503 otherwise; the browser's state is shown (idle is healthy: it starts on
    demand)."""
    state = relay_state(request)
    checks: dict[str, Any] = {}
    healthy = True
    try:
        await asyncio.wait_for(state.store.off_loop(state.store.ping), HEALTH_TIMEOUT)
        checks["store"] = "ok"
    except (RelayError, TimeoutError) as exc:
        healthy = False
        checks["store"] = getattr(exc, "code", "TIMEOUT")
    if state.federation is not None:
        try:
            await asyncio.wait_for(state.federation.ping(), HEALTH_TIMEOUT)
            checks["redis"] = "ok"
        except (RelayError, TimeoutError) as exc:
            healthy = False
            checks["redis"] = getattr(exc, "code", "TIMEOUT")
    headless = state.headless
    if headless is None:
        checks["browser"] = "disabled"
    else:
        running = headless.engine.browser_pid is not None
        checks["browser"] = "running" if running else "idle"
        checks["sessions"] = sum(1 for x in headless.live.values() if x.session.state == "active")
    checks["clients"] = len(state.hub.registry.all())
    body = {"status": "ok" if healthy else "unavailable", "instanceId": state.instance_id, **checks}
    return json_response(body, 200 if healthy else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text format (SPEC 11), as ``METRICS`` allows."""
    state = relay_state(request)
    mode = state.settings.metrics
    if mode == "off":
        raise NotFound("metrics are off on this relay (METRICS)", code="NOT_FOUND")
    if mode == "token":
        expected = state.settings.metrics_token
        given = request.headers.get("authorization", "")
        token = given[7:] if given.lower().startswith("bearer ") else ""
        if expected is None or not same_secret(token, expected.get_secret_value()):
            raise AuthError(
                "metrics need Authorization: Bearer <METRICS_TOKEN>", code="API_KEY_INVALID"
            )
    if state.metrics_registry is None:
        state.metrics_registry = registry_for(state)
    return Response(render(state.metrics_registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/clients", response_class=Response, responses=ok(ClientList))
async def clients(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """This key's worlds: connected ones, and known ones that are offline."""
    state = relay_state(request)
    online = {
        e.client_id: e for e in state.hub.registry.for_key(key.id) if key.may_reach(e.client_id)
    }
    items = [e.as_json() for e in online.values()]
    for known in state.store.known_clients(key.id):
        if known.client_id not in online and key.may_reach(known.client_id):
            items.append(known_client_json(known))
    return json_response({"total": len(items), "clients": items})
