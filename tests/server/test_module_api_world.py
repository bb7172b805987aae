"""The whole module API end to end: a headless session on the simulator, then every forwarded
route of the table called through the relay with the parameters a client would send. Each
answers 200 with the module's shape; ``userId`` limits what a player sees and changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from foundry_relay.core.routes import ROUTES, ROUTES_BY_TYPE
from foundry_relay.simulator import RunningSimulator
from foundry_relay.simulator.gameworld import world_data

from ..conftest import RelayFactory
from .headless_helpers import headless_stack, start

Ctx = dict[str, Any]
Call = tuple[str, Callable[[Ctx], dict[str, Any]], Callable[[Any, Ctx], bool]]


def world_ids(sim: RunningSimulator) -> Ctx:
    config = sim.state.config
    world = world_data(config.worlds[0], config.users)
    by_name = {a["name"]: a for a in world["actors"]}
    tavern = world["scenes"][0]
    player = next(u for u in config.users if not u.is_gm)
    return {
        "aria": by_name["Aria Brightblade"],
        "borin": by_name["Borin Stonehelm"],
        "goblin": by_name["Goblin Scout"],
        "tavern": tavern,
        "road": world["scenes"][1],
        "tokens": tavern["tokens"],
        "combat": world["combats"][0],
        "messages": world["messages"],
        "playlist": world["playlists"][0],
        "macro": world["macros"][1],
        "folders": {f["name"]: f for f in world["folders"]},
        "player": player,
    }


def item(ctx: Ctx, actor: str, name: str) -> str:
    return next(i["uuid"] for i in ctx[actor]["items"] if i["name"] == name)


# (frame type, parameters from what is known so far, a check of the reply); in an order in
# which each call finds the world as it needs it. Every route of the table appears once.
CALLS: list[Call] = [
    (
        "entity",
        lambda c: {"uuid": c["aria"]["uuid"]},
        lambda r, c: r["data"]["name"] == "Aria Brightblade",
    ),
    (
        "search",
        lambda c: {"query": "goblin", "filter": "documentType:Actor"},
        lambda r, c: [x["name"] for x in r["results"]] == ["Goblin Scout"],
    ),
    (
        "structure",
        lambda c: {"types": "Actor"},
        lambda r, c: sorted(r["data"]["folders"]) == ["Heroes", "Monsters"],
    ),
    ("get-folder", lambda c: {"name": "Heroes"}, lambda r, c: len(r["data"]["contents"]) == 2),
    (
        "create-folder",
        lambda c: {"name": "Villains", "folderType": "Actor"},
        lambda r, c: c.setdefault("folder", r["data"]["id"]) and r["success"],
    ),
    ("delete-folder", lambda c: {"folderId": c["folder"]}, lambda r, c: r["success"]),
    (
        "create",
        lambda c: {"entityType": "JournalEntry", "data": {"name": "Rumours"}},
        lambda r, c: c.setdefault("journal", r["uuid"]).startswith("JournalEntry."),
    ),
    (
        "update",
        lambda c: {"uuid": c["journal"], "data": {"name": "Old Rumours"}},
        lambda r, c: [e["name"] for e in r["entity"]] == ["Old Rumours"],
    ),
    ("delete", lambda c: {"uuid": c["journal"]}, lambda r, c: r["success"] is True),
    (
        "increase",
        lambda c: {
            "uuid": c["goblin"]["uuid"],
            "attribute": "system.attributes.hp.value",
            "amount": 3,
        },
        lambda r, c: r["results"][0]["newValue"] == 10,
    ),
    (
        "decrease",
        lambda c: {
            "uuid": c["goblin"]["uuid"],
            "attribute": "system.attributes.hp.value",
            "amount": 5,
        },
        lambda r, c: r["results"][0]["newValue"] == 5,
    ),
    (
        "give",
        lambda c: {
            "fromUuid": c["aria"]["uuid"],
            "toUuid": c["borin"]["uuid"],
            "itemUuid": item(c, "aria", "Potion of Healing"),
            "quantity": 1,
        },
        lambda r, c: r["success"] and r["toUuid"] == c["borin"]["uuid"],
    ),
    (
        "remove",
        lambda c: {"actorUuid": c["borin"]["uuid"], "itemName": "Potion of Healing"},
        lambda r, c: r["success"],
    ),
    (
        "macros",
        lambda c: {},
        lambda r, c: all("command" in m and "author" in m for m in r["macros"]),
    ),
    (
        "macro-execute",
        lambda c: {"uuid": c["macro"]["uuid"], "args": {"name": "Ada"}},
        lambda r, c: r["result"] == "hello Ada",
    ),
    (
        "roll",
        lambda c: {"formula": "1d20+2", "createChatMessage": True},
        lambda r, c: 3 <= r["data"]["roll"]["total"] <= 22,
    ),
    ("rolls", lambda c: {"limit": 5}, lambda r, c: len(r["data"]) == 1),
    ("last-roll", lambda c: {}, lambda r, c: r["data"]["formula"] == "1d20+2"),
    ("chat-messages", lambda c: {"limit": 10}, lambda r, c: r["total"] == 3),
    (
        "chat-send",
        lambda c: {"content": "Hello table", "whisper": ["Player"]},
        lambda r, c: (
            c.setdefault("message", r["message"]["_id"])
            and r["message"]["whisper"] == [c["player"].id]
        ),
    ),
    ("chat-delete", lambda c: {"messageId": c["message"]}, lambda r, c: r["success"]),
    ("encounters", lambda c: {}, lambda r, c: r["encounters"][0]["name"] == "Tavern Brawl"),
    (
        "add-to-encounter",
        lambda c: {"uuids": [c["tokens"][1]["uuid"]]},
        lambda r, c: len(r["encounter"]["combatants"]) == 3,
    ),
    (
        "remove-from-encounter",
        lambda c: {"uuids": [c["tokens"][1]["uuid"]]},
        lambda r, c: len(r["encounter"]["combatants"]) == 2,
    ),
    (
        "next-turn",
        lambda c: {},
        lambda r, c: (r["encounter"]["round"], r["encounter"]["turn"]) == (1, 1),
    ),
    ("last-turn", lambda c: {}, lambda r, c: r["encounter"]["turn"] == 0),
    ("next-round", lambda c: {}, lambda r, c: r["encounter"]["round"] == 2),
    ("last-round", lambda c: {}, lambda r, c: r["encounter"]["round"] == 1),
    ("end-encounter", lambda c: {}, lambda r, c: r["success"]),
    (
        "start-encounter",
        lambda c: {"tokens": [t["uuid"] for t in c["tokens"]], "rollAll": True},
        lambda r, c: all(b["initiative"] for b in r["encounter"]["combatants"]),
    ),
    (
        "world-info",
        lambda c: {},
        lambda r, c: (
            r["data"]["world"]["id"] == "test-world"
            and r["data"]["system"]["id"] == "dnd5e"
            and r["data"]["activeScene"]["name"] == "The Prancing Pony"
            and {"foundryVersion", "modules", "users"} <= set(r["data"])
        ),
    ),
    (
        "players",
        lambda c: {},
        lambda r, c: {u["name"] for u in r["users"]} == {"Gamemaster", "Player"},
    ),
    ("selected", lambda c: {}, lambda r, c: r["selected"][0]["actorUuid"] == c["aria"]["uuid"]),
    ("select", lambda c: {"name": "Goblin Scout"}, lambda r, c: r["count"] == 1),
    (
        "execute-js",
        lambda c: {"script": "return game.world.id + ':' + (2 + 3);"},
        lambda r, c: r["result"] == "test-world:5",
    ),
    ("get-users", lambda c: {}, lambda r, c: len(r["users"]) == 2),
    ("get-user", lambda c: {"name": "Player"}, lambda r, c: r["user"]["id"] == c["player"].id),
    (
        "create-user",
        lambda c: {"name": "Guest", "role": 1},
        lambda r, c: c.setdefault("guest", r["user"]["id"]),
    ),
    (
        "update-user",
        lambda c: {"id": c["guest"], "data": {"name": "Visitor"}},
        lambda r, c: r["user"]["name"] == "Visitor",
    ),
    ("delete-user", lambda c: {"id": c["guest"]}, lambda r, c: r["success"]),
    ("get-scene", lambda c: {"all": True}, lambda r, c: len(r["data"]) == 2),
    (
        "create-scene",
        lambda c: {"data": {"name": "Cellar"}},
        lambda r, c: c.setdefault("cellar", r["data"]["_id"]),
    ),
    (
        "update-scene",
        lambda c: {"sceneId": c["cellar"], "data": {"width": 1200}},
        lambda r, c: r["data"]["width"] == 1200,
    ),
    ("switch-scene", lambda c: {"sceneId": c["road"]["_id"]}, lambda r, c: r["data"]["active"]),
    ("delete-scene", lambda c: {"sceneId": c["cellar"]}, lambda r, c: r["success"]),
    (
        "get-canvas-documents",
        lambda c: {"documentType": "tokens", "sceneId": c["tavern"]["_id"]},
        lambda r, c: len(r["data"]) == 3,
    ),
    (
        "create-canvas-document",
        lambda c: {
            "documentType": "drawings",
            "sceneId": c["tavern"]["_id"],
            "data": {"x": 5, "y": 5},
        },
        lambda r, c: c.setdefault("drawing", r["data"][0]["_id"]),
    ),
    (
        "update-canvas-document",
        lambda c: {
            "documentType": "drawings",
            "sceneId": c["tavern"]["_id"],
            "documentId": c["drawing"],
            "data": {"x": 50},
        },
        lambda r, c: r["data"]["x"] == 50,
    ),
    (
        "delete-canvas-document",
        lambda c: {
            "documentType": "drawings",
            "sceneId": c["tavern"]["_id"],
            "documentId": c["drawing"],
        },
        lambda r, c: r["success"],
    ),
    (
        "move-token",
        lambda c: {
            "uuid": c["tokens"][0]["uuid"],
            "x": 700,
            "y": 500,
            "sceneId": c["tavern"]["_id"],
        },
        lambda r, c: (r["data"]["x"], r["data"]["y"]) == (700, 500),
    ),
    (
        "measure-distance",
        lambda c: {
            "originX": 0,
            "originY": 0,
            "targetX": 300,
            "targetY": 100,
            "sceneId": c["tavern"]["_id"],
        },
        lambda r, c: r["distance"] == 15,
    ),
    (
        "get-status-effects",
        lambda c: {},
        lambda r, c: any(s["id"] == "prone" for s in r["statusEffects"]),
    ),
    (
        "add-effect",
        lambda c: {"uuid": c["goblin"]["uuid"], "statusId": "prone"},
        lambda r, c: r["effect"]["statuses"] == ["prone"],
    ),
    ("get-effects", lambda c: {"uuid": c["goblin"]["uuid"]}, lambda r, c: len(r["effects"]) == 1),
    (
        "remove-effect",
        lambda c: {"uuid": c["goblin"]["uuid"], "statusId": "prone"},
        lambda r, c: len(r["removed"]) == 1,
    ),
    ("kill", lambda c: {"uuid": c["goblin"]["uuid"]}, lambda r, c: r["results"][0]["success"]),
    ("get-playlists", lambda c: {}, lambda r, c: r["playlists"][0]["name"] == "Tavern Ambience"),
    (
        "playlist-play",
        lambda c: {"playlistName": "Tavern Ambience", "soundName": "Lute Song"},
        lambda r, c: r["playlist"]["playing"],
    ),
    (
        "playlist-next",
        lambda c: {"playlistName": "Tavern Ambience"},
        lambda r, c: r["nowPlaying"] == "Crowd Murmur",
    ),
    (
        "playlist-volume",
        lambda c: {"playlistName": "Tavern Ambience", "volume": 0.25},
        lambda r, c: {s["volume"] for s in r["playlist"]["sounds"]} == {0.25},
    ),
    (
        "playlist-stop",
        lambda c: {"playlistName": "Tavern Ambience"},
        lambda r, c: not r["playlist"]["playing"],
    ),
    (
        "play-sound",
        lambda c: {"src": "sounds/lute.ogg", "volume": 0.5},
        lambda r, c: r["sound"]["src"] == "sounds/lute.ogg",
    ),
    ("stop-sound", lambda c: {"src": "sounds/lute.ogg"}, lambda r, c: r["stopped"] == 1),
    (
        "file-system",
        lambda c: {"path": "maps"},
        lambda r, c: {x["name"] for x in r["results"]} == {"tavern.png", "bar.png"},
    ),
    (
        "upload-file",
        lambda c: {
            "path": "notes",
            "filename": "hi.txt",
            "fileData": "data:text/plain;base64,aGk=",
        },
        lambda r, c: r["path"] == "notes/hi.txt",
    ),
    ("download-file", lambda c: {"path": "notes/hi.txt"}, lambda r, c: r == b"hi"),
    (
        "scene-screenshot",
        lambda c: {"sceneId": c["tavern"]["_id"], "width": 40, "height": 30},
        lambda r, c: r[:4] == b"\x89PNG",
    ),
    (
        "scene-raw-image",
        lambda c: {"sceneId": c["tavern"]["_id"]},
        lambda r, c: r[:4] == b"\x89PNG",
    ),
    (
        "sheet-screenshot",
        lambda c: {"uuid": c["aria"]["uuid"], "format": "jpeg"},
        lambda r, c: r[:2] == b"\xff\xd8",
    ),
    (
        "get-actor-details",
        lambda c: {"actorUuid": c["aria"]["uuid"], "details": ["currency", "spells"]},
        lambda r, c: (
            r["data"]["currency"]["gp"] == 15 and r["data"]["spells"][0]["name"] == "Shield"
        ),
    ),
    (
        "ability-check",
        lambda c: {"actorUuid": c["aria"]["uuid"], "ability": "str"},
        lambda r, c: 4 <= r["data"]["total"] <= 23,
    ),
    (
        "ability-save",
        lambda c: {"actorUuid": c["aria"]["uuid"], "ability": "dex", "advantage": True},
        lambda r, c: r["data"]["roll"]["formula"].startswith("2d20kh"),
    ),
    (
        "skill-check",
        lambda c: {"actorUuid": c["aria"]["uuid"], "skill": "athletics", "bonus": 2},
        lambda r, c: 6 <= r["data"]["total"] <= 25,
    ),
    (
        "concentration-save",
        lambda c: {"actorUuid": c["aria"]["uuid"], "damage": 12},
        lambda r, c: r["data"]["dc"] == 10,
    ),
    (
        "death-save",
        lambda c: {"actorUuid": c["aria"]["uuid"]},
        lambda r, c: r["data"]["success"] + r["data"]["failure"] == 1,
    ),
    (
        "get-concentration",
        lambda c: {"actorUuid": c["aria"]["uuid"]},
        lambda r, c: r["data"]["concentrating"] is False,
    ),
    ("break-concentration", lambda c: {"actorUuid": c["aria"]["uuid"]}, lambda r, c: r["success"]),
    (
        "equip-item",
        lambda c: {"actorUuid": c["borin"]["uuid"], "itemName": "Warhammer", "equipped": True},
        lambda r, c: r["data"]["equipped"] is True,
    ),
    (
        "attune-item",
        lambda c: {
            "actorUuid": c["borin"]["uuid"],
            "itemName": "Ring of Protection",
            "attuned": True,
        },
        lambda r, c: r["data"]["attuned"] is True,
    ),
    (
        "prepare-spell",
        lambda c: {"actorUuid": c["aria"]["uuid"], "spellName": "Shield", "prepared": True},
        lambda r, c: r["data"]["prepared"] is True,
    ),
    (
        "modify-item-charges",
        lambda c: {"actorUuid": c["aria"]["uuid"], "itemName": "Second Wind", "amount": -1},
        lambda r, c: r["data"]["newValue"] == 0,
    ),
    (
        "modify-currency",
        lambda c: {"actorUuid": c["aria"]["uuid"], "currency": "gp", "amount": 5},
        lambda r, c: r["data"]["currency"]["gp"] == 20,
    ),
    (
        "transfer-currency",
        lambda c: {
            "sourceActorUuid": c["aria"]["uuid"],
            "targetActorUuid": c["borin"]["uuid"],
            "currency": {"gp": 10},
        },
        lambda r, c: r["data"]["target"]["currency"]["gp"] == 25,
    ),
    (
        "modify-experience",
        lambda c: {"actorUuid": c["aria"]["uuid"], "amount": 300},
        lambda r, c: r["data"]["newValue"] == 3000,
    ),
    (
        "use-item",
        lambda c: {
            "actorUuid": c["aria"]["uuid"],
            "abilityName": "Longsword",
            "targetUuid": c["goblin"]["uuid"],
        },
        lambda r, c: (
            r["data"]["target"]["name"] == "Goblin Scout" and 1 <= r["data"]["damage"]["total"] <= 8
        ),
    ),
    (
        "use-feature",
        lambda c: {"actorUuid": c["borin"]["uuid"], "abilityName": "Ring of Protection"},
        lambda r, c: False,
    ),
    (
        "use-spell",
        lambda c: {"actorUuid": c["aria"]["uuid"], "abilityName": "Shield"},
        lambda r, c: r["data"]["itemType"] == "spell",
    ),
    (
        "use-ability",
        lambda c: {"actorUuid": c["aria"]["uuid"], "abilityName": "Longsword"},
        lambda r, c: r["success"],
    ),
    (
        "short-rest",
        lambda c: {"actorUuid": c["goblin"]["uuid"], "autoHD": True},
        lambda r, c: r["data"]["hpRecovered"] >= 1,
    ),
    ("long-rest", lambda c: {"actorUuid": c["goblin"]["uuid"]}, lambda r, c: r["success"]),
    ("chat-flush", lambda c: {}, lambda r, c: r["deleted"] >= 2),
]
EXPECTED_ERRORS = {"use-feature"}  # a ring is not a feature: the module's error reply, 400


def as_query(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def place(
    ws_type: str, params: dict[str, Any]
) -> tuple[str, str, dict[str, str], dict[str, Any] | None]:
    """Method, path, query and JSON body of a call, each parameter where a client puts it."""
    route = ROUTES_BY_TYPE[ws_type]
    path, query, body = route.path, {}, {}
    sources = {p.name: p.source for p in route.params}
    for name, value in params.items():
        source = sources.get(name, "q")  # clientId: the query
        if source == "p":
            path = path.replace("{" + name + "}", str(value))
        elif source == "b" or (source == "e" and route.method in ("POST", "PUT")):
            body[name] = value
        else:
            query[name] = as_query(value)
    return route.method, path, query, body if route.method in ("POST", "PUT") else None


async def call(
    http: httpx.AsyncClient, ws_type: str, params: dict[str, Any], **extra: str
) -> httpx.Response:
    method, path, query, body = place(ws_type, {**params, **extra})
    return await http.request(method, path, params=query, json=body)


async def test_every_route_answers_with_the_modules_shape(relay_factory: RelayFactory) -> None:
    assert {t for t, _, _ in CALLS} == {r.ws_type for r in ROUTES} and len(CALLS) == len(ROUTES)
    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key(allow_execute_js=True)
        info = await start(relay, sim, key)
        ctx = world_ids(sim)
        async with relay.http(key) as http:
            for ws_type, params, check in CALLS:
                reply = await call(http, ws_type, params(ctx), clientId=info.client_id)
                if ws_type in EXPECTED_ERRORS:
                    assert reply.status_code == 400 and "not a feat" in reply.json()["error"]
                    continue
                assert reply.status_code == 200, (ws_type, reply.text[:300])
                body = (
                    reply.json()
                    if reply.headers["content-type"] == "application/json"
                    else reply.content
                )
                assert check(body, ctx), (ws_type, reply.text[:300])


async def test_a_player_sees_and_changes_only_what_they_may(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        ctx = world_ids(sim)
        player = ctx["player"].id
        async with relay.http(key) as http:

            async def ask(
                ws_type: str, params: dict[str, Any], user: str | None = None
            ) -> httpx.Response:
                extra = {"clientId": info.client_id} | ({"userId": user} if user else {})
                return await call(http, ws_type, params, **extra)

            players = await ask("players", {}, player)
            assert players.status_code == 200 and players.json()["users"] == []
            assert len((await ask("players", {})).json()["users"]) == 2
            goblin = await ask("entity", {"uuid": ctx["goblin"]["uuid"]}, player)
            assert goblin.status_code == 400 and goblin.json()["error"] == "Entity not found"
            aria = (await ask("entity", {"uuid": ctx["aria"]["uuid"]}, player)).json()
            assert aria["data"]["system"]["attributes"]["hp"]["value"] == 31  # owned: full data
            borin = (await ask("entity", {"uuid": ctx["borin"]["uuid"]}, "Player")).json()
            assert set(borin["data"]) == {"uuid", "name", "type", "img"}  # LIMITED: a name only
            search = (await ask("search", {"query": "o"}, player)).json()
            names = {r["name"] for r in search["results"]}
            assert "Goblin Scout" not in names and "Borin Stonehelm" in names
            assert "Goblin Scout" in {
                r["name"] for r in (await ask("search", {"query": "o"})).json()["results"]
            }
            chat = (await ask("chat-messages", {}, player)).json()
            assert [m["content"] for m in chat["messages"]] == ["Welcome to the Prancing Pony!"]
            assert (await ask("chat-messages", {})).json()["total"] == 2
            denied = await ask(
                "update", {"uuid": ctx["borin"]["uuid"], "data": {"name": "X"}}, player
            )
            assert denied.status_code == 400 and "permission" in denied.json()["error"]
            renamed = await ask(
                "update", {"uuid": ctx["aria"]["uuid"], "data": {"name": "Aria"}}, player
            )
            assert renamed.status_code == 200
            nobody = await ask("players", {}, "no-such-user")
            assert (
                nobody.status_code == 400
                and nobody.json()["error"] == "User not found: no-such-user"
            )
