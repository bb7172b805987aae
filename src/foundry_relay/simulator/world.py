"""The simulator's configuration and server-side state: worlds, users, logins, faults.

The in-memory game world (actors, items, folders, macros) is generated here as plain data and
handed to the ``/game`` page, whose simulated module answers the relay's requests from it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

GM_ROLE = 4


def stable_id(*parts: str, length: int = 16) -> str:
    """A Foundry-style alphanumeric id, stable for the same inputs."""
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    number = int(digest, 16)
    out = []
    for _ in range(length):
        number, rem = divmod(number, len(alphabet))
        out.append(alphabet[rem])
    return "".join(out)


@dataclass
class SimUser:
    name: str
    password: str
    role: int
    id: str = ""

    @property
    def is_gm(self) -> bool:
        return self.role >= GM_ROLE


@dataclass
class SimWorld:
    id: str
    title: str
    system: str = "dnd5e"
    system_title: str = ""
    system_version: str = "4.3.0"

    def __post_init__(self) -> None:
        if not self.system_title:
            self.system_title = {
                "dnd5e": "Dungeons & Dragons Fifth Edition",
                "pf2e": "Pathfinder Second Edition",
            }.get(self.system, self.system.upper())


@dataclass
class Faults:
    """Failures on demand. All off by default."""

    slow_pages: float = 0.0  # seconds added to every page response
    launch_never_completes: bool = False
    module_never_connects: bool = False
    module_drop_after: float = 0.0  # seconds after auth-success, 0 = never
    module_reconnect: bool = True  # after such a drop
    game_throws: bool = False  # /game throws before ready
    reply_delay: float = 0.0  # seconds the module waits before answering a request

    def as_json(self) -> dict[str, Any]:
        return {
            "moduleNeverConnects": self.module_never_connects,
            "moduleDropAfter": self.module_drop_after,
            "moduleReconnect": self.module_reconnect,
            "gameThrows": self.game_throws,
            "replyDelay": self.reply_delay,
        }


@dataclass
class SimConfig:
    worlds: list[SimWorld] = field(default_factory=lambda: [SimWorld("test-world", "Test World")])
    users: list[SimUser] = field(
        default_factory=lambda: [
            SimUser("Gamemaster", "gm-password", GM_ROLE),
            SimUser("Player", "", 1),
        ]
    )
    admin_password: str | None = None
    active_world: str | None = "test-world"
    foundry_version: int = 13
    launch_delay: float = 0.5
    relay_url: str | None = None
    relay_token: str | None = None
    client_id: str | None = None
    # Real Foundry has one module clientId per world; load tests with many GMs in one world
    # need one per user so each session is its own client.
    client_id_per_user: bool = False
    faults: Faults = field(default_factory=Faults)

    @property
    def version_string(self) -> str:
        return {12: "12.331", 13: "13.345", 14: "14.350"}.get(
            self.foundry_version, f"{self.foundry_version}.0"
        )


def client_id_for(world_id: str, configured: str | None = None, user_id: str | None = None) -> str:
    """The module's clientId: stable per world (or per world and user), ``fvtt_`` + 16 hex."""
    if configured:
        return configured
    seed = "client/" + world_id + (f"/{user_id}" if user_id else "")
    return "fvtt_" + hashlib.sha256(seed.encode()).hexdigest()[:16]


def world_data(world: SimWorld) -> dict[str, Any]:
    """A small game world with uuids, folders and macros."""

    def doc(kind: str, name: str, **extra: Any) -> dict[str, Any]:
        _id = stable_id(world.id, kind, name)
        return {
            "_id": _id,
            "id": _id,
            "name": name,
            "uuid": f"{kind}.{_id}",
            "documentType": kind,
            **extra,
        }

    heroes = doc("Folder", "Heroes", type="Actor", folder=None)
    monsters = doc("Folder", "Monsters", type="Actor", folder=None)
    gear = doc("Folder", "Gear", type="Item", folder=None)
    actors = [
        doc(
            "Actor",
            "Aria Brightblade",
            type="character",
            folder=heroes["_id"],
            system={"attributes": {"hp": {"value": 31, "max": 31}}, "details": {"level": 4}},
        ),
        doc(
            "Actor",
            "Borin Stonehelm",
            type="character",
            folder=heroes["_id"],
            system={"attributes": {"hp": {"value": 38, "max": 38}}, "details": {"level": 4}},
        ),
        doc(
            "Actor",
            "Goblin Scout",
            type="npc",
            folder=monsters["_id"],
            system={"attributes": {"hp": {"value": 7, "max": 7}}, "details": {"cr": 0.25}},
        ),
        doc(
            "Actor",
            "Young Red Dragon",
            type="npc",
            folder=monsters["_id"],
            system={"attributes": {"hp": {"value": 178, "max": 178}}, "details": {"cr": 10}},
        ),
    ]
    items = [
        doc(
            "Item",
            "Longsword",
            type="weapon",
            folder=gear["_id"],
            system={"damage": {"parts": [["1d8", "slashing"]]}},
        ),
        doc(
            "Item",
            "Potion of Healing",
            type="consumable",
            folder=gear["_id"],
            system={"formula": "2d4+2"},
        ),
        doc(
            "Item",
            "Goblin Dagger",
            type="weapon",
            folder=gear["_id"],
            system={"damage": {"parts": [["1d4", "piercing"]]}},
        ),
    ]
    macros = [
        doc("Macro", "Roll Initiative", type="script", command="return 1 + 1;"),
        doc("Macro", "Greet", type="script", command="return 'hello ' + (args.name||'')"),
    ]
    return {"actors": actors, "items": items, "folders": [heroes, monsters, gear], "macros": macros}


class SimState:
    """Mutable server state: active world, admin sessions, logins, open game sockets."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        for user in config.users:
            if not user.id:
                user.id = stable_id("user", user.name)
        self.active_world: str | None = config.active_world
        self.launching: str | None = None
        self.admin_sessions: set[str] = set()
        self.logins: dict[str, str] = {}  # session cookie -> user id
        self.open_pages: dict[str, int] = {}  # user id -> open game sockets

    @staticmethod
    def new_session() -> str:
        return secrets.token_hex(12)

    def world(self, world_id: str | None) -> SimWorld | None:
        return next((w for w in self.config.worlds if w.id == world_id), None)

    def user_by_id(self, user_id: str) -> SimUser | None:
        return next((u for u in self.config.users if u.id == user_id), None)

    def user_by_name(self, name: str) -> SimUser | None:
        folded = name.casefold()
        return next((u for u in self.config.users if u.name.casefold() == folded), None)

    def user_active(self, user_id: str) -> bool:
        return self.open_pages.get(user_id, 0) > 0
