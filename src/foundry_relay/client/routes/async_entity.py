"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Entity routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncEntityRoutes(AsyncRouteBase):
    async def create(
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
        return await self.forward(
            "create",
            client_id=client_id,
            keepId=keep_id,
            override=override,
            userId=user_id,
            data=data,
            entityType=entity_type,
            folder=folder,
        )

    async def decrease(
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
        return await self.forward(
            "decrease",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            userId=user_id,
            amount=amount,
            attribute=attribute,
        )

    async def delete(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete an entity (``DELETE /delete``)."""
        return await self.forward(
            "delete", client_id=client_id, uuid=uuid, selected=selected, userId=user_id
        )

    async def get_entity(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        actor: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """An entity by uuid (or the selected one) (``GET /get``)."""
        return await self.forward(
            "entity", client_id=client_id, uuid=uuid, selected=selected, actor=actor, userId=user_id
        )

    async def give(
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
        return await self.forward(
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

    async def increase(
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
        return await self.forward(
            "increase",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            userId=user_id,
            amount=amount,
            attribute=attribute,
        )

    async def kill(
        self,
        *,
        uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Mark an actor or token dead (``POST /kill``)."""
        return await self.forward(
            "kill", client_id=client_id, uuid=uuid, selected=selected, userId=user_id
        )

    async def remove(
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
        return await self.forward(
            "remove",
            client_id=client_id,
            selected=selected,
            userId=user_id,
            actorUuid=actor_uuid,
            itemName=item_name,
            itemUuid=item_uuid,
            quantity=quantity,
        )

    async def update(
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
        return await self.forward(
            "update",
            client_id=client_id,
            uuid=uuid,
            selected=selected,
            actor=actor,
            userId=user_id,
            data=data,
        )
