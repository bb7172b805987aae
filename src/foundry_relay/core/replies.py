"""Examples of the module's replies, one per frame type, for the OpenAPI document (SPEC 13): the
fields each ``<type>-result`` carries beside ``type`` and ``requestId``, as the module's handlers
(and the simulator standing in for them) send them. Documentation only: replies are passed on
as the module sent them."""

from __future__ import annotations

from typing import Any

ACTOR = "Actor.da0q0FyIoUVHTAMr"
# a token on the canvas (its uuid)
PLACED = "Scene.tMbTqgXbme5CbVVc.Token.wtA6PpIzzSwM8cPG"
ITEM = ACTOR + ".Item.aB3dE5gH7jK9mN1p"
ROLL = {"formula": "1d20+2", "total": 17, "result": "17", "isCritical": False, "isFumble": False}
ENCOUNTER = {
    "id": "c0mb4tId00000001",
    "name": "Tavern Brawl",
    "round": 1,
    "turn": 0,
    "started": True,
    "combatants": [
        {"id": "cb1", "name": "Aria Brightblade", "tokenUuid": PLACED, "initiative": 17}
    ],
}
PLAYLIST = {"_id": "pl4yl1st00000001", "name": "Tavern Ambience", "playing": True, "sounds": []}
USER = {"id": "u5er00000000001x", "name": "Player", "role": 1, "isGM": False, "active": True}
OK: dict[str, Any] = {"success": True}
D20 = {"success": True, "data": {"uuid": ACTOR, "roll": ROLL, "total": 17}}

REPLIES: dict[str, dict[str, Any]] = {
    # Entity
    "entity": {"uuid": ACTOR, "data": {"_id": "da0q0FyIoUVHTAMr", "name": "Aria Brightblade"}},
    "create": {"uuid": "JournalEntry.n3wId00000000001", "entity": {"name": "Rumours"}},
    "update": {"uuid": ACTOR, "entity": [{"_id": "da0q0FyIoUVHTAMr", "name": "Aria"}]},
    "delete": {"uuid": ACTOR, "success": True},
    "increase": {
        "success": True,
        "results": [
            {
                "uuid": ACTOR,
                "attribute": "system.attributes.hp.value",
                "oldValue": 7,
                "newValue": 10,
            }
        ],
    },
    "decrease": {
        "success": True,
        "results": [
            {
                "uuid": ACTOR,
                "attribute": "system.attributes.hp.value",
                "oldValue": 10,
                "newValue": 5,
            }
        ],
    },
    "give": {
        "success": True,
        "fromUuid": ACTOR,
        "toUuid": "Actor.b0r1n000000000001",
        "itemUuid": ITEM,
        "quantity": 1,
    },
    "remove": {
        "success": True,
        "actorUuid": ACTOR,
        "itemUuid": ITEM,
        "quantity": 1,
        "remaining": 0,
    },
    "kill": {"results": [{"uuid": ACTOR, "success": True, "message": "Actor marked as defeated"}]},
    # Search, Structure
    "search": {
        "query": "goblin",
        "filter": "documentType:Actor",
        "totalResults": 1,
        "results": [{"documentType": "Actor", "uuid": ACTOR, "name": "Goblin Scout"}],
    },
    "structure": {
        "data": {
            "folders": {
                "Heroes": {
                    "id": "f01der0000000001",
                    "type": "Actor",
                    "parent": None,
                    "subfolders": [],
                }
            }
        }
    },
    "get-folder": {
        "data": {"id": "f01der0000000001", "name": "Heroes", "type": "Actor", "contents": []}
    },
    "create-folder": {
        "success": True,
        "data": {"id": "f01der0000000002", "name": "Villains", "type": "Actor"},
    },
    "delete-folder": {"success": True, "folderId": "f01der0000000002", "deletedEntities": 0},
    # Roll
    "roll": {
        "success": True,
        "data": {"id": "r0ll000000000001", "chatMessageCreated": False, "roll": ROLL},
    },
    "rolls": {"data": [ROLL]},
    "last-roll": {"data": ROLL},
    # Chat
    "chat-messages": {
        "messages": [{"_id": "m1", "content": "Welcome!", "speaker": {"alias": "Gamemaster"}}],
        "total": 1,
        "offset": 0,
        "limit": 50,
    },
    "chat-send": {
        "success": True,
        "message": {"_id": "m2", "content": "Hello table", "whisper": []},
    },
    "chat-delete": {"success": True, "messageId": "m2"},
    "chat-flush": {"success": True, "deleted": 12},
    # Encounter
    "encounters": {"encounters": [ENCOUNTER]},
    "start-encounter": {"success": True, "encounter": ENCOUNTER},
    "next-turn": {"success": True, "encounter": ENCOUNTER},
    "last-turn": {"success": True, "encounter": ENCOUNTER},
    "next-round": {"success": True, "encounter": ENCOUNTER},
    "last-round": {"success": True, "encounter": ENCOUNTER},
    "end-encounter": {
        "success": True,
        "encounterId": "c0mb4tId00000001",
        "message": "Encounter ended",
    },
    "add-to-encounter": {"success": True, "added": [PLACED], "encounter": ENCOUNTER},
    "remove-from-encounter": {"success": True, "removed": [PLACED], "encounter": ENCOUNTER},
    # Macro
    "macros": {
        "macros": [
            {
                "uuid": "Macro.m4cr0000000000001",
                "name": "Greet",
                "type": "script",
                "command": "return 'hello';",
                "author": "gmUserId00000001",
            }
        ]
    },
    "macro-execute": {"uuid": "Macro.m4cr0000000000001", "success": True, "result": "hello Ada"},
    # Utility
    "world-info": {
        "data": {
            "world": {"id": "my-world", "title": "My World"},
            "system": {
                "id": "dnd5e",
                "title": "Dungeons & Dragons Fifth Edition",
                "version": "4.3.0",
            },
            "foundryVersion": "13.345",
            "modules": [],
            "users": [USER],
            "activeScene": {"id": "tMbTqgXbme5CbVVc", "name": "The Prancing Pony"},
        }
    },
    "players": {"users": [USER]},
    "selected": {"success": True, "selected": [{"tokenUuid": PLACED, "actorUuid": ACTOR}]},
    "select": {
        "success": True,
        "count": 1,
        "message": "1 entities selected",
        "selected": [PLACED],
    },
    "execute-js": {"success": True, "result": "my-world"},
    # User
    "get-users": {"users": [USER]},
    "get-user": {"user": USER},
    "create-user": {"success": True, "user": USER},
    "update-user": {"success": True, "user": USER},
    "delete-user": {"success": True, "userId": USER["id"]},
    # Scene
    "get-scene": {"data": {"_id": "tMbTqgXbme5CbVVc", "name": "The Prancing Pony", "active": True}},
    "create-scene": {"success": True, "data": {"_id": "sc3ne00000000002", "name": "Cellar"}},
    "update-scene": {"success": True, "data": {"_id": "sc3ne00000000002", "width": 1200}},
    "delete-scene": {"success": True, "sceneId": "sc3ne00000000002"},
    "switch-scene": {
        "success": True,
        "data": {"id": "tMbTqgXbme5CbVVc", "name": "The Prancing Pony", "active": True},
    },
    "scene-screenshot": {
        "imageData": "data:image/png;base64,iVBORw0KGgo…",
        "mimeType": "image/png",
        "width": 2000,
        "height": 1500,
    },
    "scene-raw-image": {
        "data": {
            "sceneId": "tMbTqgXbme5CbVVc",
            "src": "maps/tavern.png",
            "imageData": "data:image/png;base64,…",
            "mimeType": "image/png",
        }
    },
    # Canvas
    "get-canvas-documents": {
        "data": [{"_id": "wtA6PpIzzSwM8cPG", "name": "Aria Brightblade", "x": 500, "y": 500}]
    },
    "create-canvas-document": {
        "success": True,
        "data": [{"_id": "dr4w1ng000000001", "x": 5, "y": 5}],
    },
    "update-canvas-document": {"success": True, "data": {"_id": "dr4w1ng000000001", "x": 50}},
    "delete-canvas-document": {"success": True, "documentId": "dr4w1ng000000001"},
    "move-token": {"success": True, "data": {"uuid": PLACED, "x": 700, "y": 500}},
    "measure-distance": {"success": True, "distance": 15, "units": "ft", "gridSpaces": 3},
    # Effects
    "get-effects": {
        "uuid": ACTOR,
        "effects": [{"_id": "eff3ct0000000001", "name": "Prone", "statuses": ["prone"]}],
    },
    "get-status-effects": {
        "statusEffects": [{"id": "prone", "name": "Prone", "img": "icons/svg/falling.svg"}]
    },
    "add-effect": {
        "success": True,
        "uuid": ACTOR,
        "effect": {"_id": "eff3ct0000000001", "statuses": ["prone"]},
    },
    "remove-effect": {"success": True, "uuid": ACTOR, "removed": ["eff3ct0000000001"]},
    # Playlist
    "get-playlists": {"playlists": [PLAYLIST]},
    "playlist-play": {"success": True, "playlist": PLAYLIST},
    "playlist-stop": {"success": True, "playlist": PLAYLIST},
    "playlist-next": {"success": True, "playlist": PLAYLIST, "nowPlaying": "Lute Song"},
    "playlist-volume": {"success": True, "playlist": PLAYLIST},
    "play-sound": {
        "success": True,
        "sound": {"src": "sounds/lute.ogg", "volume": 0.5, "loop": False},
    },
    "stop-sound": {"success": True, "stopped": 1},
    # FileSystem, Sheet (files and images are answered as their bytes)
    "file-system": {
        "success": True,
        "path": "maps",
        "source": "data",
        "results": [{"name": "tavern.png", "path": "maps/tavern.png", "type": "file"}],
        "recursive": False,
    },
    "download-file": {
        "success": True,
        "path": "maps/tavern.png",
        "fileData": "data:image/png;base64,…",
        "filename": "tavern.png",
        "mimeType": "image/png",
    },
    "upload-file": {"success": True, "path": "notes/hi.txt"},
    "sheet-screenshot": {
        "imageData": "data:image/png;base64,…",
        "mimeType": "image/png",
        "width": 300,
        "height": 200,
    },
    # Dnd5e
    "get-actor-details": {
        "data": {"uuid": ACTOR, "name": "Aria Brightblade", "currency": {"gp": 15}}
    },
    "ability-check": D20,
    "ability-save": D20,
    "skill-check": D20,
    "concentration-save": {
        "success": True,
        "data": {"uuid": ACTOR, "roll": ROLL, "total": 17, "dc": 10, "passed": True},
    },
    "death-save": {
        "success": True,
        "data": {"uuid": ACTOR, "roll": ROLL, "success": 1, "failure": 0},
    },
    "get-concentration": {
        "success": True,
        "data": {"uuid": ACTOR, "concentrating": False, "effect": None},
    },
    "break-concentration": {"success": True, "data": {"uuid": ACTOR, "broken": False}},
    "equip-item": {
        "success": True,
        "data": {"actorUuid": ACTOR, "itemUuid": ITEM, "equipped": True},
    },
    "attune-item": {
        "success": True,
        "data": {"actorUuid": ACTOR, "itemUuid": ITEM, "attuned": True},
    },
    "prepare-spell": {
        "success": True,
        "data": {"actorUuid": ACTOR, "spellUuid": ITEM, "prepared": True},
    },
    "modify-item-charges": {
        "success": True,
        "data": {"itemUuid": ITEM, "oldValue": 1, "newValue": 0},
    },
    "modify-currency": {"success": True, "data": {"uuid": ACTOR, "currency": {"gp": 20}}},
    "transfer-currency": {
        "success": True,
        "data": {
            "source": {"uuid": ACTOR, "currency": {"gp": 5}},
            "target": {"uuid": "Actor.b0r1n000000000001", "currency": {"gp": 25}},
        },
    },
    "modify-experience": {
        "success": True,
        "data": {"uuid": ACTOR, "oldValue": 2700, "newValue": 3000},
    },
    "short-rest": {"success": True, "data": {"uuid": ACTOR, "hpRecovered": 6, "hitDiceLeft": 3}},
    "long-rest": {"success": True, "data": {"uuid": ACTOR, "hpRecovered": 12, "newDay": True}},
    "use-ability": {
        "success": True,
        "data": {"actorUuid": ACTOR, "itemUuid": ITEM, "itemName": "Longsword", "damage": ROLL},
    },
    "use-feature": {
        "success": True,
        "data": {"actorUuid": ACTOR, "itemName": "Second Wind", "usesLeft": 0},
    },
    "use-item": {
        "success": True,
        "data": {"actorUuid": ACTOR, "itemName": "Potion of Healing", "usesLeft": 0},
    },
    "use-spell": {
        "success": True,
        "data": {"actorUuid": ACTOR, "itemName": "Shield", "itemType": "spell"},
    },
}
