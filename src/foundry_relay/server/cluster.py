"""Several worker processes as one relay (``serve --workers N``, SPEC 11 within one machine).

Every worker accepts HTTP and module sockets on the shared port. A module socket stays with the
worker that accepted it; the **primary** (worker 0) keeps the directory of every worker's clients
and decides who may hold a clientId, the others keep a copy. A forwarded request for a client
held elsewhere goes over the :class:`~foundry_relay.server.peers.PeerLink` to its worker, which
forwards it as its own (same timeouts, same errors). Sessions, handshakes, pairing and the
browser live in the primary; the other workers pass those requests to it
(:mod:`foundry_relay.server.front`). The hub sees all of this through the client registry
interface and :class:`RemoteClient` connections: routes and core are unchanged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.clients import ClientEntry
from ..core.events import BY_FRAME
from ..errors import RelayError
from .directory import (
    DirectoryMember,
    DirectoryRegistry,
    RemoteClient,
    error_from,
    error_json,
    link_id,
)
from .peers import PeerGone, PeerLink

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)

CONTROL_TIMEOUT = 10.0  # a claim or snapshot from the primary
TOUCH_EVERY = 1.0  # activity of a session's client reported to the primary at most this often


@dataclass(frozen=True)
class ClusterSpec:
    """Where a worker sits in the cluster."""

    index: int
    count: int
    run_dir: Path
    name: str = "relay"  # the relay's instance id; each worker's is ``<name>-w<index>``

    @property
    def primary(self) -> bool:
        return self.index == 0


class Cluster(DirectoryMember):
    """One worker's part in the cluster: the directory messages and remote forwarding."""

    def __init__(self, state: RelayState, spec: ClusterSpec) -> None:
        super().__init__(state, spec.index)
        self.spec = spec
        self.registry = DirectoryRegistry(authoritative=spec.primary)
        self.link = PeerLink(
            index=spec.index,
            count=spec.count,
            run_dir=spec.run_dir,
            handler=self._handle,
            on_peer_lost=self._peer_lost,
        )
        self._touched: dict[str, float] = {}
        self._leaving: set[int] = set()  # workers that said goodbye

    async def start(self) -> None:
        await self.link.start()
        if not self.spec.primary:
            answer = await self.link.request(0, {"op": "snapshot"}, CONTROL_TIMEOUT)
            for data in answer.get("clients", []):
                self.add_remote(data)

    async def close(self) -> None:
        """Leave the cluster: the peers hear it first (no alarm about a lost worker)."""
        await self.link.broadcast({"op": "bye"})
        await self.link.close()

    # -- what the hub reports about its own sockets ---------------------------------------------

    async def claim(self, entry: ClientEntry) -> bool:
        """May this worker's new socket hold its clientId? The primary decides (it has just
        registered it in its authoritative registry when it is the primary itself)."""
        if self.spec.primary:
            return True
        try:
            answer = await self.link.request(
                0, {"op": "claim", **self.entry_json(entry)}, CONTROL_TIMEOUT
            )
        except (PeerGone, TimeoutError):
            log.warning("client %s refused: the primary worker is not reachable", entry.client_id)
            return False
        return bool(answer.get("ok"))

    def ready(self, entry: ClientEntry) -> None:
        """This worker's socket got auth-success: the others may route to it."""
        message = {"op": "up", **self.entry_json(entry)}
        if self.spec.primary:
            self._spawn(self.link.broadcast(message))
        else:
            self._spawn(self.link.tell(0, message))

    def gone(self, entry: ClientEntry) -> None:
        """This worker's socket closed."""
        message: dict[str, Any] = {
            "op": "down",
            "client": entry.client_id,
            "link": link_id(self.spec.index, entry),
        }
        if self.spec.primary:
            message["grace"] = self._in_grace(entry)
            self._spawn(self.link.broadcast(message))
        else:
            self._spawn(self.link.tell(0, message))

    def touched(self, entry: ClientEntry) -> None:
        """Activity of a client of this worker, for the primary's session timers (throttled)."""
        if self.spec.primary or entry.session_id is None:
            return
        now = time.monotonic()
        if now - self._touched.get(entry.client_id, 0.0) >= TOUCH_EVERY:
            self._touched[entry.client_id] = now
            self._spawn(self.link.tell(0, {"op": "touch", "client": entry.client_id}))

    def _in_grace(self, entry: ClientEntry) -> bool:
        hooks = self.hub.hooks
        return hooks is not None and hooks.gone_session_client(entry.key_id, entry.client_id)

    # -- always-on worlds (SPEC 16): the primary starts them ---------------------------------------

    async def start_world(self, key_id: str, client_id: str | None) -> str | None:
        """Start an offline always-on world (the primary runs the browser); its clientId, or
        None."""
        if self.spec.primary:
            return await self._local_start(key_id, client_id)
        timeout = self.state.settings.auto_start_wait + 5
        message = {"op": "start-world", "key": key_id, "client": client_id}
        try:
            answer = await self.link.request(0, message, timeout)
        except (PeerGone, TimeoutError):
            return None
        if answer.get("error") is not None:
            raise error_from(answer["error"])
        started = answer.get("client")
        return started if isinstance(started, str) else None

    async def _start_world_here(self, message: dict[str, Any]) -> dict[str, Any]:
        try:
            client = await self._local_start(str(message["key"]), message.get("client"))
        except RelayError as exc:
            return {"error": error_json(exc)}
        return {"client": client}

    # -- events (SPEC 14) across workers ----------------------------------------------------------

    def listeners(self, client_id: str, channel: str, on: bool) -> None:
        """This worker's listeners of a client's channel came or went: the primary adds them up
        for the module."""
        message = {"op": "listeners", "client": client_id, "channel": channel, "on": on}
        self._spawn(self.link.tell(0, message))

    def listening_here(self, client_id: str, channels: set[str]) -> None:
        """(Not the primary) a client connected: the primary already has our listeners."""

    def counts_listeners(self, client_id: str) -> bool:
        """Does this worker add up the listeners of ``client_id`` for its module? The primary
        does, for every client."""
        return self.spec.primary

    def event(self, entry: ClientEntry, frame: dict[str, Any], skip: int = -1) -> None:
        """A module event this worker published to its own listeners: the other workers'
        listeners get it through the primary, which knows who has any."""
        message = {"op": "event", "client": entry.client_id, "frame": frame}
        if not self.spec.primary:
            self._spawn(self.link.tell(0, message))
            return
        channel = BY_FRAME.get(str(frame.get("type")))
        if channel is None:
            return
        for worker in self.state.events.listening_workers(entry.client_id, channel.name):
            if worker != skip:
                self._spawn(self.link.tell(worker, message))

    def _event_here(self, sender: int, message: dict[str, Any]) -> None:
        entry = self.registry.get(str(message.get("client")))
        frame = message.get("frame")
        if entry is None or not isinstance(frame, dict):
            return
        self.state.events.publish(entry, frame)
        if self.spec.primary:
            self.event(entry, frame, skip=sender)

    # -- messages from peers ----------------------------------------------------------------------

    async def _handle(self, sender: int, message: dict[str, Any]) -> dict[str, Any] | None:
        op = message.get("op")
        if op == "forward":
            return await self.forward_here(message)
        if op == "bye":
            self._leaving.add(sender)
        elif op == "send":
            await self.send_here(message["link"], message["frame"])
        elif op == "event":
            self._event_here(sender, message)
        if op == "drop":
            await self.drop_here(message["link"], str(message.get("reason", "replaced")))
        elif self.spec.primary:
            return await self._primary_op(sender, op, message)
        elif op == "up":
            self.state.events.client_connected(self.add_remote(message))
        elif op == "down":
            self._remote_down(message)
        return None

    async def _primary_op(
        self, sender: int, op: Any, message: dict[str, Any]
    ) -> dict[str, Any] | None:
        if op == "snapshot":
            return {"clients": [self.entry_json(e) for e in self.registry.all()]}
        if op == "start-world":
            return await self._start_world_here(message)
        if op == "claim":
            return {"ok": await self._claim_for(sender, message)}
        if op == "up":
            entry = self.registry.remote_by_link(message["link"])
            if entry is not None:
                self.hub.announce(entry)
                self.state.events.client_connected(entry)
                await self.link.broadcast(message, skip=(sender,))
        elif op == "down":
            entry = self.registry.remote_by_link(message["link"])
            if entry is not None:
                self.hub.unregister(entry)
                self.state.events.client_gone(entry)
                await self.link.broadcast({**message, "grace": self._in_grace(entry)})
        elif op == "listeners":
            self.state.events.remote_switch(
                sender, str(message["client"]), str(message["channel"]), bool(message["on"])
            )
        elif op == "touch":
            entry = self.registry.get(str(message.get("client")))
            if entry is not None:
                entry.last_seen = time.time()
                if self.hub.hooks is not None:
                    self.hub.hooks.client_touched(entry)
        return None

    async def _claim_for(self, sender: int, data: dict[str, Any]) -> bool:
        old = self.registry.get(data["client"])
        if old is not None and old.key_id != data["key"]:
            log.warning("client %s refused: clientId held by another API key", data["client"])
            return False
        if old is not None:
            log.info(
                "client %s reconnected on worker %d; replacing its old socket",
                old.client_id,
                sender,
            )
            self.hub.unregister(old)
            close = getattr(old.connection, "close", None)
            if close is not None:
                await close("replaced")
        self.add_remote(data)
        return True

    def _remote_down(self, message: dict[str, Any]) -> None:
        entry = self.registry.remote_by_link(message["link"])
        if entry is not None:
            del self.registry.remote[entry.client_id]
            self.state.events.client_gone(entry)
        if message.get("grace"):
            self.mark_grace(str(message["client"]))

    def _peer_lost(self, worker: int) -> None:
        """A worker's link closed (it stopped or died): its clients are gone."""
        lost = [
            e
            for e in self.registry.remote.values()
            if isinstance(e.connection, RemoteClient) and e.connection.worker == worker
        ]
        if worker in self._leaving:
            self._leaving.discard(worker)
            log.info("worker %d left", worker)
        elif lost:
            log.warning("worker %d went away with %d client(s)", worker, len(lost))
        if self.spec.primary:
            self.state.events.forget_worker(worker)
        for entry in lost:
            if self.spec.primary:
                self.hub.unregister(entry)
                link = entry.connection.link_id  # type: ignore[attr-defined]
                down = {"op": "down", "client": entry.client_id, "link": link}
                self._spawn(self.link.broadcast(down))
            else:
                self.registry.remote.pop(entry.client_id, None)
            self.state.events.client_gone(entry)
