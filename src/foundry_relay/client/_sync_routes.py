"""The sync client, GENERATED from ``_async_routes.py``: edit that, then run
``python -m foundry_relay.client.generate``."""

from __future__ import annotations

from typing import Any

from .common import ModuleReply


class Routes:
    """The forwarded routes of the relay, typed; :class:`RelayClient` sends them."""

    def forward(self, route: str, /, *, client_id: str | None = None, **params: Any) -> ModuleReply:
        raise NotImplementedError

    def create(
        self,
        data: dict[str, Any],
        entity_type: str,
        *,
        keep_id: bool | None = None,
        override: Any | None = None,
        user_id: str | None = None,
        folder: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create an entity (``POST /create``)."""
        return self.forward(
            "create",
            client_id=client_id,
            keepId=keep_id,
            override=override,
            userId=user_id,
            data=data,
            entityType=entity_type,
            folder=folder,
        )

    def decrease(
        self,
        amount: float,
        attribute: str,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Decrease a numeric attribute (``POST /decrease``)."""
        return self.forward(
            "decrease",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            userId=user_id,
            amount=amount,
            attribute=attribute,
        )

    def delete(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete an entity (``DELETE /delete``)."""
        return self.forward(
            "delete", client_id=client_id, uuid=uuid, selected=selected, userId=user_id
        )

    def get_entity(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        actor: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """An entity by uuid (or the selected one) (``GET /get``)."""
        return self.forward(
            "entity", client_id=client_id, uuid=uuid, selected=selected, actor=actor, userId=user_id
        )

    def give(
        self,
        *,
        selected: bool | None = None,
        user_id: str | None = None,
        from_uuid: str | None = None,
        item_name: str | None = None,
        item_uuid: str | None = None,
        quantity: float | None = None,
        to_uuid: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Give an item from one actor to another (``POST /give``)."""
        return self.forward(
            "give",
            client_id=client_id,
            selected=selected,
            userId=user_id,
            fromUuid=from_uuid,
            itemName=item_name,
            itemUuid=item_uuid,
            quantity=quantity,
            toUuid=to_uuid,
        )

    def increase(
        self,
        amount: float,
        attribute: str,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Increase a numeric attribute (``POST /increase``)."""
        return self.forward(
            "increase",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            userId=user_id,
            amount=amount,
            attribute=attribute,
        )

    def kill(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Mark an actor or token dead (``POST /kill``)."""
        return self.forward(
            "kill", client_id=client_id, uuid=uuid, selected=selected, userId=user_id
        )

    def remove(
        self,
        *,
        selected: bool | None = None,
        user_id: str | None = None,
        actor_uuid: str | None = None,
        item_name: str | None = None,
        item_uuid: str | None = None,
        quantity: float | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Remove an item from an actor (``POST /remove``)."""
        return self.forward(
            "remove",
            client_id=client_id,
            selected=selected,
            userId=user_id,
            actorUuid=actor_uuid,
            itemName=item_name,
            itemUuid=item_uuid,
            quantity=quantity,
        )

    def update(
        self,
        data: dict[str, Any],
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        actor: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update an entity (``PUT /update``)."""
        return self.forward(
            "update",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            actor=actor,
            userId=user_id,
            data=data,
        )

    def search(
        self,
        query: str | None = None,
        *,
        filter: str | None = None,
        exclude_compendiums: bool | None = None,
        limit: int | None = None,
        minified: bool | None = None,
        owned_by_user_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Search the world by name (``GET /search``)."""
        return self.forward(
            "search",
            client_id=client_id,
            query=query,
            filter=filter,
            excludeCompendiums=exclude_compendiums,
            limit=limit,
            minified=minified,
            ownedByUserId=owned_by_user_id,
            userId=user_id,
        )

    def last_roll(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """The most recent roll (``GET /lastroll``)."""
        return self.forward("last-roll", client_id=client_id, userId=user_id)

    def roll(
        self,
        formula: str,
        *,
        user_id: str | None = None,
        create_chat_message: bool | None = None,
        flavor: str | None = None,
        speaker: str | None = None,
        whisper: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll dice with a formula (``POST /roll``)."""
        return self.forward(
            "roll",
            client_id=client_id,
            userId=user_id,
            createChatMessage=create_chat_message,
            flavor=flavor,
            formula=formula,
            speaker=speaker,
            whisper=whisper,
        )

    def rolls(
        self,
        *,
        limit: int | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Recent rolls (``GET /rolls``)."""
        return self.forward("rolls", client_id=client_id, limit=limit, userId=user_id)

    def chat_flush(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete every chat message (``DELETE /chat``)."""
        return self.forward("chat-flush", client_id=client_id, userId=user_id)

    def chat_messages(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        user_id: str | None = None,
        chat_type: str | None = None,
        speaker: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Chat messages, newest first (``GET /chat``)."""
        return self.forward(
            "chat-messages",
            client_id=client_id,
            limit=limit,
            offset=offset,
            userId=user_id,
            chatType=chat_type,
            speaker=speaker,
        )

    def chat_send(
        self,
        content: str,
        *,
        user_id: str | None = None,
        alias: str | None = None,
        chat_type: str | None = None,
        flavor: str | None = None,
        speaker: str | None = None,
        whisper: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Send a chat message (``POST /chat``)."""
        return self.forward(
            "chat-send",
            client_id=client_id,
            userId=user_id,
            alias=alias,
            chatType=chat_type,
            content=content,
            flavor=flavor,
            speaker=speaker,
            whisper=whisper,
        )

    def chat_delete(
        self,
        message_id: str,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete one chat message (``DELETE /chat/{messageId}``)."""
        return self.forward(
            "chat-delete", client_id=client_id, messageId=message_id, userId=user_id
        )

    def add_to_encounter(
        self,
        *,
        encounter: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        roll_initiative: bool | None = None,
        uuids: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add tokens to an encounter (``POST /add-to-encounter``)."""
        return self.forward(
            "add-to-encounter",
            client_id=client_id,
            encounter=encounter,
            selected=selected,
            userId=user_id,
            rollInitiative=roll_initiative,
            uuids=uuids,
        )

    def encounters(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Encounters (combats) of the world (``GET /encounters``)."""
        return self.forward("encounters", client_id=client_id, userId=user_id)

    def end_encounter(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """End an encounter (``POST /end-encounter``)."""
        return self.forward(
            "end-encounter", client_id=client_id, encounter=encounter, userId=user_id
        )

    def last_round(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Back to the previous round (``POST /last-round``)."""
        return self.forward("last-round", client_id=client_id, encounter=encounter, userId=user_id)

    def last_turn(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Back to the previous turn (``POST /last-turn``)."""
        return self.forward("last-turn", client_id=client_id, encounter=encounter, userId=user_id)

    def next_round(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Advance to the next round (``POST /next-round``)."""
        return self.forward("next-round", client_id=client_id, encounter=encounter, userId=user_id)

    def next_turn(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Advance to the next turn (``POST /next-turn``)."""
        return self.forward("next-turn", client_id=client_id, encounter=encounter, userId=user_id)

    def remove_from_encounter(
        self,
        *,
        encounter: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        uuids: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Remove tokens from an encounter (``POST /remove-from-encounter``)."""
        return self.forward(
            "remove-from-encounter",
            client_id=client_id,
            encounter=encounter,
            selected=selected,
            userId=user_id,
            uuids=uuids,
        )

    def start_encounter(
        self,
        *,
        user_id: str | None = None,
        name: str | None = None,
        roll_all: bool | None = None,
        roll_n_p_c: bool | None = None,
        start_with_players: bool | None = None,
        start_with_selected: bool | None = None,
        tokens: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Start an encounter (``POST /start-encounter``)."""
        return self.forward(
            "start-encounter",
            client_id=client_id,
            userId=user_id,
            name=name,
            rollAll=roll_all,
            rollNPC=roll_n_p_c,
            startWithPlayers=start_with_players,
            startWithSelected=start_with_selected,
            tokens=tokens,
        )

    def execute_macro(
        self,
        uuid: str,
        *,
        user_id: str | None = None,
        args: dict[str, Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Execute a macro (``POST /macro/{uuid}/execute``)."""
        return self.forward(
            "macro-execute", client_id=client_id, uuid=uuid, userId=user_id, args=args
        )

    def macros(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """List macros (``GET /macros``)."""
        return self.forward("macros", client_id=client_id, userId=user_id)

    def create_folder(
        self,
        name: str,
        folder_type: str,
        *,
        parent_folder_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create a folder (``POST /create-folder``)."""
        return self.forward(
            "create-folder",
            client_id=client_id,
            name=name,
            folderType=folder_type,
            parentFolderId=parent_folder_id,
            userId=user_id,
        )

    def delete_folder(
        self,
        folder_id: str,
        *,
        delete_all: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a folder (``DELETE /delete-folder``)."""
        return self.forward(
            "delete-folder",
            client_id=client_id,
            folderId=folder_id,
            deleteAll=delete_all,
            userId=user_id,
        )

    def get_folder(
        self,
        name: str,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A folder by name (``GET /get-folder``)."""
        return self.forward("get-folder", client_id=client_id, name=name, userId=user_id)

    def structure(
        self,
        *,
        include_entity_data: bool | None = None,
        path: str | None = None,
        recursive: bool | None = None,
        recursive_depth: int | None = None,
        types: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Folders and entities of the world (``GET /structure``)."""
        return self.forward(
            "structure",
            client_id=client_id,
            includeEntityData=include_entity_data,
            path=path,
            recursive=recursive,
            recursiveDepth=recursive_depth,
            types=types,
            userId=user_id,
        )

    def execute_js(
        self,
        *,
        user_id: str | None = None,
        script: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Run JavaScript in the GM's browser (``POST /execute-js``)."""
        return self.forward("execute-js", client_id=client_id, userId=user_id, script=script)

    def players(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Users of the world (``GET /players``)."""
        return self.forward("players", client_id=client_id, userId=user_id)

    def select(
        self,
        *,
        user_id: str | None = None,
        all: bool | None = None,
        data: dict[str, Any] | None = None,
        name: str | None = None,
        overwrite: bool | None = None,
        uuids: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Select tokens (``POST /select``)."""
        return self.forward(
            "select",
            client_id=client_id,
            userId=user_id,
            all=all,
            data=data,
            name=name,
            overwrite=overwrite,
            uuids=uuids,
        )

    def selected(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """The selected tokens (``GET /selected``)."""
        return self.forward("selected", client_id=client_id, userId=user_id)

    def world_info(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """World, system and version information (``GET /world-info``)."""
        return self.forward("world-info", client_id=client_id, userId=user_id)

    def delete_user(
        self,
        *,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a user (``DELETE /user``)."""
        return self.forward("delete-user", client_id=client_id, id=id, name=name, userId=user_id)

    def get_user(
        self,
        *,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A user by id or name (``GET /user``)."""
        return self.forward("get-user", client_id=client_id, id=id, name=name, userId=user_id)

    def create_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        password: str | None = None,
        role: int | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create a user (``POST /user``)."""
        return self.forward(
            "create-user",
            client_id=client_id,
            userId=user_id,
            name=name,
            password=password,
            role=role,
        )

    def update_user(
        self,
        data: dict[str, Any],
        *,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update a user (``PUT /user``)."""
        return self.forward(
            "update-user", client_id=client_id, id=id, name=name, userId=user_id, data=data
        )

    def get_users(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Users of the world (``GET /users``)."""
        return self.forward("get-users", client_id=client_id, userId=user_id)

    def delete_scene(
        self,
        *,
        scene_id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a scene (``DELETE /scene``)."""
        return self.forward(
            "delete-scene", client_id=client_id, sceneId=scene_id, name=name, userId=user_id
        )

    def get_scene(
        self,
        *,
        scene_id: str | None = None,
        name: str | None = None,
        active: bool | None = None,
        viewed: bool | None = None,
        all: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Scenes: one, the active, the viewed or all (``GET /scene``)."""
        return self.forward(
            "get-scene",
            client_id=client_id,
            sceneId=scene_id,
            name=name,
            active=active,
            viewed=viewed,
            all=all,
            userId=user_id,
        )

    def create_scene(
        self,
        data: dict[str, Any],
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create a scene (``POST /scene``)."""
        return self.forward("create-scene", client_id=client_id, userId=user_id, data=data)

    def update_scene(
        self,
        data: dict[str, Any],
        *,
        scene_id: str | None = None,
        name: str | None = None,
        active: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update a scene (``PUT /scene``)."""
        return self.forward(
            "update-scene",
            client_id=client_id,
            sceneId=scene_id,
            name=name,
            active=active,
            userId=user_id,
            data=data,
        )

    def scene_screenshot(
        self,
        *,
        scene_id: str | None = None,
        active: bool | None = None,
        format: str | None = None,
        quality: float | None = None,
        viewport: bool | None = None,
        width: int | None = None,
        height: int | None = None,
        show_grid: bool | None = None,
        hide_overlays: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A rendered image of a scene (``GET /scene/image``)."""
        return self.forward(
            "scene-screenshot",
            client_id=client_id,
            sceneId=scene_id,
            active=active,
            format=format,
            quality=quality,
            viewport=viewport,
            width=width,
            height=height,
            showGrid=show_grid,
            hideOverlays=hide_overlays,
            userId=user_id,
        )

    def scene_raw_image(
        self,
        *,
        scene_id: str | None = None,
        active: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A scene's background image (``GET /scene/image/raw``)."""
        return self.forward(
            "scene-raw-image", client_id=client_id, sceneId=scene_id, active=active, userId=user_id
        )

    def switch_scene(
        self,
        *,
        scene_id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Activate a scene (``POST /switch-scene``)."""
        return self.forward(
            "switch-scene", client_id=client_id, sceneId=scene_id, name=name, userId=user_id
        )

    def delete_canvas_document(
        self,
        document_type: str,
        document_id: str,
        *,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a canvas document (``DELETE /canvas/{documentType}``)."""
        return self.forward(
            "delete-canvas-document",
            client_id=client_id,
            documentType=document_type,
            documentId=document_id,
            sceneId=scene_id,
            userId=user_id,
        )

    def get_canvas_documents(
        self,
        document_type: str,
        *,
        scene_id: str | None = None,
        document_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Canvas documents of a type in a scene (``GET /canvas/{documentType}``)."""
        return self.forward(
            "get-canvas-documents",
            client_id=client_id,
            documentType=document_type,
            sceneId=scene_id,
            documentId=document_id,
            userId=user_id,
        )

    def create_canvas_document(
        self,
        document_type: str,
        data: dict[str, Any],
        *,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create canvas documents in a scene (``POST /canvas/{documentType}``)."""
        return self.forward(
            "create-canvas-document",
            client_id=client_id,
            documentType=document_type,
            sceneId=scene_id,
            userId=user_id,
            data=data,
        )

    def update_canvas_document(
        self,
        document_type: str,
        document_id: str,
        data: dict[str, Any],
        *,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update a canvas document (``PUT /canvas/{documentType}``)."""
        return self.forward(
            "update-canvas-document",
            client_id=client_id,
            documentType=document_type,
            documentId=document_id,
            sceneId=scene_id,
            userId=user_id,
            data=data,
        )

    def measure_distance(
        self,
        *,
        origin_x: float | None = None,
        origin_y: float | None = None,
        target_x: float | None = None,
        target_y: float | None = None,
        origin_uuid: str | None = None,
        origin_name: str | None = None,
        target_uuid: str | None = None,
        target_name: str | None = None,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Distance between two points or tokens (``GET /measure-distance``)."""
        return self.forward(
            "measure-distance",
            client_id=client_id,
            originX=origin_x,
            originY=origin_y,
            targetX=target_x,
            targetY=target_y,
            originUuid=origin_uuid,
            originName=origin_name,
            targetUuid=target_uuid,
            targetName=target_name,
            sceneId=scene_id,
            userId=user_id,
        )

    def move_token(
        self,
        x: float,
        y: float,
        *,
        uuid: str | None = None,
        name: str | None = None,
        waypoints: list[Any] | None = None,
        animate: bool | None = None,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Move a token (optionally along waypoints) (``POST /move-token``)."""
        return self.forward(
            "move-token",
            client_id=client_id,
            x=x,
            y=y,
            uuid=uuid,
            name=name,
            waypoints=waypoints,
            animate=animate,
            sceneId=scene_id,
            userId=user_id,
        )

    def remove_effect(
        self,
        uuid: str,
        *,
        effect_id: str | None = None,
        status_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Remove an active effect or status (``DELETE /effects``)."""
        return self.forward(
            "remove-effect",
            client_id=client_id,
            uuid=uuid,
            effectId=effect_id,
            statusId=status_id,
            userId=user_id,
        )

    def get_effects(
        self,
        uuid: str,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Active effects of an actor or token (``GET /effects``)."""
        return self.forward("get-effects", client_id=client_id, uuid=uuid, userId=user_id)

    def add_effect(
        self,
        uuid: str,
        *,
        status_id: str | None = None,
        effect_data: dict[str, Any] | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add an active effect or status (``POST /effects``)."""
        return self.forward(
            "add-effect",
            client_id=client_id,
            uuid=uuid,
            statusId=status_id,
            effectData=effect_data,
            userId=user_id,
        )

    def get_status_effects(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """The status effects the system offers (``GET /effects/list``)."""
        return self.forward("get-status-effects", client_id=client_id, userId=user_id)

    def play_sound(
        self,
        src: str,
        *,
        volume: float | None = None,
        loop: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Play a sound file (``POST /play-sound``)."""
        return self.forward(
            "play-sound", client_id=client_id, src=src, volume=volume, loop=loop, userId=user_id
        )

    def playlist_next(
        self,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Skip to the next sound of a playlist (``POST /playlist/next``)."""
        return self.forward(
            "playlist-next",
            client_id=client_id,
            playlistId=playlist_id,
            playlistName=playlist_name,
            userId=user_id,
        )

    def playlist_play(
        self,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        sound_id: str | None = None,
        sound_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Play a playlist or one of its sounds (``POST /playlist/play``)."""
        return self.forward(
            "playlist-play",
            client_id=client_id,
            playlistId=playlist_id,
            playlistName=playlist_name,
            soundId=sound_id,
            soundName=sound_name,
            userId=user_id,
        )

    def playlist_stop(
        self,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Stop a playlist (``POST /playlist/stop``)."""
        return self.forward(
            "playlist-stop",
            client_id=client_id,
            playlistId=playlist_id,
            playlistName=playlist_name,
            userId=user_id,
        )

    def playlist_volume(
        self,
        volume: float,
        *,
        playlist_id: str | None = None,
        playlist_name: str | None = None,
        sound_id: str | None = None,
        sound_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Set a playlist's or sound's volume (``POST /playlist/volume``)."""
        return self.forward(
            "playlist-volume",
            client_id=client_id,
            volume=volume,
            playlistId=playlist_id,
            playlistName=playlist_name,
            soundId=sound_id,
            soundName=sound_name,
            userId=user_id,
        )

    def get_playlists(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Playlists and their sounds (``GET /playlists``)."""
        return self.forward("get-playlists", client_id=client_id, userId=user_id)

    def stop_sound(
        self,
        *,
        src: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Stop a playing sound (``POST /stop-sound``)."""
        return self.forward("stop-sound", client_id=client_id, src=src, userId=user_id)

    def download_file(
        self,
        *,
        path: str | None = None,
        source: str | None = None,
        format: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Download a file (``GET /download``)."""
        return self.forward(
            "download-file",
            client_id=client_id,
            path=path,
            source=source,
            format=format,
            userId=user_id,
        )

    def file_system(
        self,
        *,
        path: str | None = None,
        source: str | None = None,
        recursive: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Browse the file system (``GET /file-system``)."""
        return self.forward(
            "file-system",
            client_id=client_id,
            path=path,
            source=source,
            recursive=recursive,
            userId=user_id,
        )

    def upload_file(
        self,
        *,
        path: str | None = None,
        filename: str | None = None,
        source: str | None = None,
        mime_type: str | None = None,
        overwrite: bool | None = None,
        user_id: str | None = None,
        file_data: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Upload a file (``POST /upload``)."""
        return self.forward(
            "upload-file",
            client_id=client_id,
            path=path,
            filename=filename,
            source=source,
            mimeType=mime_type,
            overwrite=overwrite,
            userId=user_id,
            fileData=file_data,
        )

    def sheet_screenshot(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        actor: bool | None = None,
        format: str | None = None,
        quality: float | None = None,
        scale: float | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """An image of an actor's or item's sheet (``GET /sheet``)."""
        return self.forward(
            "sheet-screenshot",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            actor=actor,
            format=format,
            quality=quality,
            scale=scale,
            userId=user_id,
        )

    def ability_check(
        self,
        actor_uuid: str,
        ability: str,
        *,
        user_id: str | None = None,
        advantage: bool | None = None,
        disadvantage: bool | None = None,
        bonus: Any | None = None,
        create_chat_message: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll an ability check (D&D 5e) (``POST /dnd5e/ability-check``)."""
        return self.forward(
            "ability-check",
            client_id=client_id,
            actorUuid=actor_uuid,
            ability=ability,
            userId=user_id,
            advantage=advantage,
            disadvantage=disadvantage,
            bonus=bonus,
            createChatMessage=create_chat_message,
        )

    def ability_save(
        self,
        actor_uuid: str,
        ability: str,
        *,
        user_id: str | None = None,
        advantage: bool | None = None,
        disadvantage: bool | None = None,
        bonus: Any | None = None,
        create_chat_message: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll a saving throw (D&D 5e) (``POST /dnd5e/ability-save``)."""
        return self.forward(
            "ability-save",
            client_id=client_id,
            actorUuid=actor_uuid,
            ability=ability,
            userId=user_id,
            advantage=advantage,
            disadvantage=disadvantage,
            bonus=bonus,
            createChatMessage=create_chat_message,
        )

    def attune_item(
        self,
        attuned: bool,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        item_uuid: str | None = None,
        item_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Attune or unattune an item (D&D 5e) (``POST /dnd5e/attune-item``)."""
        return self.forward(
            "attune-item",
            client_id=client_id,
            attuned=attuned,
            actorUuid=actor_uuid,
            actorName=actor_name,
            itemUuid=item_uuid,
            itemName=item_name,
            userId=user_id,
        )

    def break_concentration(
        self,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """End an actor's concentration (D&D 5e) (``POST /dnd5e/break-concentration``)."""
        return self.forward(
            "break-concentration",
            client_id=client_id,
            actorUuid=actor_uuid,
            actorName=actor_name,
            userId=user_id,
        )

    def get_concentration(
        self,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """An actor's concentration (D&D 5e) (``GET /dnd5e/concentration``)."""
        return self.forward(
            "get-concentration",
            client_id=client_id,
            actorUuid=actor_uuid,
            actorName=actor_name,
            userId=user_id,
        )

    def concentration_save(
        self,
        damage: float,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        user_id: str | None = None,
        advantage: bool | None = None,
        disadvantage: bool | None = None,
        bonus: Any | None = None,
        create_chat_message: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll a concentration save (D&D 5e) (``POST /dnd5e/concentration-save``)."""
        return self.forward(
            "concentration-save",
            client_id=client_id,
            damage=damage,
            actorUuid=actor_uuid,
            actorName=actor_name,
            userId=user_id,
            advantage=advantage,
            disadvantage=disadvantage,
            bonus=bonus,
            createChatMessage=create_chat_message,
        )

    def death_save(
        self,
        actor_uuid: str,
        *,
        advantage: bool | None = None,
        create_chat_message: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll a death save (D&D 5e) (``POST /dnd5e/death-save``)."""
        return self.forward(
            "death-save",
            client_id=client_id,
            actorUuid=actor_uuid,
            advantage=advantage,
            createChatMessage=create_chat_message,
            userId=user_id,
        )

    def equip_item(
        self,
        equipped: bool,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        item_uuid: str | None = None,
        item_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Equip or unequip an item (D&D 5e) (``POST /dnd5e/equip-item``)."""
        return self.forward(
            "equip-item",
            client_id=client_id,
            equipped=equipped,
            actorUuid=actor_uuid,
            actorName=actor_name,
            itemUuid=item_uuid,
            itemName=item_name,
            userId=user_id,
        )

    def get_actor_details(
        self,
        actor_uuid: str,
        details: list[Any],
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Details of an actor (D&D 5e) (``GET /dnd5e/get-actor-details``)."""
        return self.forward(
            "get-actor-details",
            client_id=client_id,
            actorUuid=actor_uuid,
            details=details,
            userId=user_id,
        )

    def long_rest(
        self,
        *,
        actor_uuid: str | None = None,
        selected: bool | None = None,
        new_day: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Take a long rest (D&D 5e) (``POST /dnd5e/long-rest``)."""
        return self.forward(
            "long-rest",
            client_id=client_id,
            actorUuid=actor_uuid,
            selected=selected,
            newDay=new_day,
            userId=user_id,
        )

    def modify_currency(
        self,
        actor_uuid: str,
        currency: Any,
        amount: float,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add or remove currency (D&D 5e) (``POST /dnd5e/modify-currency``)."""
        return self.forward(
            "modify-currency",
            client_id=client_id,
            actorUuid=actor_uuid,
            currency=currency,
            amount=amount,
            userId=user_id,
        )

    def modify_experience(
        self,
        amount: float,
        *,
        actor_uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add or remove experience (D&D 5e) (``POST /dnd5e/modify-experience``)."""
        return self.forward(
            "modify-experience",
            client_id=client_id,
            amount=amount,
            actorUuid=actor_uuid,
            selected=selected,
            userId=user_id,
        )

    def modify_item_charges(
        self,
        actor_uuid: str,
        amount: float,
        *,
        item_uuid: str | None = None,
        item_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Change an item's charges (D&D 5e) (``POST /dnd5e/modify-item-charges``)."""
        return self.forward(
            "modify-item-charges",
            client_id=client_id,
            actorUuid=actor_uuid,
            amount=amount,
            itemUuid=item_uuid,
            itemName=item_name,
            userId=user_id,
        )

    def prepare_spell(
        self,
        actor_uuid: str,
        spell_name: str,
        prepared: bool,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Prepare or unprepare a spell (D&D 5e) (``POST /dnd5e/prepare-spell``)."""
        return self.forward(
            "prepare-spell",
            client_id=client_id,
            actorUuid=actor_uuid,
            spellName=spell_name,
            prepared=prepared,
            userId=user_id,
        )

    def short_rest(
        self,
        *,
        actor_uuid: str | None = None,
        selected: bool | None = None,
        auto_h_d: bool | None = None,
        auto_h_d_threshold: float | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Take a short rest (D&D 5e) (``POST /dnd5e/short-rest``)."""
        return self.forward(
            "short-rest",
            client_id=client_id,
            actorUuid=actor_uuid,
            selected=selected,
            autoHD=auto_h_d,
            autoHDThreshold=auto_h_d_threshold,
            userId=user_id,
        )

    def skill_check(
        self,
        actor_uuid: str,
        skill: str,
        *,
        user_id: str | None = None,
        advantage: bool | None = None,
        disadvantage: bool | None = None,
        bonus: Any | None = None,
        create_chat_message: bool | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll a skill check (D&D 5e) (``POST /dnd5e/skill-check``)."""
        return self.forward(
            "skill-check",
            client_id=client_id,
            actorUuid=actor_uuid,
            skill=skill,
            userId=user_id,
            advantage=advantage,
            disadvantage=disadvantage,
            bonus=bonus,
            createChatMessage=create_chat_message,
        )

    def transfer_currency(
        self,
        currency: Any,
        *,
        source_actor_uuid: str | None = None,
        source_actor_name: str | None = None,
        target_actor_uuid: str | None = None,
        target_actor_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Move currency between actors (D&D 5e) (``POST /dnd5e/transfer-currency``)."""
        return self.forward(
            "transfer-currency",
            client_id=client_id,
            currency=currency,
            sourceActorUuid=source_actor_uuid,
            sourceActorName=source_actor_name,
            targetActorUuid=target_actor_uuid,
            targetActorName=target_actor_name,
            userId=user_id,
        )

    def use_ability(
        self,
        actor_uuid: str,
        *,
        ability_uuid: str | None = None,
        ability_name: str | None = None,
        target_uuid: str | None = None,
        target_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Use an ability (D&D 5e) (``POST /dnd5e/use-ability``)."""
        return self.forward(
            "use-ability",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )

    def use_feature(
        self,
        actor_uuid: str,
        *,
        ability_uuid: str | None = None,
        ability_name: str | None = None,
        target_uuid: str | None = None,
        target_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Use a feature (D&D 5e) (``POST /dnd5e/use-feature``)."""
        return self.forward(
            "use-feature",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )

    def use_item(
        self,
        actor_uuid: str,
        *,
        ability_uuid: str | None = None,
        ability_name: str | None = None,
        target_uuid: str | None = None,
        target_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Use an item (D&D 5e) (``POST /dnd5e/use-item``)."""
        return self.forward(
            "use-item",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )

    def use_spell(
        self,
        actor_uuid: str,
        *,
        ability_uuid: str | None = None,
        ability_name: str | None = None,
        target_uuid: str | None = None,
        target_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Cast a spell (D&D 5e) (``POST /dnd5e/use-spell``)."""
        return self.forward(
            "use-spell",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )
