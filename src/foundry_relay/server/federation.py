"""Several relay instances as one, sharing Redis (``REDIS_URL``, SPEC 11).

Each instance holds its own module sockets and runs its own headless sessions. Redis is the
authority on who holds a clientId (atomic claims) and keeps every session that holds a slot
(:mod:`foundry_relay.server.shared_sessions`); each instance keeps a replica of the others'
clients, fed by ``up``/``down`` notices, so the hub routes a request for another instance's client
over the :class:`~foundry_relay.server.redis_link.RedisLink` with the same timeouts and errors. A
heartbeat with expiry says who is alive: the first instance to see one expire reaps its clients
and sessions and tells the others. After Redis comes back, each instance writes its own state
again. Routes and core see only the client registry and :class:`RemoteClient` connections.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..core.clients import ClientEntry
from ..core.events import BY_FRAME
from ..errors import RelayError
from .directory import DirectoryMember, DirectoryRegistry, RemoteClient, error_from, error_json
from .peers import PeerGone
from .redis_link import RedisLink, unavailable
from .redis_state import (
    CLIENTS,
    INSTANCES,
    SESSIONS,
    Scripts,
    alive_key,
    autostart_key,
    text,
)
from .shared_sessions import SharedSessions

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)

BEAT = 1.0  # heartbeat period, seconds
DEAD_AFTER_MS = 3000  # a heartbeat older than this: the instance is gone
TOUCH_EVERY = 1.0
CONTROL_TIMEOUT = 10.0


class Federation(DirectoryMember):
    """This instance's part among the instances sharing one Redis."""

    def __init__(self, state: RelayState, redis_url: str) -> None:
        super().__init__(state, state.instance_id)
        self.redis = aioredis.from_url(
            redis_url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10
        )
        # The subscriber waits for messages without a read timeout.
        self._listener = aioredis.from_url(redis_url, socket_connect_timeout=2)
        self.registry = DirectoryRegistry(authoritative=False)
        self.scripts = Scripts(self.redis)
        self.link = RedisLink(
            self.redis, self.me, self._handle, on_reconnect=self.resync, subscriber=self._listener
        )
        self.sessions = SharedSessions(state, self.redis, self.scripts)
        self.redis_ok = False
        self._touched: dict[str, float] = {}
        self._beat_task: asyncio.Task[None] | None = None
        self._joined = False

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self._beat()
            await self.link.start()
            await self._snapshot()
        except (RedisError, OSError, TimeoutError) as exc:
            raise RuntimeError(f"Redis at REDIS_URL is not reachable: {exc}") from exc
        self._joined = True
        self.sessions.start()
        self._beat_task = asyncio.create_task(self._beat_loop(), name="redis-heartbeat")
        log.info("instance %s joined the relays sharing Redis", self.me)

    async def close(self) -> None:
        """Leave: our clients and sessions are already gone (shutdown ran); the others hear it
        now rather than after our heartbeat expires."""
        if self._beat_task is not None:
            self._beat_task.cancel()
        await self.sessions.close()
        with contextlib.suppress(RedisError, OSError):
            await self.redis.delete(alive_key(self.me))
            reaped = await self.scripts.reap(keys=[INSTANCES, CLIENTS, SESSIONS], args=[self.me])
            if reaped:
                await self.link.broadcast({"op": "gone", "instance": self.me})
        await self.link.close()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.redis.aclose()
            await self._listener.aclose()

    async def ping(self) -> None:
        """For the health check: raises when Redis does not answer."""
        try:
            await self.redis.ping()
        except RedisError as exc:
            raise unavailable(exc) from exc

    # -- heartbeats and reaping ---------------------------------------------------------------

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(BEAT)
            try:
                await self._beat()
                if not self.redis_ok:
                    log.info("Redis reachable")
                self.redis_ok = True
            except (RedisError, OSError) as exc:
                if self.redis_ok:
                    log.warning("Redis unreachable (%s)", type(exc).__name__)
                self.redis_ok = False
            except Exception:
                log.exception("heartbeat failed")

    async def _beat(self) -> None:
        was = await self.redis.set(alive_key(self.me), b"1", px=DEAD_AFTER_MS, get=True)
        await self.redis.sadd(INSTANCES, self.me)
        if was is None and self._joined:
            # Our heartbeat had expired (Redis lost its data, or we stalled and were reaped):
            # what we hold must be written again.
            log.warning("this instance's state was gone from Redis; writing it again")
            await self.resync()
        names = [text(n) for n in await self.redis.smembers(INSTANCES) if text(n) != self.me]
        if names:
            beats = await self.redis.mget([alive_key(n) for n in names])
            for name, beat in zip(names, beats, strict=True):
                if beat is None:
                    await self._reap(name)
        self.redis_ok = True
        headless = self.state.headless
        if headless is not None:
            self.sessions.refresh(headless.sessions.all())

    async def _reap(self, name: str) -> None:
        reaped = await self.scripts.reap(keys=[INSTANCES, CLIENTS, SESSIONS], args=[name])
        if not reaped:
            return  # alive after all, or another instance reaped it first
        clients, sessions = (orjson.loads(part) for part in reaped)
        log.warning(
            "instance %s stopped answering: %d client(s) and %d session(s) marked gone",
            name,
            len(clients),
            len(sessions),
        )
        store = self.state.store
        lost = []
        for session_id in sessions:
            await store.off_loop(
                store.record_session_state,
                session_id,
                "ended",
                reason="relay-shutdown",
                ended_at=time.time(),
            )
            record = await store.off_loop(store.get_session_record, session_id)
            if record is not None and record.client_id is not None:
                lost.append((record.key_id, record.client_id))
        await self.link.broadcast({"op": "gone", "instance": name})
        self._instance_lost(name)
        always_on = self.state.headless.always_on if self.state.headless else None
        for key_id, client_id in lost:  # the dead instance's keep-alive is taken over here
            if always_on is not None:
                always_on.world_lost(key_id, client_id, "instance-lost")

    def _instance_lost(self, name: str) -> None:
        self.link.peer_lost(name)
        self.state.events.forget_worker(name)
        for entry in list(self.registry.remote.values()):
            conn = entry.connection
            if isinstance(conn, RemoteClient) and conn.worker == name:
                self.hub.unregister(entry)
                self.state.events.client_gone(entry)

    async def resync(self) -> None:
        """Write this instance's clients and sessions again, and reload the others'."""
        try:
            for entry in self.registry.local.all():
                if await self._claim(entry):
                    await self.link.broadcast({"op": "up", **self.entry_json(entry)})
            headless = self.state.headless
            if headless is not None:
                await self.sessions.rewrite(headless.sessions.all())
            await self._snapshot()
        except (RelayError, RedisError, OSError):
            log.warning("resynchronising with Redis failed; the heartbeat tries again")

    async def _snapshot(self) -> None:
        """The others' clients as Redis has them (those of live instances)."""
        held = await self.redis.hgetall(CLIENTS)
        alive = set(await self.sessions.alive_instances())
        seen = set()
        for value in held.values():
            data = orjson.loads(value)
            if data.get("worker") == self.me or data.get("worker") not in alive:
                continue
            seen.add(data["client"])
            current = self.registry.remote.get(data["client"])
            if current is None or getattr(current.connection, "link_id", None) != data["link"]:
                entry = self.add_remote(data)
                self.hub.announce(entry)
                self.state.events.client_connected(entry)
        for client_id in [c for c in self.registry.remote if c not in seen]:
            entry = self.registry.remote[client_id]
            self.hub.unregister(entry)
            self.state.events.client_gone(entry)

    # -- what the hub reports about its own sockets --------------------------------------------

    async def _claim(self, entry: ClientEntry) -> bool:
        data = self.entry_json(entry)
        try:
            ok, old = await self.scripts.claim(
                keys=[CLIENTS], args=[entry.client_id, orjson.dumps(data), entry.key_id]
            )
        except RedisError as exc:
            raise unavailable(exc) from exc
        if not int(ok):
            log.warning("client %s refused: clientId held by another API key", entry.client_id)
            return False
        if old:
            previous = orjson.loads(old)
            if previous["worker"] != self.me:
                log.info(
                    "client %s reconnected here; instance %s drops its old socket",
                    entry.client_id,
                    previous["worker"],
                )
                drop = {"op": "drop", "link": previous["link"], "reason": "replaced"}
                self._spawn(self.link.tell(previous["worker"], drop))
        self.registry.remote.pop(entry.client_id, None)
        return True

    async def claim(self, entry: ClientEntry) -> bool:
        """May this socket hold its clientId? Redis decides (RelayError without Redis)."""
        return await self._claim(entry)

    def ready(self, entry: ClientEntry) -> None:
        self._spawn(self.link.broadcast({"op": "up", **self.entry_json(entry)}))

    def gone(self, entry: ClientEntry) -> None:
        self._spawn(self._gone(entry, self.entry_json(entry)["link"]))

    async def _gone(self, entry: ClientEntry, link: str) -> None:
        with contextlib.suppress(RedisError):
            await self.scripts.release(keys=[CLIENTS], args=[entry.client_id, link])
        message = {
            "op": "down",
            "client": entry.client_id,
            "link": link,
            "session": entry.session_id,
        }
        await self.link.broadcast(message)

    def touched(self, entry: ClientEntry) -> None:
        """Activity of a session's client held here while another instance runs the session."""
        headless = self.state.headless
        if entry.session_id is None or (headless is not None and entry.session_id in headless.live):
            return
        now = time.monotonic()
        if now - self._touched.get(entry.client_id, 0.0) >= TOUCH_EVERY:
            self._touched[entry.client_id] = now
            message = {"op": "touch", "client": entry.client_id, "session": entry.session_id}
            self._spawn(self.link.broadcast(message))

    # -- always-on worlds: one instance starts each --------------------------------------------

    async def start_world(self, key_id: str, client_id: str | None) -> str | None:
        wait = self.state.settings.auto_start_wait
        lock = autostart_key(key_id, client_id)
        try:
            won = await self.redis.set(lock, self.me, nx=True, px=int((wait + 30) * 1000))
        except RedisError as exc:
            raise unavailable(exc) from exc
        if won:
            try:
                return await self._local_start(key_id, client_id)
            finally:
                with contextlib.suppress(RedisError):
                    await self.redis.delete(lock)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:  # another instance starts it: wait to see it
            found = self.registry.for_key(key_id)
            for entry in found:
                if client_id is None or entry.client_id == client_id:
                    return entry.client_id
            await asyncio.sleep(0.1)
        raise RelayError(
            "the world is being started by another relay instance", code="WORLD_STARTING"
        )

    # -- events (SPEC 14): the instance holding the module adds up every instance's listeners ----

    def counts_listeners(self, client_id: str) -> bool:
        entry = self.registry.get(client_id)
        return entry is None or not isinstance(entry.connection, RemoteClient)

    def listeners(self, client_id: str, channel: str, on: bool) -> None:
        entry = self.registry.get(client_id)
        if entry is not None and isinstance(entry.connection, RemoteClient):
            message = {"op": "listeners", "client": client_id, "channel": channel, "on": on}
            self._spawn(self.link.tell(entry.connection.worker, message))

    def listening_here(self, client_id: str, channels: set[str]) -> None:
        """A client came up on another instance: it hears which channels we listen to."""
        for channel in sorted(channels):
            self.listeners(client_id, channel, True)

    def event(self, entry: ClientEntry, frame: dict[str, Any]) -> None:
        channel = BY_FRAME.get(str(frame.get("type")))
        if channel is None:
            return
        message = {"op": "event", "client": entry.client_id, "frame": frame}
        for name in self.state.events.listening_workers(entry.client_id, channel.name):
            self._spawn(self.link.tell(name, message))

    # -- session requests passed to the instance running the session ----------------------------

    async def pass_session(
        self, instance: str, op: str, key_id: str, timeout: float, **payload: Any
    ) -> dict[str, Any]:
        message = {"op": op, "key": key_id, **payload}
        try:
            answer = await self.link.request(instance, message, timeout)
        except PeerGone as exc:
            raise RelayError(
                f"the relay instance holding this session went away ({exc})",
                code="SESSION_NOT_FOUND",
            ) from exc
        if answer.get("error") is not None:
            raise error_from(answer["error"])
        return dict(answer)

    async def _session_op(self, op: str, message: dict[str, Any]) -> dict[str, Any]:
        from .session_routes import log_json, start_request

        headless = self.state.headless
        if headless is None:
            raise RelayError("headless sessions are disabled", code="HEADLESS_DISABLED")
        key_id, session_id = str(message["key"]), str(message.get("session"))
        if op == "start":
            start = start_request(message["body"], headless.settings.capture_browser_console)
            sid, cid = await headless.start_session(key_id, start)
            return {"sessionId": sid, "clientId": cid}
        if op == "end":
            await headless.end(key_id, session_id)
            return {}
        if op == "log":
            return {"log": log_json(headless.owned(key_id, session_id))}
        png = await headless.screenshot(key_id, session_id)
        return {"png": base64.b64encode(png).decode()}

    # -- messages from peers ------------------------------------------------------------------

    async def _handle(self, sender: str, message: dict[str, Any]) -> dict[str, Any] | None:
        op = message.get("op")
        if op == "forward":
            return await self.forward_here(message)
        if op in ("start", "end", "log", "screenshot"):
            try:
                return await self._session_op(op, message)
            except RelayError as exc:
                return {"error": error_json(exc)}
        if op == "send":
            await self.send_here(message["link"], message["frame"])
        elif op == "drop":
            await self.drop_here(message["link"], str(message.get("reason", "replaced")))
        elif op == "event":
            entry = self.registry.get(str(message.get("client")))
            if entry is not None and isinstance(message.get("frame"), dict):
                self.state.events.publish(entry, message["frame"])
        elif op == "listeners":
            self.state.events.remote_switch(
                sender, str(message["client"]), str(message["channel"]), bool(message["on"])
            )
        elif op == "up":
            entry = self.add_remote(message)
            self.hub.announce(entry)
            self.state.events.client_connected(entry)
        elif op == "down":
            self._remote_down(message)
        elif op == "touch":
            self._touch_here(message)
        elif op == "gone":
            self._instance_lost(str(message.get("instance")))
        return None

    def _remote_down(self, message: dict[str, Any]) -> None:
        entry = self.registry.remote_by_link(message["link"])
        if entry is not None:
            self.hub.unregister(entry)
            self.state.events.client_gone(entry)
            if message.get("session"):
                self.mark_grace(str(message["client"]))

    def _touch_here(self, message: dict[str, Any]) -> None:
        headless = self.state.headless
        live = headless.live.get(str(message.get("session"))) if headless else None
        if headless is not None and live is not None:
            entry = self.registry.get(str(message.get("client")))
            if entry is not None:
                headless.client_touched(entry)
