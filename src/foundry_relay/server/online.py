"""Which client a request goes to, starting an always-on world that is offline (SPEC 16)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..errors import NotFound

if TYPE_CHECKING:
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


async def _start(state: RelayState, key_id: str, client_id: str | None) -> str | None:
    cluster = state.hub.cluster
    if cluster is not None:  # the primary, or (with Redis) one instance, starts it
        return await cluster.start_world(key_id, client_id)
    if state.headless is not None and state.headless.always_on is not None:
        return await state.headless.always_on.ensure_online(key_id, client_id)
    return None
