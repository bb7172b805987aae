"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Dnd5e2 routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncDnd5e2Routes(AsyncRouteBase):
    async def short_rest(
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
        return await self.forward(
            "short-rest",
            client_id=client_id,
            actorUuid=actor_uuid,
            selected=selected,
            autoHD=auto_h_d,
            autoHDThreshold=auto_h_d_threshold,
            userId=user_id,
        )

    async def skill_check(
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
        return await self.forward(
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

    async def transfer_currency(
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
        return await self.forward(
            "transfer-currency",
            client_id=client_id,
            currency=currency,
            sourceActorUuid=source_actor_uuid,
            sourceActorName=source_actor_name,
            targetActorUuid=target_actor_uuid,
            targetActorName=target_actor_name,
            userId=user_id,
        )

    async def use_ability(
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
        return await self.forward(
            "use-ability",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )

    async def use_feature(
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
        return await self.forward(
            "use-feature",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )

    async def use_item(
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
        return await self.forward(
            "use-item",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )

    async def use_spell(
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
        return await self.forward(
            "use-spell",
            client_id=client_id,
            actorUuid=actor_uuid,
            abilityUuid=ability_uuid,
            abilityName=ability_name,
            targetUuid=target_uuid,
            targetName=target_name,
            userId=user_id,
        )
