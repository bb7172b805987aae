"""The simulated game world: the documents the ``/game`` page's simulated module answers from.

Plain data, generated per world with stable ids (``Actor.<id>`` …): actors with items, effects,
D&D 5e attributes and ownership by user; folders; macros; scenes with tokens and the other
canvas documents; one encounter; chat messages; playlists; journal entries; a small file tree
with a PNG; the system's status effects. The page keeps it in memory and changes it there.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from .world import SimUser, SimWorld, stable_id


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid one-colour PNG (the map backgrounds of the simulated world)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG_BASE64 = base64.b64encode(png(4, 3, (59, 47, 47))).decode("ascii")
OWNER, OBSERVER, LIMITED, NONE = 3, 2, 1, 0
STATUS_EFFECTS = [
    {"id": status, "name": status.capitalize(), "img": f"icons/svg/{status}.svg"}
    for status in ("dead", "unconscious", "prone", "poisoned", "blind", "stunned", "invisible")
]
ABILITIES = ("str", "dex", "con", "int", "wis", "cha")
SKILLS = {"ath": "str", "acr": "dex", "ste": "dex", "arc": "int", "per": "wis", "prc": "wis"}


def _dnd5e(level: int, hp: int, scores: tuple[int, ...], *, xp: int = 0) -> dict[str, Any]:
    abilities = {
        a: {"value": v, "mod": (v - 10) // 2, "proficient": 0}
        for a, v in zip(ABILITIES, scores, strict=True)
    }
    return {
        "abilities": abilities,
        "skills": {
            s: {"ability": a, "value": 0, "total": abilities[a]["mod"]} for s, a in SKILLS.items()
        },
        "attributes": {
            "hp": {"value": hp, "max": hp, "temp": 0},
            "ac": {"value": 10 + abilities["dex"]["mod"]},
            "death": {"success": 0, "failure": 0},
            "concentration": {"effect": None},
            "hd": {"value": level, "max": level, "denomination": "d10"},
        },
        "details": {"level": level, "xp": {"value": xp}},
        "currency": {"pp": 0, "gp": 15, "ep": 0, "sp": 30, "cp": 12},
    }


class _Ids:
    def __init__(self, world: SimWorld) -> None:
        self.world = world

    def doc(self, kind: str, name: str, parent: str = "", **extra: Any) -> dict[str, Any]:
        _id = stable_id(self.world.id, parent, kind, name)
        uuid = f"{parent}.{kind}.{_id}" if parent else f"{kind}.{_id}"
        return {"_id": _id, "id": _id, "name": name, "uuid": uuid, "documentType": kind, **extra}


def _items(ids: _Ids, actor_uuid: str, specs: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    return [
        ids.doc("Item", name, actor_uuid, type=kind, system=system) for name, kind, system in specs
    ]


def world_data(world: SimWorld, users: list[SimUser]) -> dict[str, Any]:
    """The game world of ``world``; ``users`` own the player characters."""
    ids = _Ids(world)
    players = [u for u in users if not u.is_gm]
    first = players[0].id if players else ""
    second = players[1].id if len(players) > 1 else ""

    def owned(user_id: str, default: int = NONE) -> dict[str, int]:
        return {"default": default, **({user_id: OWNER} if user_id else {})}

    heroes = ids.doc("Folder", "Heroes", type="Actor", folder=None, sorting="a")
    monsters = ids.doc("Folder", "Monsters", type="Actor", folder=None, sorting="a")
    gear = ids.doc("Folder", "Gear", type="Item", folder=None, sorting="a")
    lore = ids.doc("Folder", "Lore", type="JournalEntry", folder=None, sorting="a")
    folders = [heroes, monsters, gear, lore]

    def actor(
        name: str,
        kind: str,
        folder: dict[str, Any],
        ownership: dict[str, int],
        system: dict[str, Any],
        items: list[tuple[str, str, dict[str, Any]]],
    ) -> dict[str, Any]:
        doc = ids.doc(
            "Actor",
            name,
            type=kind,
            folder=folder["_id"],
            ownership=ownership,
            system=system,
            effects=[],
            img=f"icons/{kind}.webp",
        )
        doc["items"] = _items(ids, doc["uuid"], items)
        return doc

    sword = (
        "Longsword",
        "weapon",
        {
            "damage": {"parts": [["1d8", "slashing"]]},
            "equipped": True,
            "attuned": False,
            "quantity": 1,
        },
    )
    actors = [
        actor(
            "Aria Brightblade",
            "character",
            heroes,
            owned(first, LIMITED),
            _dnd5e(4, 31, (16, 12, 14, 10, 13, 8), xp=2700),
            [
                sword,
                (
                    "Potion of Healing",
                    "consumable",
                    {"formula": "2d4+2", "quantity": 2, "uses": {"value": 1, "max": 1}},
                ),
                (
                    "Second Wind",
                    "feat",
                    {"activation": {"type": "bonus"}, "uses": {"value": 1, "max": 1}},
                ),
                ("Shield", "spell", {"level": 1, "preparation": {"prepared": False}}),
            ],
        ),
        actor(
            "Borin Stonehelm",
            "character",
            heroes,
            owned(second, LIMITED),
            _dnd5e(4, 38, (15, 10, 16, 9, 14, 11), xp=2800),
            [
                (
                    "Warhammer",
                    "weapon",
                    {
                        "damage": {"parts": [["1d8", "bludgeoning"]]},
                        "equipped": False,
                        "attuned": False,
                        "quantity": 1,
                    },
                ),
                (
                    "Ring of Protection",
                    "equipment",
                    {"attuned": False, "equipped": True, "quantity": 1},
                ),
            ],
        ),
        actor(
            "Goblin Scout",
            "npc",
            monsters,
            owned(""),
            _dnd5e(1, 7, (8, 14, 10, 10, 8, 8)),
            [
                (
                    "Goblin Dagger",
                    "weapon",
                    {"damage": {"parts": [["1d4", "piercing"]]}, "equipped": True, "quantity": 1},
                ),
            ],
        ),
        actor(
            "Young Red Dragon",
            "npc",
            monsters,
            owned(""),
            _dnd5e(10, 178, (23, 10, 21, 14, 11, 19)),
            [],
        ),
    ]
    items = [
        ids.doc(
            "Item",
            name,
            type=kind,
            folder=gear["_id"],
            system=system,
            ownership={"default": OBSERVER},
        )
        for name, kind, system in (
            ("Longsword", "weapon", {"damage": {"parts": [["1d8", "slashing"]]}, "quantity": 1}),
            ("Potion of Healing", "consumable", {"formula": "2d4+2", "quantity": 1}),
            (
                "Goblin Dagger",
                "weapon",
                {"damage": {"parts": [["1d4", "piercing"]]}, "quantity": 1},
            ),
        )
    ]
    gm = next((u for u in users if u.is_gm), None)
    author = gm.id if gm else ""
    macros = [
        ids.doc(
            "Macro",
            "Roll Initiative",
            type="script",
            command="return 1 + 1;",
            author=author,
            ownership={"default": OBSERVER},
        ),
        ids.doc(
            "Macro",
            "Greet",
            type="script",
            command="return 'hello ' + (args.name||'')",
            author=author,
            ownership={"default": OBSERVER},
        ),
    ]
    journal = [
        ids.doc(
            "JournalEntry",
            "Session Notes",
            folder=lore["_id"],
            ownership={"default": OBSERVER},
            pages=[],
        ),
        ids.doc(
            "JournalEntry", "GM Secrets", folder=lore["_id"], ownership={"default": NONE}, pages=[]
        ),
    ]
    tavern = ids.doc(
        "Scene",
        "The Prancing Pony",
        active=True,
        navigation=True,
        img="maps/tavern.png",
        width=2000,
        height=1500,
        grid={"size": 100},
        ownership={"default": OBSERVER},
    )
    road = ids.doc(
        "Scene",
        "The Old Road",
        active=False,
        navigation=True,
        img=None,
        width=3000,
        height=2000,
        grid={"size": 100},
        ownership={"default": NONE},
    )

    def token(scene: dict[str, Any], a: dict[str, Any], x: int, y: int) -> dict[str, Any]:
        return ids.doc(
            "Token",
            a["name"],
            scene["uuid"],
            actorId=a["_id"],
            actorUuid=a["uuid"],
            x=x,
            y=y,
            elevation=0,
            hidden=False,
        )

    tavern["tokens"] = [
        token(tavern, actors[0], 500, 500),
        token(tavern, actors[1], 600, 500),
        token(tavern, actors[2], 1000, 700),
    ]
    tavern["tiles"] = [
        ids.doc(
            "Tile",
            "Bar Counter",
            tavern["uuid"],
            x=200,
            y=200,
            width=400,
            height=100,
            texture={"src": "maps/bar.png"},
        )
    ]
    tavern["drawings"] = []
    tavern["walls"] = [ids.doc("Wall", "North Wall", tavern["uuid"], c=[0, 0, 2000, 0])]
    tavern["lights"] = [
        ids.doc(
            "AmbientLight", "Hearth", tavern["uuid"], x=900, y=300, config={"dim": 30, "bright": 15}
        )
    ]
    tavern["sounds"] = []
    tavern["notes"] = []
    tavern["templates"] = []
    road["tokens"], road["tiles"], road["drawings"], road["walls"] = [], [], [], []
    road["lights"], road["sounds"], road["notes"], road["templates"] = [], [], [], []
    combat = ids.doc(
        "Combat", "Tavern Brawl", scene=tavern["_id"], round=0, turn=0, started=False, active=True
    )
    combat["combatants"] = [
        ids.doc(
            "Combatant",
            t["name"],
            combat["uuid"],
            tokenId=t["_id"],
            tokenUuid=t["uuid"],
            actorId=t["actorId"],
            actorUuid=t["actorUuid"],
            initiative=None,
            defeated=False,
        )
        for t in tavern["tokens"][::2]
    ]
    messages = [
        ids.doc(
            "ChatMessage",
            "welcome",
            content="Welcome to the Prancing Pony!",
            speaker={"alias": "Gamemaster"},
            author=author,
            whisper=[],
            timestamp=1764417600000,
            type="ooc",
        ),
        ids.doc(
            "ChatMessage",
            "secret",
            content="The goblin carries a map.",
            speaker={"alias": "Gamemaster"},
            author=author,
            whisper=[author],
            timestamp=1764417660000,
            type="whisper",
        ),
    ]
    playlists = [
        ids.doc(
            "Playlist", "Tavern Ambience", playing=False, mode=0, ownership={"default": OBSERVER}
        )
    ]
    playlists[0]["sounds"] = [
        ids.doc(
            "PlaylistSound",
            name,
            playlists[0]["uuid"],
            path=path,
            playing=False,
            volume=0.5,
            repeat=True,
        )
        for name, path in (("Crowd Murmur", "sounds/crowd.ogg"), ("Lute Song", "sounds/lute.ogg"))
    ]
    files = {
        "maps/tavern.png": {"mimeType": "image/png", "base64": PNG_BASE64},
        "maps/bar.png": {"mimeType": "image/png", "base64": PNG_BASE64},
        "notes/readme.txt": {
            "mimeType": "text/plain",
            "base64": base64.b64encode(b"Welcome, adventurer.\n").decode(),
        },
        "sounds/crowd.ogg": {"mimeType": "audio/ogg", "base64": ""},
        "sounds/lute.ogg": {"mimeType": "audio/ogg", "base64": ""},
    }
    return {
        "actors": actors,
        "items": items,
        "folders": folders,
        "macros": macros,
        "journal": journal,
        "scenes": [tavern, road],
        "combats": [combat],
        "messages": messages,
        "playlists": playlists,
        "tables": [],
        "cards": [],
        "files": files,
        "statusEffects": STATUS_EFFECTS,
        "png": PNG_BASE64,
    }
