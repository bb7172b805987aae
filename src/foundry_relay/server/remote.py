"""World-to-world requests (SPEC 14): a module's ``remote-request`` names another world of the
same API key, an action (a request type of the route table) and its payload; the relay forwards
it as it would an HTTP call (same validation, guards, timeouts and errors) and answers the
calling world with ``remote-response`` (``success``, then ``data`` or ``error`` and ``code``)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from ..core.clients import ClientEntry
from ..core.forwarding import parse_params, reply_error
from ..core.ratelimit import RateLimiter
from ..core.routes import ROUTES_BY_TYPE
from ..errors import NotFound, RelayError
from ..store import ApiKey
from .forward_routes import check_guard
from .hub import Connection
from .online import resolve_or_start

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)


class RemoteRequests:
    def __init__(self, state: RelayState) -> None:
        self.state = state
        # A token's own remote-requests per hour (remote_per_hour), by token id.
        self.hourly = RateLimiter(0, window=3600, what="remote requests from this world")
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, source: ClientEntry, frame: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._handle(source, frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _handle(self, source: ClientEntry, frame: dict[str, Any]) -> None:
        request_id = frame.get("requestId")
        if not isinstance(request_id, str) or not request_id:
            log.debug("client %s: remote-request without a requestId", source.client_id)
            return
        try:
            data = await self._run(source, frame)
        except RelayError as exc:
            action = frame.get("action")
            log.info("remote-request %s from %s refused: %s", action, source.client_id, exc.code)
            reply = {"success": False, "error": exc.message, "code": exc.code}
        else:
            reply = {"success": True, "data": data}
        await self._answer(source, {"type": "remote-response", "requestId": request_id, **reply})

    async def _run(self, source: ClientEntry, frame: dict[str, Any]) -> dict[str, Any]:
        target, action = frame.get("targetClientId"), frame.get("action")
        payload = frame.get("payload") if frame.get("payload") is not None else {}
        if not isinstance(target, str) or not target or not isinstance(action, str) or not action:
            raise RelayError("missing required fields: targetClientId, action", code="BAD_REQUEST")
        if not isinstance(payload, dict):
            raise RelayError("payload must be an object", code="BAD_REQUEST")
        if source.token_id is None:
            raise RelayError(
                "remote-request needs a world connected with a connection token",
                code="SCOPE_DENIED",
            )
        route = ROUTES_BY_TYPE.get(action)
        if route is None:
            raise RelayError(
                f"action {action!r} is not exposed via remote-request", code="BAD_REQUEST"
            )
        key = await self._check_caller(source.token_id, source.key_id, target, route.scope)
        state = self.state
        assert state.router is not None
        if frame.get("autoStartIfOffline", True) is False:
            client_id = state.router.resolve_client(source.key_id, target)  # same key or 404
        else:
            client_id = await resolve_or_start(state, source.key_id, target)
        params = parse_params(route, {}, payload, {k: str(v) for k, v in payload.items()})
        check_guard(route, key, payload, params)
        reply = await state.router.forward(
            key_id=source.key_id,
            client_id=client_id,
            route=route,
            params=params,
            timeout=route.timeout or state.settings.request_timeout,
        )
        if reply_error(reply):
            raise RelayError(str(reply["error"]), code="BAD_REQUEST")
        return {k: v for k, v in reply.items() if k != "requestId"}

    async def _check_caller(
        self, token_id: str, key_id: str, target: str, scope: str | None
    ) -> ApiKey:
        """Everything a call needs from the calling world, before any world is started for
        it: its token (not revoked; the target among its remote targets; the action's scope
        among its remote scopes, within its calls per hour) and its key (usable, holding the
        scope, bound to the target if bound at all, within its rate limit and quota)."""
        state = self.state
        store = state.store
        token = await store.off_loop(store.get_token, token_id)
        if token is None or token.revoked_at is not None:
            raise RelayError("this world's connection token was revoked", code="API_KEY_INVALID")
        key = await store.off_loop(store.get_key, key_id)
        if key is None or key.revoked_at is not None or not key.enabled:
            raise RelayError("this world's API key is revoked or disabled", code="API_KEY_INVALID")
        if key.expired(time.time()):
            raise RelayError("this world's API key has expired", code="API_KEY_INVALID")
        state.require_scope(key, scope)
        if scope is not None and not token.may_use(scope):
            raise RelayError(
                f"this world's token lacks the '{scope}' remote scope",
                code="SCOPE_DENIED",
                scope=scope,
            )
        if not token.may_call(target):
            raise RelayError(
                f"this world's token may not call {target!r} (its remote targets)",
                code="SCOPE_DENIED",
            )
        if not key.may_reach(target):  # a key bound to some worlds: others do not exist
            raise NotFound(f"no connected client '{target}'", code="CLIENT_NOT_FOUND")
        if token.remote_per_hour:
            if state.federation is not None:  # every instance takes from one bucket
                sessions = state.federation.sessions
                await sessions.hit_rate(self.hourly, "remote", token.id, token.remote_per_hour)
            else:
                self.hourly.hit(token.id, time.monotonic(), token.remote_per_hour)
        state.count_request(key)
        return key

    async def _answer(self, source: ClientEntry, frame: dict[str, Any]) -> None:
        entry = self.state.hub.registry.get(source.client_id)
        conn = entry.connection if entry is not None else source.connection
        if not isinstance(conn, Connection):
            return
        try:
            await conn.send(frame)
        except RelayError:
            log.debug("client %s left before its remote-response", source.client_id)
