"""Which client a request goes to, starting an always-on world that is offline (SPEC 16)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..errors import BadRequest, NotFound

if TYPE_CHECKING:
    from ..store import ApiKey
    from .state import RelayState

REPLICA_WAIT = 3.0  # a started world reaches another worker's directory within this


async def resolve_or_start(state: RelayState, key_id: str, client_id: str | None) -> str:
    """The clientId a request of ``key_id`` goes to (404/400/503 as the router says); a known
    auto-start world of the key that is offline is started first and waited for."""
    assert state.router is not None
    try:
        return state.router.resolve_client(key_id, client_id)
    except NotFound as exc:
        if exc.code != "CLIENT_NOT_FOUND":
            raise
        started = await _start(state, key_id, client_id)
        if started is None:
            raise
    for _ in range(int(REPLICA_WAIT / 0.05)):
        if state.hub.registry.get(started) is not None:
            break
        await asyncio.sleep(0.05)
    return state.router.resolve_client(key_id, started)


async def resolve_for_key(state: RelayState, key: ApiKey, client_id: str | None) -> str:
    """:func:`resolve_or_start` for a key that may be bound to some worlds (SPEC 15): another
    world is "not found", as a world of another key; without a clientId, its one world."""
    allowed = key.client_ids
    if allowed is not None:
        if client_id is not None and client_id not in allowed:
            raise NotFound(f"no connected client '{client_id}'", code="CLIENT_NOT_FOUND")
        if client_id is None:
            online = [e.client_id for e in state.hub.registry.for_key(key.id)]
            reachable = [c for c in online if c in allowed]
            if len(reachable) > 1:
                raise BadRequest(
                    "several clients are connected; pass clientId to pick one", clients=reachable
                )
            if reachable:
                client_id = reachable[0]
            elif len(allowed) == 1:
                client_id = allowed[0]  # its one world, started if it is always-on
            else:
                raise NotFound("no connected client for this API key", code="CLIENT_NOT_FOUND")
    return await resolve_or_start(state, key.id, client_id)


async def _start(state: RelayState, key_id: str, client_id: str | None) -> str | None:
    cluster = state.hub.cluster
    if cluster is not None:  # the primary, or (with Redis) one instance, starts it
        return await cluster.start_world(key_id, client_id)
    if state.headless is not None and state.headless.always_on is not None:
        return await state.headless.always_on.ensure_online(key_id, client_id)
    return None
