"""The client directory of a cluster of workers (``serve --workers N``): each worker's own
sockets and those the others hold (:class:`DirectoryRegistry`, behind the client registry
interface), and the connection of a client another worker holds (:class:`RemoteClient`: what the
hub sends to it goes over the peer link). :mod:`foundry_relay.server.cluster` keeps them in step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.clients import ClientEntry, InProcessClientRegistry, RegisterOutcome
from ..core.forwarding import Route
from ..errors import STATUS, ForwardingError, RelayError
from .peers import PeerGone

if TYPE_CHECKING:
    from .cluster import Cluster


class RemoteClient:
    """The connection of a client another worker holds: the hub's sends go over the link."""

    def __init__(self, cluster: Cluster, worker: int, link_id: str) -> None:
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


def link_id(index: int, entry: ClientEntry) -> str:
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
