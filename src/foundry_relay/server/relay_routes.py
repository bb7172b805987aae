"""The relay's own read-only routes: ``/api/status`` and this key's worlds at ``/clients``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from .. import __version__
from ..core.clients import known_client_json
from ..store import ApiKey
from .deps import json_response, relay_state, require_key
from .models import ok
from .pairing_models import ClientList, RelayStatus

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


@router.get("/clients", response_class=Response, responses=ok(ClientList))
async def clients(request: Request, key: ApiKey = Depends(require_key)) -> Response:
    """This key's worlds: connected ones, and known ones that are offline."""
    state = relay_state(request)
    online = {e.client_id: e for e in state.hub.registry.for_key(key.id)}
    items = [e.as_json() for e in online.values()]
    for known in state.store.known_clients(key.id):
        if known.client_id not in online:
            items.append(known_client_json(known))
    return json_response({"total": len(items), "clients": items})
