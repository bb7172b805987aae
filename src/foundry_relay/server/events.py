"""Event subscribers (SPEC 14): who listens to which channel of which client, the module told
when a channel's listeners come and go, and each module event fanned out to the listeners it
passes. Every subscriber has a bounded queue: one that falls behind is dropped with an error,
never slowing the module's socket or the others."""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any

import orjson

from ..core.clients import ClientEntry
from ..core.events import CHANNELS, Channel, Event, Filters, event_of, passes
from ..errors import RelayError
from .hub import Connection

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)


class Subscriber:
    """One SSE stream or one /ws/api subscription. ``items`` are what its writer sends: SSE
    bytes or WebSocket frames, encoded once per event for every subscriber of its kind."""

    def __init__(
        self,
        *,
        key_id: str,
        client_id: str,
        channel: Channel,
        filters: Filters,
        sse: bool,
        limit: int,
    ) -> None:
        self.key_id = key_id
        self.client_id = client_id
        self.channel = channel
        self.filters = filters
        self.sse = sse
        self.limit = limit
        self.items: collections.deque[Any] = collections.deque()
        self.wake = asyncio.Event()
        self.ended: RelayError | None = None

    def offer(self, item: Any) -> bool:
        if self.ended is not None:
            return False
        if len(self.items) >= self.limit:
            self.end(
                RelayError(
                    f"this subscriber fell {self.limit} events behind and was dropped",
                    code="SUBSCRIBER_TOO_SLOW",
                )
            )
            return False
        self.items.append(item)
        self.wake.set()
        return True

    def end(self, error: RelayError) -> None:
        if self.ended is None:
            self.ended = error
            self.wake.set()

    def take(self) -> list[Any]:
        items = list(self.items)
        self.items.clear()
        self.wake.clear()
        return items


class EventHub:
    """The subscribers of this process, by client and channel."""

    def __init__(self, state: RelayState) -> None:
        self.state = state
        self._subs: dict[str, dict[str, set[Subscriber]]] = {}
        self._per_key: collections.Counter[str] = collections.Counter()
        self._gone: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # In a cluster, the primary's view of the other workers' listeners: (client, channel)
        # -> the workers that have some. The module hears the sum of every worker's.
        self._remote_on: dict[tuple[str, str], set[Any]] = {}

    # -- subscribers ----------------------------------------------------------------------------

    def subscribe(
        self, key_id: str, client_id: str, channel: Channel, filters: Filters, *, sse: bool
    ) -> Subscriber:
        settings = self.state.settings
        per_client = sum(len(s) for s in self._subs.get(client_id, {}).values())
        client_cap, key_cap = settings.max_subscribers_per_client, settings.max_subscribers_per_key
        if client_cap and per_client >= client_cap:
            raise RelayError(
                f"this client has {per_client} subscribers, the most allowed",
                code="SUBSCRIBER_LIMIT",
                limit=client_cap,
            )
        if key_cap and self._per_key[key_id] >= key_cap:
            raise RelayError(
                f"this API key has {self._per_key[key_id]} subscribers, the most allowed",
                code="SUBSCRIBER_LIMIT",
                limit=key_cap,
            )
        sub = Subscriber(
            key_id=key_id,
            client_id=client_id,
            channel=channel,
            filters=filters,
            sse=sse,
            limit=settings.event_queue_size,
        )
        listeners = self._subs.setdefault(client_id, {}).setdefault(channel.name, set())
        listeners.add(sub)
        self._per_key[key_id] += 1
        if len(listeners) == 1:
            self._local_switch(client_id, channel.name, True)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        channels = self._subs.get(sub.client_id)
        if channels is None:
            return
        listeners = channels.get(sub.channel.name)
        if listeners is None or sub not in listeners:
            return
        listeners.discard(sub)
        self._per_key[sub.key_id] -= 1
        if self._per_key[sub.key_id] <= 0:
            del self._per_key[sub.key_id]
        if not listeners:
            del channels[sub.channel.name]
            if not channels:
                del self._subs[sub.client_id]
            self._local_switch(sub.client_id, sub.channel.name, False)

    def counts(self, client_id: str) -> dict[str, int]:
        return {name: len(subs) for name, subs in self._subs.get(client_id, {}).items()}

    @property
    def total(self) -> int:
        return sum(self._per_key.values())

    # -- the module ----------------------------------------------------------------------------

    def _count(self, client_id: str, channel: str) -> int:
        """Listeners of every worker (other workers count one each)."""
        local = len(self._subs.get(client_id, {}).get(channel, ()))
        return local + len(self._remote_on.get((client_id, channel), ()))

    def _local_switch(self, client_id: str, channel: str, on: bool) -> None:
        """This worker's listeners of a channel came (on) or went (off)."""
        cluster = self.state.hub.cluster
        if cluster is not None and not cluster.counts_listeners(client_id):
            cluster.listeners(client_id, channel, on)  # the one that adds them up decides
            return
        others = bool(self._remote_on.get((client_id, channel)))
        if not others:  # otherwise the module's switch does not change
            self._tell_module(client_id, channel, self._count(client_id, channel))

    def remote_switch(self, worker: Any, client_id: str, channel: str, on: bool) -> None:
        """(The primary) another worker's listeners of a channel came or went."""
        before = self._count(client_id, channel)
        workers = self._remote_on.setdefault((client_id, channel), set())
        if on:
            workers.add(worker)
        else:
            workers.discard(worker)
            if not workers:
                del self._remote_on[(client_id, channel)]
        after = self._count(client_id, channel)
        if (before == 0) != (after == 0):
            self._tell_module(client_id, channel, after)

    def forget_worker(self, worker: Any) -> None:
        """(The primary) a worker went away with its listeners."""
        for client_id, channel in [k for k, v in self._remote_on.items() if worker in v]:
            self.remote_switch(worker, client_id, channel, False)

    def listening_workers(self, client_id: str, channel: str) -> set[Any]:
        return set(self._remote_on.get((client_id, channel), ()))

    def _tell_module(self, client_id: str, channel: str, count: int) -> None:
        """``event-subscription-update`` when a channel's listeners come (count) or go (0)."""
        entry = self.state.hub.registry.get(client_id)
        if entry is None:
            return  # it is told the current counts when it connects
        frame = {"type": "event-subscription-update", "channel": channel, "count": count}
        if isinstance(entry.connection, Connection):
            self._spawn(self._send(entry.connection, frame))
        elif self.state.hub.cluster is not None:
            self.state.hub.cluster.send_frame(entry, frame)

    async def _send(self, conn: Connection, frame: dict[str, Any]) -> None:
        try:
            await conn.send(frame)
        except RelayError:
            log.debug("client %s: subscription update not sent", conn.client_id)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def client_connected(self, entry: ClientEntry) -> None:
        """A module (re)connected: its listeners stay, and it hears which channels have any."""
        timer = self._gone.pop(entry.client_id, None)
        if timer is not None:
            timer.cancel()
        cluster = self.state.hub.cluster
        if cluster is not None and not cluster.counts_listeners(entry.client_id):
            # the one that adds them up tells the module, with everyone's listeners
            cluster.listening_here(entry.client_id, set(self.counts(entry.client_id)))
            return
        remote = {ch for (cid, ch) in self._remote_on if cid == entry.client_id}
        for channel in sorted(set(self.counts(entry.client_id)) | remote):
            count = self._count(entry.client_id, channel)
            if count:
                self._tell_module(entry.client_id, channel, count)

    def client_gone(self, entry: ClientEntry) -> None:
        """A module's socket closed: its listeners wait the grace period for it to come back,
        then end with an error."""
        if entry.client_id not in self._subs or entry.client_id in self._gone:
            return
        grace = self.state.settings.client_grace_seconds
        loop = asyncio.get_running_loop()
        self._gone[entry.client_id] = loop.call_later(grace, self._end_client, entry.client_id)

    def _end_client(self, client_id: str) -> None:
        self._gone.pop(client_id, None)
        if self.state.hub.registry.get(client_id) is not None:
            return
        error = RelayError("the client disconnected", code="CLIENT_GONE")
        for subs in list(self._subs.get(client_id, {}).values()):
            for sub in list(subs):
                sub.end(error)
                self.unsubscribe(sub)

    def close(self) -> None:
        for timer in self._gone.values():
            timer.cancel()
        self._gone.clear()
        error = RelayError("the relay is shutting down", code="SHUTTING_DOWN")
        for channels in list(self._subs.values()):
            for subs in list(channels.values()):
                for sub in list(subs):
                    sub.end(error)
                    self.unsubscribe(sub)

    # -- fan-out ---------------------------------------------------------------------------------

    def publish(self, entry: ClientEntry, frame: dict[str, Any]) -> int:
        """Hand one module event frame to every listener it passes; how many got it."""
        listeners = self._subs.get(entry.client_id)
        if not listeners:
            return 0
        event = event_of(frame)
        if event is None:
            return 0
        subs = listeners.get(event.channel.name)
        if not subs:
            return 0
        sse_item: bytes | None = None
        ws_item: str | None = None
        delivered = 0
        for sub in list(subs):
            # A clientId can change hands between keys after a disconnect: the key must match.
            if sub.key_id != entry.key_id or not passes(sub.filters, event):
                continue
            if sub.sse:
                if sse_item is None:
                    sse_item = sse_event(event.name, event.data)
                ok = sub.offer(sse_item)
            else:
                if ws_item is None:
                    ws_item = orjson.dumps(event_frame(event, entry.client_id)).decode()
                ok = sub.offer(ws_item)
            if ok:
                delivered += 1
            else:
                log.info("subscriber of %s %s dropped: too slow", entry.client_id, sub.channel.name)
                self.unsubscribe(sub)
        return delivered


def sse_event(name: str, data: Any) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def event_frame(event: Event, client_id: str) -> dict[str, Any]:
    frame = event.ws_frame()
    frame["clientId"] = client_id
    return frame


__all__ = ["CHANNELS", "EventHub", "Subscriber", "sse_event"]
