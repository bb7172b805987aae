"""Client registry: which module sockets are connected, under which API key.

Pure data structure behind a small interface (SPEC section 11: a Redis-backed registry can replace
the in-process one). The connection object is opaque here; the WebSocket layer owns it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

METADATA_FIELDS = (
    "worldId",
    "worldTitle",
    "foundryVersion",
    "systemId",
    "systemTitle",
    "systemVersion",
    "customName",
)


@dataclass
class ClientEntry:
    client_id: str
    key_id: str
    connection: object
    instance_id: str
    metadata: dict[str, str | None] = field(default_factory=dict)
    public_url: str | None = None
    token_id: str | None = None
    session_id: str | None = None
    connected_since: float = field(default_factory=time.time)
    last_seen: float = field(default_factory=time.time)
    players: list[Any] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "clientId": self.client_id,
            "instanceId": self.instance_id,
            "lastSeen": int(self.last_seen * 1000),
            "connectedSince": int(self.connected_since * 1000),
        }
        for name in METADATA_FIELDS:
            out[name] = self.metadata.get(name)
        out["publicUrl"] = self.public_url
        out["isOnline"] = True
        if self.session_id is not None:
            out["sessionId"] = self.session_id
        return out


def known_client_json(known: Any) -> dict[str, Any]:
    """A known client that is not connected, in the shape of :meth:`ClientEntry.as_json`."""
    metadata = dict(known.metadata or {})
    if known.world_id and not metadata.get("worldId"):
        metadata["worldId"] = known.world_id
    if known.world_title and not metadata.get("worldTitle"):
        metadata["worldTitle"] = known.world_title
    out: dict[str, Any] = {
        "clientId": known.client_id,
        "instanceId": None,
        "lastSeen": int(known.last_seen * 1000),
        "connectedSince": None,
    }
    for name in METADATA_FIELDS:
        out[name] = metadata.get(name)
    if getattr(known, "custom_name", None):
        out["customName"] = known.custom_name
    out["publicUrl"] = known.server_origin
    out["isOnline"] = False
    return out


RegisterOutcome = Literal["registered", "replaced", "taken"]


class ClientRegistry(Protocol):
    def register(self, entry: ClientEntry) -> tuple[RegisterOutcome, ClientEntry | None]: ...

    def unregister(self, client_id: str, connection: object) -> ClientEntry | None: ...

    def get(self, client_id: str) -> ClientEntry | None: ...

    def for_key(self, key_id: str) -> list[ClientEntry]: ...

    def all(self) -> list[ClientEntry]: ...


class InProcessClientRegistry:
    """Clients held by this process."""

    def __init__(self) -> None:
        self._clients: dict[str, ClientEntry] = {}

    def register(self, entry: ClientEntry) -> tuple[RegisterOutcome, ClientEntry | None]:
        """Register ``entry``. The same clientId under another key is refused ("taken"); under
        the same key the old entry is returned so its socket can be closed ("replaced")."""
        old = self._clients.get(entry.client_id)
        if old is not None and old.key_id != entry.key_id:
            return "taken", old
        self._clients[entry.client_id] = entry
        return ("replaced", old) if old is not None else ("registered", None)

    def unregister(self, client_id: str, connection: object) -> ClientEntry | None:
        """Remove the entry only if it still belongs to ``connection`` (a replaced socket closing
        late must not remove its successor)."""
        entry = self._clients.get(client_id)
        if entry is None or entry.connection is not connection:
            return None
        del self._clients[client_id]
        return entry

    def get(self, client_id: str) -> ClientEntry | None:
        return self._clients.get(client_id)

    def for_key(self, key_id: str) -> list[ClientEntry]:
        return [c for c in self._clients.values() if c.key_id == key_id]

    def all(self) -> list[ClientEntry]:
        return list(self._clients.values())
