"""The module API (SPEC 13): every route that clients of the established relay call, one entry
each. Routing, validation, the OpenAPI document and the client library's methods all come from
this table (``tests/data/routes.tsv``, the established relay's list, is checked against it).

One entry per route in :data:`TABLE`: a line ``METHOD /path frame-type summary``, then its
parameters: ``name`` (a GET route's query; elsewhere query or JSON body, the body winning),
``name@q`` (query only), ``name@b`` (body only), a trailing ``*`` for required; a ``{name}`` in the
path is a path parameter. Kinds come from :data:`KINDS` by name; timeouts, binary replies and
guards from :data:`OPTIONS` by frame type.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from .forwarding import Kind, Param, Route, Source
from .replies import REPLIES

KINDS: dict[str, Kind] = {
    **dict.fromkeys(
        "selected actor minified includeEntityData recursive createChatMessage keepId advantage"
        " disadvantage active viewed all showGrid hideOverlays viewport loop overwrite animate"
        " rollInitiative rollAll rollNPC startWithPlayers startWithSelected newDay autoHD"
        " deleteAll whisperOnly equipped attuned prepared excludeCompendiums".split(),
        "bool",
    ),
    **dict.fromkeys("limit offset recursiveDepth width height role".split(), "int"),
    **dict.fromkeys(
        "amount damage volume x y originX originY targetX targetY quality scale quantity"
        " autoHDThreshold".split(),
        "number",
    ),
    **dict.fromkeys("data args effectData".split(), "object"),
    **dict.fromkeys("whisper uuids tokens waypoints details".split(), "array"),
    **dict.fromkeys("bonus currency override".split(), "any"),
}


def _param(token: str, method: str, path: str) -> Param:
    name, _, where = token.partition("@")
    required = name.endswith("*") or where.endswith("*")
    name, where = name.rstrip("*"), where.rstrip("*")
    source: Source
    if "{" + name + "}" in path:
        source = "p"
    elif where in ("q", "b"):
        source = "q" if where == "q" else "b"
    else:
        source = "q" if method == "GET" else "e"
    return Param(name, source, KINDS.get(name, "str"), required or source == "p")


class Options(TypedDict, total=False):
    timeout: float
    one_of: tuple[str, ...]
    method_name: str
    binary: bool
    upload: bool
    guard: Literal["", "execute-js", "macro"]


OPTIONS: dict[str, Options] = {
    "entity": {"method_name": "get_entity"},
    "macro-execute": {"method_name": "execute_macro"},
    "search": {"one_of": ("query", "filter")},
    "create": {"guard": "macro"},
    "update": {"guard": "macro"},
    "execute-js": {"timeout": 20.0, "guard": "execute-js"},
    "scene-screenshot": {"timeout": 30.0, "binary": True},
    "scene-raw-image": {"timeout": 30.0, "binary": True},
    "sheet-screenshot": {"timeout": 30.0, "binary": True},
    "download-file": {"timeout": 30.0, "binary": True},
    "upload-file": {"timeout": 30.0, "upload": True},
}

TABLE = """
## Entity
POST   /create                 create                 Create an entity
       keepId override userId data*@b entityType*@b folder@b
POST   /decrease               decrease               Decrease a numeric attribute
       uuid@q selected userId amount*@b attribute*@b
DELETE /delete                 delete                 Delete an entity
       uuid@q selected userId
GET    /get                    entity                 An entity by uuid (or the selected one)
       uuid selected actor userId
POST   /give                   give                   Give an item from one actor to another
       selected userId fromUuid@b itemName@b itemUuid@b quantity@b toUuid@b
POST   /increase               increase               Increase a numeric attribute
       uuid@q selected userId amount*@b attribute*@b
POST   /kill                   kill                   Mark an actor or token dead
       uuid@q selected userId
POST   /remove                 remove                 Remove an item from an actor
       selected userId actorUuid@b itemName@b itemUuid@b quantity@b
PUT    /update                 update                 Update an entity
       uuid@q selected actor@q userId data*@b

## Search
GET    /search                 search                 Search the world by name
       query filter excludeCompendiums limit minified ownedByUserId userId

## Roll
GET    /lastroll               last-roll              The most recent roll
       userId
POST   /roll                   roll                   Roll dice with a formula
       userId createChatMessage@b flavor@b formula*@b speaker@b whisper@b
GET    /rolls                  rolls                  Recent rolls
       limit userId

## Chat
DELETE /chat                   chat-flush             Delete every chat message
       userId
GET    /chat                   chat-messages          Chat messages, newest first
       limit offset userId chatType speaker
POST   /chat                   chat-send              Send a chat message
       userId alias@b chatType@b content*@b flavor@b speaker@b whisper@b
DELETE /chat/{messageId}       chat-delete            Delete one chat message
       messageId* userId

## Encounter
POST   /add-to-encounter       add-to-encounter       Add tokens to an encounter
       encounter selected userId rollInitiative@b uuids@b
GET    /encounters             encounters             Encounters (combats) of the world
       userId
POST   /end-encounter          end-encounter          End an encounter
       encounter userId
POST   /last-round             last-round             Back to the previous round
       encounter userId
POST   /last-turn              last-turn              Back to the previous turn
       encounter userId
POST   /next-round             next-round             Advance to the next round
       encounter userId
POST   /next-turn              next-turn              Advance to the next turn
       encounter userId
POST   /remove-from-encounter  remove-from-encounter  Remove tokens from an encounter
       encounter selected userId uuids@b
POST   /start-encounter        start-encounter        Start an encounter
       userId name@b rollAll@b rollNPC@b startWithPlayers@b startWithSelected@b tokens@b

## Macro
POST   /macro/{uuid}/execute   macro-execute          Execute a macro
       uuid* userId args@b
GET    /macros                 macros                 List macros
       userId

## Structure
POST   /create-folder          create-folder          Create a folder
       name* folderType* parentFolderId userId
DELETE /delete-folder          delete-folder          Delete a folder
       folderId* deleteAll userId
GET    /get-folder             get-folder             A folder by name
       name* userId
GET    /structure              structure              Folders and entities of the world
       includeEntityData path recursive recursiveDepth types userId

## Utility
POST   /execute-js             execute-js             Run JavaScript in the GM's browser
       userId script@b
GET    /players                players                Users of the world
       userId
POST   /select                 select                 Select tokens
       userId all@b data@b name@b overwrite@b uuids@b
GET    /selected               selected               The selected tokens
       userId
GET    /world-info             world-info             World, system and version information
       userId

## User
DELETE /user                   delete-user            Delete a user
       id@q name@q userId
GET    /user                   get-user               A user by id or name
       id name userId
POST   /user                   create-user            Create a user
       userId name*@b password@b role@b
PUT    /user                   update-user            Update a user
       id name userId data*@b
GET    /users                  get-users              Users of the world
       userId

## Scene
DELETE /scene                  delete-scene           Delete a scene
       sceneId@q name@q userId
GET    /scene                  get-scene              Scenes: one, the active, the viewed or all
       sceneId name active viewed all userId
POST   /scene                  create-scene           Create a scene
       userId data*@b
PUT    /scene                  update-scene           Update a scene
       sceneId name active userId data*@b
GET    /scene/image            scene-screenshot       A rendered image of a scene
       sceneId active format quality viewport width height showGrid hideOverlays userId
GET    /scene/image/raw        scene-raw-image        A scene's background image
       sceneId active userId
POST   /switch-scene           switch-scene           Activate a scene
       sceneId name userId

## Canvas
DELETE /canvas/{documentType}  delete-canvas-document Delete a canvas document
       documentType* documentId*@q sceneId@q userId
GET    /canvas/{documentType}  get-canvas-documents   Canvas documents of a type in a scene
       documentType* sceneId documentId userId
POST   /canvas/{documentType}  create-canvas-document Create canvas documents in a scene
       documentType* sceneId userId data*@b
PUT    /canvas/{documentType}  update-canvas-document Update a canvas document
       documentType* documentId* sceneId userId data*@b
GET    /measure-distance       measure-distance       Distance between two points or tokens
       originX originY targetX targetY originUuid originName targetUuid targetName sceneId userId
POST   /move-token             move-token             Move a token (optionally along waypoints)
       x* y* uuid name waypoints animate sceneId userId

## Effects
DELETE /effects                remove-effect          Remove an active effect or status
       uuid* effectId statusId userId
GET    /effects                get-effects            Active effects of an actor or token
       uuid* userId
POST   /effects                add-effect             Add an active effect or status
       uuid* statusId effectData userId
GET    /effects/list           get-status-effects     The status effects the system offers
       userId

## Playlist
POST   /play-sound             play-sound             Play a sound file
       src* volume loop userId
POST   /playlist/next          playlist-next          Skip to the next sound of a playlist
       playlistId playlistName userId
POST   /playlist/play          playlist-play          Play a playlist or one of its sounds
       playlistId playlistName soundId soundName userId
POST   /playlist/stop          playlist-stop          Stop a playlist
       playlistId playlistName userId
POST   /playlist/volume        playlist-volume        Set a playlist's or sound's volume
       volume* playlistId playlistName soundId soundName userId
GET    /playlists              get-playlists          Playlists and their sounds
       userId
POST   /stop-sound             stop-sound             Stop a playing sound
       src userId

## FileSystem
GET    /download               download-file          Download a file
       path source format userId
GET    /file-system            file-system            Browse the file system
       path source recursive userId
POST   /upload                 upload-file            Upload a file
       path filename source mimeType overwrite userId fileData@b

## Sheet
GET    /sheet                  sheet-screenshot       An image of an actor's or item's sheet
       uuid selected actor format quality scale userId

## Dnd5e
POST   /dnd5e/ability-check    ability-check          Roll an ability check (D&D 5e)
       actorUuid* ability* userId advantage disadvantage bonus createChatMessage
POST   /dnd5e/ability-save     ability-save           Roll a saving throw (D&D 5e)
       actorUuid* ability* userId advantage disadvantage bonus createChatMessage
POST   /dnd5e/attune-item      attune-item            Attune or unattune an item (D&D 5e)
       attuned* actorUuid actorName itemUuid itemName userId
POST   /dnd5e/break-concentration break-concentration    End an actor's concentration (D&D 5e)
       actorUuid actorName userId
GET    /dnd5e/concentration    get-concentration      An actor's concentration (D&D 5e)
       actorUuid actorName userId
POST   /dnd5e/concentration-save concentration-save     Roll a concentration save (D&D 5e)
       damage* actorUuid actorName userId advantage disadvantage bonus createChatMessage
POST   /dnd5e/death-save       death-save             Roll a death save (D&D 5e)
       actorUuid* advantage createChatMessage userId
POST   /dnd5e/equip-item       equip-item             Equip or unequip an item (D&D 5e)
       equipped* actorUuid actorName itemUuid itemName userId
GET    /dnd5e/get-actor-details get-actor-details      Details of an actor (D&D 5e)
       actorUuid* details* userId
POST   /dnd5e/long-rest        long-rest              Take a long rest (D&D 5e)
       actorUuid selected newDay userId
POST   /dnd5e/modify-currency  modify-currency        Add or remove currency (D&D 5e)
       actorUuid* currency* amount* userId
POST   /dnd5e/modify-experience modify-experience      Add or remove experience (D&D 5e)
       amount* actorUuid selected userId
POST   /dnd5e/modify-item-charges modify-item-charges    Change an item's charges (D&D 5e)
       actorUuid* amount* itemUuid itemName userId
POST   /dnd5e/prepare-spell    prepare-spell          Prepare or unprepare a spell (D&D 5e)
       actorUuid* spellName* prepared* userId
POST   /dnd5e/short-rest       short-rest             Take a short rest (D&D 5e)
       actorUuid selected autoHD autoHDThreshold userId
POST   /dnd5e/skill-check      skill-check            Roll a skill check (D&D 5e)
       actorUuid* skill* userId advantage disadvantage bonus createChatMessage
POST   /dnd5e/transfer-currency transfer-currency      Move currency between actors (D&D 5e)
       currency* sourceActorUuid sourceActorName targetActorUuid targetActorName userId
POST   /dnd5e/use-ability      use-ability            Use an ability (D&D 5e)
       actorUuid* abilityUuid abilityName targetUuid targetName userId
POST   /dnd5e/use-feature      use-feature            Use a feature (D&D 5e)
       actorUuid* abilityUuid abilityName targetUuid targetName userId
POST   /dnd5e/use-item         use-item               Use an item (D&D 5e)
       actorUuid* abilityUuid abilityName targetUuid targetName userId
POST   /dnd5e/use-spell        use-spell              Cast a spell (D&D 5e)
       actorUuid* abilityUuid abilityName targetUuid targetName userId
"""


def parse_table(text: str) -> tuple[Route, ...]:
    routes: list[Route] = []
    area = ""
    lines = [line for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if line.startswith("## "):
            area = line[3:].strip()
        elif not line.startswith(" "):
            method, path, ws_type, summary = line.split(None, 3)
            following = lines[i + 1] if i + 1 < len(lines) else ""
            params = following.split() if following.startswith(" ") else []
            routes.append(
                Route(
                    method,
                    path,
                    ws_type,
                    tuple(_param(t, method, path) for t in params),
                    summary=summary,
                    area=area,
                    reply=REPLIES.get(ws_type),
                    **OPTIONS.get(ws_type, {}),
                )
            )
    return tuple(routes)


ROUTES: tuple[Route, ...] = parse_table(TABLE)
ROUTES_BY_TYPE = {r.ws_type: r for r in ROUTES}
