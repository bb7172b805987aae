"""Headless sessions of relay instances sharing Redis (SPEC 11): every instance runs its own, and
writes each one to Redis while it holds a slot, so the caps count all of them atomically and any
instance lists them; a handshake names the instance holding its private key, so a start (and an
end, a log, a screenshot) is passed to the instance that can serve it; session rate limits count
across instances."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

import orjson
from redis.exceptions import RedisError

from ..core.handshake import Handshake
from ..core.ratelimit import RateLimiter
from ..core.sessions import Session
from ..errors import LimitExceeded
from .redis_link import unavailable
from .redis_state import (
    INSTANCES,
    SESSIONS,
    Scripts,
    alive_key,
    handshake_key,
    rate_key,
    sessions_key,
    text,
    where_key,
)

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from .state import RelayState

log = logging.getLogger(__name__)


def session_json(session: Session, instance: str) -> dict[str, Any]:
    return {
        "sessionId": session.session_id,
        "keyId": session.key_id,
        "instance": instance,
        "state": session.state,
        "stage": session.stage,
        "clientId": session.client_id,
        "foundryUrl": session.foundry_url,
        "username": session.username,
        "worldName": session.world_name,
        "startedAt": session.started_at,
        "lastActivity": session.last_activity,
        "droppedAt": session.dropped_at,
    }


def session_of(data: dict[str, Any]) -> Session:
    """Another instance's session, as it wrote it (for listing)."""
    session = Session(
        session_id=data["sessionId"],
        key_id=data["keyId"],
        foundry_url=data["foundryUrl"],
        username=data["username"],
        world_name=data.get("worldName"),
        started_at=float(data["startedAt"]),
    )
    session.state = data["state"]
    session.stage = data["stage"]
    session.client_id = data.get("clientId")
    session.last_activity = float(data.get("lastActivity") or session.started_at)
    session.dropped_at = data.get("droppedAt")
    return session


class SharedSessions:
    """This instance's sessions in Redis, and the other instances' as Redis has them."""

    def __init__(self, state: RelayState, redis: aioredis.Redis, scripts: Scripts) -> None:
        self.state = state
        self.redis = redis
        self.scripts = scripts
        self.me = state.instance_id
        self._dirty: dict[str, Session] = {}
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._flusher = asyncio.create_task(self._flush_loop(), name="shared-sessions")

    async def close(self) -> None:
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._flush(), 2)
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher

    # -- slots ------------------------------------------------------------------------------------

    async def reserve(self, session: Session, *, check_caps: bool = True) -> None:
        """Take a slot counted by every instance; ``SESSION_LIMIT`` past a cap."""
        s = self.state.settings
        keys = [sessions_key(session.key_id), SESSIONS, where_key(session.session_id)]
        args: list[str | bytes | int] = [
            session.session_id,
            orjson.dumps(session_json(session, self.me)),
            s.max_headless_sessions,
            s.max_total_headless_sessions,
            f"{self.me}|{session.key_id}",
            "1" if check_caps else "0",
            self.me,
        ]
        try:
            refused = int(await self.scripts.reserve(keys=keys, args=args))
        except RedisError as exc:
            raise unavailable(exc) from exc
        if refused == 1:
            raise LimitExceeded(
                f"this API key already has {s.max_headless_sessions} headless session(s) on"
                " this relay's instances; end one first",
                code="SESSION_LIMIT",
                limit=s.max_headless_sessions,
            )
        if refused == 2:
            raise LimitExceeded(
                f"the relay is at its limit of {s.max_total_headless_sessions} headless"
                " sessions (all instances)",
                code="SESSION_LIMIT",
                limit=s.max_total_headless_sessions,
            )

    def changed(self, session: Session) -> None:
        self._dirty[session.session_id] = session
        self._wake.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
            except RedisError:
                log.debug("session updates wait for Redis", exc_info=True)
                await asyncio.sleep(0.5)
                self._wake.set()

    async def _flush(self) -> None:
        """Write the latest state of every changed session, in order (one writer)."""
        ttl_ms = int(self.state.settings.diagnostics_ttl_seconds * 1000) or 1
        while self._dirty:
            session_id, session = next(iter(self._dirty.items()))
            keys = [sessions_key(session.key_id), SESSIONS, where_key(session_id)]
            ended = "1" if session.slot_released else "0"
            args: list[str | bytes | int] = [
                session_id,
                orjson.dumps(session_json(session, self.me)),
                ended,
                ttl_ms,
            ]
            await self.scripts.update(keys=keys, args=args)
            if self._dirty.get(session_id) is session:
                del self._dirty[session_id]

    async def rewrite(self, sessions: list[Session]) -> None:
        """After Redis lost its data: this instance's live sessions again (no cap check: they
        run already)."""
        for session in sessions:
            if not session.is_final:
                await self.reserve(session, check_caps=False)

    def refresh(self, sessions: list[Session]) -> None:
        """Last activity moves without a state change: written with the heartbeat."""
        for session in sessions:
            if session.state == "active":
                self._dirty.setdefault(session.session_id, session)
        if self._dirty:
            self._wake.set()

    # -- other instances' sessions -------------------------------------------------------------

    async def of_others(self, key_id: str) -> list[Session]:
        try:
            held = await self.redis.hgetall(sessions_key(key_id))
        except RedisError as exc:
            raise unavailable(exc) from exc
        sessions = []
        for value in held.values():
            data = orjson.loads(value)
            if data.get("instance") != self.me:
                sessions.append(session_of(data))
        return sessions

    async def where(self, session_id: str) -> str | None:
        """The instance that runs (or ran, while its log is kept) a session."""
        try:
            name = await self.redis.get(where_key(session_id))
        except RedisError as exc:
            raise unavailable(exc) from exc
        return text(name) if name is not None else None

    async def alive_instances(self) -> list[str]:
        try:
            names = [text(n) for n in await self.redis.smembers(INSTANCES)]
            if not names:
                return []
            beats = await self.redis.mget([alive_key(n) for n in names])
        except RedisError as exc:
            raise unavailable(exc) from exc
        return [n for n, beat in zip(names, beats, strict=True) if beat is not None]

    # -- handshakes: the instance with the private key serves the start ------------------------

    async def handshake_made(self, hs: Handshake) -> None:
        ttl_ms = max(1, int((hs.expires_at - time.time()) * 1000))
        try:
            await self.redis.set(handshake_key(hs.token), self.me, px=ttl_ms)
        except RedisError as exc:
            raise unavailable(exc) from exc

    async def handshake_owner(self, token: str) -> str | None:
        try:
            name = await self.redis.get(handshake_key(token))
        except RedisError as exc:
            raise unavailable(exc) from exc
        return text(name) if name is not None else None

    # -- rate limits counted by every instance ------------------------------------------------

    async def hit_rate(
        self, limiter: RateLimiter, what: str, ident: str, limit: int | None = None
    ) -> None:
        """:meth:`RateLimiter.hit` with the bucket in Redis; ``limit``: this one's own."""
        limit = limiter.limit if limit is None else limit
        if limit <= 0:
            return
        window_ms = int(limiter.window * 1000)
        now_ms = int(time.time() * 1000)
        try:
            args = [now_ms, window_ms, limit]
            wait_ms = int(await self.scripts.rate(keys=[rate_key(what, ident)], args=args))
        except RedisError as exc:
            raise unavailable(exc) from exc
        if wait_ms > 0:
            raise limiter.refusal(limit, wait_ms / 1000)
