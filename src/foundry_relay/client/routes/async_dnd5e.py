"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Dnd5e routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncDnd5eRoutes(AsyncRouteBase):
    async def ability_check(
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
        return await self.forward(
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

    async def ability_save(
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
        return await self.forward(
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

    async def attune_item(
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
        return await self.forward(
            "attune-item",
            client_id=client_id,
            attuned=attuned,
            actorUuid=actor_uuid,
            actorName=actor_name,
            itemUuid=item_uuid,
            itemName=item_name,
            userId=user_id,
        )

    async def break_concentration(
        self,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """End an actor's concentration (D&D 5e) (``POST /dnd5e/break-concentration``)."""
        return await self.forward(
            "break-concentration",
            client_id=client_id,
            actorUuid=actor_uuid,
            actorName=actor_name,
            userId=user_id,
        )

    async def get_concentration(
        self,
        *,
        actor_uuid: str | None = None,
        actor_name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """An actor's concentration (D&D 5e) (``GET /dnd5e/concentration``)."""
        return await self.forward(
            "get-concentration",
            client_id=client_id,
            actorUuid=actor_uuid,
            actorName=actor_name,
            userId=user_id,
        )

    async def concentration_save(
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
        return await self.forward(
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

    async def death_save(
        self,
        actor_uuid: str,
        *,
        advantage: bool | None = None,
        create_chat_message: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Roll a death save (D&D 5e) (``POST /dnd5e/death-save``)."""
        return await self.forward(
            "death-save",
            client_id=client_id,
            actorUuid=actor_uuid,
            advantage=advantage,
            createChatMessage=create_chat_message,
            userId=user_id,
        )

    async def equip_item(
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
        return await self.forward(
            "equip-item",
            client_id=client_id,
            equipped=equipped,
            actorUuid=actor_uuid,
            actorName=actor_name,
            itemUuid=item_uuid,
            itemName=item_name,
            userId=user_id,
        )

    async def get_actor_details(
        self,
        actor_uuid: str,
        details: list[Any],
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Details of an actor (D&D 5e) (``GET /dnd5e/get-actor-details``)."""
        return await self.forward(
            "get-actor-details",
            client_id=client_id,
            actorUuid=actor_uuid,
            details=details,
            userId=user_id,
        )

    async def long_rest(
        self,
        *,
        actor_uuid: str | None = None,
        selected: bool | None = None,
        new_day: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Take a long rest (D&D 5e) (``POST /dnd5e/long-rest``)."""
        return await self.forward(
            "long-rest",
            client_id=client_id,
            actorUuid=actor_uuid,
            selected=selected,
            newDay=new_day,
            userId=user_id,
        )

    async def modify_currency(
        self,
        actor_uuid: str,
        currency: Any,
        amount: float,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add or remove currency (D&D 5e) (``POST /dnd5e/modify-currency``)."""
        return await self.forward(
            "modify-currency",
            client_id=client_id,
            actorUuid=actor_uuid,
            currency=currency,
            amount=amount,
            userId=user_id,
        )

    async def modify_experience(
        self,
        amount: float,
        *,
        actor_uuid: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add or remove experience (D&D 5e) (``POST /dnd5e/modify-experience``)."""
        return await self.forward(
            "modify-experience",
            client_id=client_id,
            amount=amount,
            actorUuid=actor_uuid,
            selected=selected,
            userId=user_id,
        )

    async def modify_item_charges(
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
        return await self.forward(
            "modify-item-charges",
            client_id=client_id,
            actorUuid=actor_uuid,
            amount=amount,
            itemUuid=item_uuid,
            itemName=item_name,
            userId=user_id,
        )

    async def prepare_spell(
        self,
        actor_uuid: str,
        spell_name: str,
        prepared: bool,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Prepare or unprepare a spell (D&D 5e) (``POST /dnd5e/prepare-spell``)."""
        return await self.forward(
            "prepare-spell",
            client_id=client_id,
            actorUuid=actor_uuid,
            spellName=spell_name,
            prepared=prepared,
            userId=user_id,
        )
