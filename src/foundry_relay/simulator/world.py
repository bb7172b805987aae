"""The simulator's configuration and server-side state: worlds, users, logins, faults.

The in-memory game world (actors, items, folders, macros) is generated here as plain data and
handed to the ``/game`` page, whose simulated module answers the relay's requests from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

GM_ROLE = 4
MODULE_ID = "foundry-rest-api"
# The real module's default relay URL (its connection dialog's DEFAULT_RELAY_URL).
DEFAULT_RELAY_URL = "wss://foundryrestapi.com"
# The module's world-scope settings: stored by the server in the world's database, never in
# localStorage. (connectionToken is client scope: each browser keeps its own in localStorage.)
WORLD_SETTINGS: dict[str, Any] = {
    f"{MODULE_ID}.wsRelayUrl": DEFAULT_RELAY_URL,
    f"{MODULE_ID}.clientId": "",
    f"{MODULE_ID}.pairedRelayUrl": "",
    f"{MODULE_ID}.serverFingerprint": "",
}


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
    # The world's pairing at start-up: None = never paired (no clientId: the module stays
    # offline), else the relay URL it is paired with (wsRelayUrl = pairedRelayUrl = this).
    paired_with: str | None = None
    client_id: str | None = None  # the paired world's clientId (default: stable per world)
    # Real Foundry keeps the module's world settings once per world; load tests with many GMs
    # in one world keep them per user instead, so that each session is its own client.
    client_id_per_user: bool = False
    module_installed: bool = True  # foundry-rest-api installed and enabled in the world
    # The real module connects 1 s after the "ready" hook (module.ts).
    module_connect_delay: float = 1.0
    # How often the connection panel polls a browser pairing request (the module: 3 s).
    pair_poll_interval: float = 3.0
    # World settings survive page loads always, and simulator restarts with a data folder.
    data_dir: Path | None = None
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
        # settings scope (world id, or world id/user id) -> world-scope settings
        self.world_settings: dict[str, dict[str, Any]] = self._load_settings()
        if config.paired_with:
            for world in config.worlds:
                scopes = (
                    [f"{world.id}/{u.id}" for u in config.users]
                    if config.client_id_per_user
                    else [world.id]
                )
                for scope in scopes:
                    user_id = scope.split("/", 1)[1] if "/" in scope else None
                    self.world_settings.setdefault(scope, {}).update(
                        {
                            f"{MODULE_ID}.wsRelayUrl": config.paired_with,
                            f"{MODULE_ID}.pairedRelayUrl": config.paired_with,
                            f"{MODULE_ID}.clientId": client_id_for(
                                world.id, config.client_id, user_id
                            ),
                        }
                    )
            self._save_settings()

    # -- world settings ---------------------------------------------------------------------------

    def settings_scope(self, world_id: str, user_id: str) -> str:
        return f"{world_id}/{user_id}" if self.config.client_id_per_user else world_id

    def settings_for(self, world_id: str, user_id: str) -> dict[str, Any]:
        """The module's world settings as the page sees them (defaults filled in)."""
        stored = self.world_settings.get(self.settings_scope(world_id, user_id), {})
        return {**WORLD_SETTINGS, **stored}

    def set_setting(self, world_id: str, user_id: str, key: str, value: Any) -> None:
        scope = self.settings_scope(world_id, user_id)
        self.world_settings.setdefault(scope, {})[key] = value
        self._save_settings()

    def world_setting(self, world_id: str, key: str, user_id: str | None = None) -> Any:
        """One world setting (``key`` without the module prefix), for tests."""
        scope = f"{world_id}/{user_id}" if self.config.client_id_per_user and user_id else world_id
        full = f"{MODULE_ID}.{key}"
        return self.world_settings.get(scope, {}).get(full, WORLD_SETTINGS.get(full))

    def _settings_file(self) -> Path | None:
        d = self.config.data_dir
        return d / "world-settings.json" if d is not None else None

    def _load_settings(self) -> dict[str, dict[str, Any]]:
        path = self._settings_file()
        if path is None or not path.exists():
            return {}
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            log.warning("ignoring an unreadable %s", path)
            return {}
        return data if isinstance(data, dict) else {}

    def _save_settings(self) -> None:
        path = self._settings_file()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.world_settings, indent=1), "utf-8")
        tmp.replace(path)

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
