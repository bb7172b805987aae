"""The client directory shared by several processes: each one's own sockets and those the others
hold (:class:`DirectoryRegistry`, behind the client registry interface), the connection of a
client another process holds (:class:`RemoteClient`: what the hub sends to it goes over the
link), and what every member does for the others (:class:`DirectoryMember`). Two kinds of
members keep them in step: the workers of one relay (:mod:`foundry_relay.server.cluster`) and
relay instances sharing Redis (:mod:`foundry_relay.server.federation`)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from ..core.clients import ClientEntry, InProcessClientRegistry, RegisterOutcome
from ..core.forwarding import Route
from ..core.routes import ROUTES
from ..errors import STATUS, ForwardingError, RelayError
from .peers import PeerGone

if TYPE_CHECKING:
    from .hub import Hub
    from .state import RelayState

ROUTES_BY_KEY = {(r.method, r.path): r for r in ROUTES}


class RemoteClient:
    """The connection of a client another process holds: the hub's sends go over the link.
    ``worker`` names that process on the link (a worker's index, or an instance's name)."""

    def __init__(self, cluster: DirectoryMember, worker: Any, link_id: str) -> None:
        self.cluster = cluster
        self.worker = worker
        self.link_id = link_id
        self.closed = False

    async def close(self, reason_key: str) -> None:
        if not self.closed:
            self.closed = True
            await self.cluster.link.tell(
                self.worker, {"op": "drop", "link": self.link_id, "reason": reason_key}
            )

    async def forward(
        self, key_id: str, client_id: str, route: Route, params: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        message = {
            "op": "forward",
            "key": key_id,
            "client": client_id,
            "route": [route.method, route.path],
            "params": params,
            "timeout": timeout,
        }
        try:
            answer = await self.cluster.link.request(self.worker, message, timeout + 2)
        except PeerGone as exc:
            raise ForwardingError("the client's worker went away", code="CLIENT_GONE") from exc
        except TimeoutError as exc:
            raise RelayError(
                f"the client did not answer within {timeout:g} s", code="REQUEST_TIMEOUT"
            ) from exc
        error = answer.get("error")
        if error is not None:
            raise error_from(error)
        reply = answer.get("reply")
        return reply if isinstance(reply, dict) else {}


def error_json(exc: RelayError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "extra": exc.extra}


def error_from(data: dict[str, Any]) -> RelayError:
    code = data.get("code")
    return RelayError(
        str(data.get("message", "error")),
        code=code if code in STATUS else "INTERNAL",
        **(data.get("extra") or {}),
    )


def link_id(index: Any, entry: ClientEntry) -> str:
    """Names one socket of one worker (a reconnect under the same clientId is another)."""
    return f"{index}:{id(entry.connection):x}:{entry.connected_since!r}"


class DirectoryRegistry:
    """The client registry of a worker: its own sockets and those the others hold. The
    primary's copy is the authority on who holds a clientId; another worker's is a replica."""

    def __init__(self, *, authoritative: bool) -> None:
        self.authoritative = authoritative
        self.local = InProcessClientRegistry()
        self.remote: dict[str, ClientEntry] = {}

    def register(self, entry: ClientEntry) -> tuple[RegisterOutcome, ClientEntry | None]:
        old = self.remote.get(entry.client_id) if self.authoritative else None
        if old is not None:
            if old.key_id != entry.key_id:
                return "taken", old
            del self.remote[entry.client_id]
            self.local.register(entry)
            return "replaced", old
        return self.local.register(entry)

    def unregister(self, client_id: str, connection: object) -> ClientEntry | None:
        if isinstance(connection, RemoteClient):
            entry = self.remote.get(client_id)
            if entry is None or entry.connection is not connection:
                return None
            return self.remote.pop(client_id)
        return self.local.unregister(client_id, connection)

    def get(self, client_id: str) -> ClientEntry | None:
        return self.local.get(client_id) or self.remote.get(client_id)

    def for_key(self, key_id: str) -> list[ClientEntry]:
        mine = self.local.for_key(key_id)
        held = {e.client_id for e in mine}
        others = [e for e in self.remote.values() if e.key_id == key_id]
        return mine + [e for e in others if e.client_id not in held]

    def all(self) -> list[ClientEntry]:
        held = {e.client_id for e in self.local.all()}
        return self.local.all() + [e for e in self.remote.values() if e.client_id not in held]

    def remote_by_link(self, link: str) -> ClientEntry | None:
        for entry in self.remote.values():
            if isinstance(entry.connection, RemoteClient) and entry.connection.link_id == link:
                return entry
        return None


class DirectoryMember:
    """What every member of a shared directory does: entries on the wire, the replica of the
    others' clients, and the requests a peer makes of the sockets this process holds."""

    link: Any  # request(peer, message, timeout), tell(peer, message), broadcast(message)
    registry: DirectoryRegistry

    def __init__(self, state: RelayState, me: Any) -> None:
        self.state = state
        self.me = me  # this process's name on the link
        self._grace: dict[str, float] = {}  # dropped session clients: clientId -> since
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def hub(self) -> Hub:
        return self.state.hub

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def send_frame(self, entry: ClientEntry, frame: dict[str, Any]) -> None:
        """A frame for a module whose socket another process holds."""
        conn = entry.connection
        if isinstance(conn, RemoteClient):
            message = {"op": "send", "link": conn.link_id, "frame": frame}
            self._spawn(self.link.tell(conn.worker, message))

    async def _local_start(self, key_id: str, client_id: str | None) -> str | None:
        headless = self.state.headless
        if headless is None or headless.always_on is None:
            return None
        return await headless.always_on.ensure_online(key_id, client_id)

    def entry_json(self, entry: ClientEntry) -> dict[str, Any]:
        conn = entry.connection
        if isinstance(conn, RemoteClient):
            worker, link = conn.worker, conn.link_id
        else:
            worker, link = self.me, link_id(self.me, entry)
        return {
            "client": entry.client_id,
            "key": entry.key_id,
            "worker": worker,
            "link": link,
            "instance": entry.instance_id,
            "metadata": entry.metadata,
            "publicUrl": entry.public_url,
            "token": entry.token_id,
            "session": entry.session_id,
            "since": entry.connected_since,
            "seen": entry.last_seen,
        }

    def peer_of(self, data: dict[str, Any]) -> Any:
        return data["worker"]

    def add_remote(self, data: dict[str, Any]) -> ClientEntry:
        entry = ClientEntry(
            client_id=data["client"],
            key_id=data["key"],
            connection=RemoteClient(self, self.peer_of(data), data["link"]),
            instance_id=data["instance"],
            metadata=data.get("metadata") or {},
            public_url=data.get("publicUrl"),
            token_id=data.get("token"),
            session_id=data.get("session"),
            connected_since=float(data["since"]),
            last_seen=float(data.get("seen") or data["since"]),
        )
        self.registry.remote[entry.client_id] = entry
        self._grace.pop(entry.client_id, None)
        return entry

    def in_grace(self, key_id: str, client_id: str) -> bool:
        """This process's view of "this session's client dropped and may come back" (SPEC 4.2)."""
        since = self._grace.get(client_id)
        if since is None:
            return False
        if time.monotonic() - since > self.state.settings.client_grace_seconds:
            del self._grace[client_id]
            return False
        return True

    def mark_grace(self, client_id: str) -> None:
        self._grace[client_id] = time.monotonic()

    def own_entry(self, link: str) -> ClientEntry | None:
        for entry in self.registry.local.all():
            if link_id(self.me, entry) == link:
                return entry
        return None

    async def send_here(self, link: str, frame: dict[str, Any]) -> None:
        entry = self.own_entry(link)
        send = getattr(entry.connection, "send", None) if entry is not None else None
        if send is not None:
            with contextlib.suppress(RelayError):
                await send(frame)

    async def drop_here(self, link: str, reason: str) -> None:
        entry = self.own_entry(link)
        if entry is not None:
            conn = entry.connection
            self.hub.unregister(entry)
            close = getattr(conn, "close", None)
            if close is not None:
                await close(reason)

    async def forward_here(self, message: dict[str, Any]) -> dict[str, Any]:
        """A peer's forwarded request for a socket of this process: forwarded as our own."""
        route = ROUTES_BY_KEY.get(tuple(message.get("route") or ()))
        if route is None:
            return {"error": error_json(RelayError("unknown route", code="BAD_REQUEST"))}
        try:
            reply = await self.hub.forward(
                key_id=str(message["key"]),
                client_id=str(message["client"]),
                route=route,
                params=message.get("params") or {},
                timeout=float(message["timeout"]),
                local_only=True,
            )
        except RelayError as exc:
            return {"error": error_json(exc)}
        return {"reply": reply}
