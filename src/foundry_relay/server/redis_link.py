"""The link between relay instances that share Redis (SPEC 11): every instance subscribes to its
own channel and to one for all, and sends its peers JSON messages by ``PUBLISH``. A message with
``rid`` expects an answer carrying ``re`` = that id on the sender's channel; one without is a
notice; ``cancel`` withdraws a request whose caller went away. A publish that no instance
receives means the peer is gone. The link knows nothing of what it carries
(:mod:`foundry_relay.server.federation`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ..errors import RelayError
from .peers import PeerGone

log = logging.getLogger(__name__)

PREFIX = "fr:"
ALL = PREFIX + "to-all"
Handler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any] | None]]


def inbox(name: str) -> str:
    return f"{PREFIX}to:{name}"


def unavailable(exc: BaseException) -> RelayError:
    """What a caller hears when Redis cannot be reached."""
    return RelayError(f"the relay's Redis is unreachable ({type(exc).__name__})", code="REDIS_DOWN")


class RedisLink:
    """This instance's messages to and from its peers over Redis pub/sub."""

    def __init__(
        self,
        redis: aioredis.Redis,
        name: str,
        handler: Handler,
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
        subscriber: aioredis.Redis | None = None,
    ) -> None:
        self.redis = redis  # publishes
        self.subscriber = subscriber or redis  # without a read timeout: it waits for messages
        self.name = name
        self.handler = handler
        self.on_reconnect = on_reconnect
        self.up = asyncio.Event()  # subscribed and listening
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._serving: dict[tuple[str, int], asyncio.Task[Any]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._listen(), name="redis-link")
        async with asyncio.timeout(10):
            await self.up.wait()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for task in list(self._serving.values()) + list(self._tasks):
            task.cancel()
        self._fail_waiting(PeerGone("the link closed"))

    # -- sending --------------------------------------------------------------------------------

    async def _publish(self, channel: str, message: dict[str, Any]) -> int:
        try:
            return int(await self.redis.publish(channel, orjson.dumps(message)))
        except RedisError as exc:
            raise unavailable(exc) from exc

    async def tell(self, peer: str, message: dict[str, Any]) -> None:
        """A notice; lost quietly when the peer is gone (it is then no one's business)."""
        with contextlib.suppress(RelayError):
            await self._publish(inbox(peer), {**message, "from": self.name})

    async def broadcast(self, message: dict[str, Any], skip: Iterable[str] = ()) -> None:
        """A notice to every other instance (``skip`` is ignored: each drops its own)."""
        with contextlib.suppress(RelayError):
            await self._publish(ALL, {**message, "from": self.name})

    async def request(self, peer: str, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send and wait for the answer: :class:`PeerGone` if no instance ``peer`` listens,
        :class:`TimeoutError` past ``timeout``, RelayError ``REDIS_DOWN`` without Redis. A
        cancelled caller withdraws the request at the peer."""
        rid = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = (peer, future)
        try:
            received = await self._publish(inbox(peer), {**message, "from": self.name, "rid": rid})
            if received == 0:
                raise PeerGone(f"instance {peer} is not listening")
            async with asyncio.timeout(timeout):
                return await future
        except asyncio.CancelledError:
            self._spawn(self.tell(peer, {"op": "cancel", "cancel": rid}))
            raise
        finally:
            self._waiting.pop(rid, None)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fail_waiting(self, error: BaseException, peer: str | None = None) -> None:
        for rid, (to, future) in list(self._waiting.items()):
            if peer is None or to == peer:
                if not future.done():
                    future.set_exception(error)
                del self._waiting[rid]

    def peer_lost(self, peer: str) -> None:
        """Requests waiting on an instance that died fail at once."""
        self._fail_waiting(PeerGone(f"instance {peer} went away"), peer)

    # -- receiving ------------------------------------------------------------------------------

    async def _listen(self) -> None:
        """Subscribe and dispatch; after Redis comes back, subscribe again and resync."""
        delay = 0.1
        first = True
        while True:
            pubsub = self.subscriber.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(inbox(self.name), ALL)
                self.up.set()
                delay = 0.1
                if not first and self.on_reconnect is not None:
                    log.info("Redis is back: resynchronising this instance's state")
                    self._spawn(self.on_reconnect())
                first = False
                while True:
                    item = await pubsub.get_message(timeout=None)
                    if item is not None:
                        self._dispatch(item["data"])
            except (RedisError, OSError) as exc:
                if self.up.is_set():
                    log.warning("lost the Redis connection (%s); retrying", type(exc).__name__)
                self.up.clear()
                # Answers may have been lost with the connection: callers hear it at once.
                self._fail_waiting(unavailable(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _dispatch(self, data: bytes | str) -> None:
        try:
            message = orjson.loads(data)
        except orjson.JSONDecodeError:
            log.warning("unreadable message on the Redis link")
            return
        if not isinstance(message, dict):
            return
        sender = str(message.get("from", ""))
        if sender == self.name:
            return  # our own broadcast
        if "re" in message:
            _, future = self._waiting.pop(int(message["re"]), ("", None))
            if future is not None and not future.done():
                future.set_result(message)
            return
        if message.get("op") == "cancel":
            task = self._serving.pop((sender, int(message.get("cancel", -1))), None)
            if task is not None:
                task.cancel()
            return
        rid = message.get("rid")
        task = asyncio.ensure_future(self._serve(sender, message))
        if rid is not None:
            self._serving[(sender, int(rid))] = task
        else:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, sender: str, message: dict[str, Any]) -> None:
        rid = message.get("rid")
        try:
            answer = await self.handler(sender, message)
        except asyncio.CancelledError:
            return
        except Exception:
            log.exception("peer message %r from %s failed", message.get("op"), sender)
            answer = {"error": {"code": "INTERNAL", "message": "the peer failed"}}
        finally:
            if rid is not None:
                self._serving.pop((sender, int(rid)), None)
        if rid is not None:
            with contextlib.suppress(RelayError):
                await self._publish(inbox(sender), {**(answer or {}), "re": rid, "from": self.name})
