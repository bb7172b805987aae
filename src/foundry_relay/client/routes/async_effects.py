"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Effects routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncEffectsRoutes(AsyncRouteBase):
    async def remove_effect(
        self,
        uuid: str,
        *,
        effect_id: str | None = None,
        status_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Remove an active effect or status (``DELETE /effects``)."""
        return await self.forward(
            "remove-effect",
            client_id=client_id,
            uuid=uuid,
            effectId=effect_id,
            statusId=status_id,
            userId=user_id,
        )

    async def get_effects(
        self,
        uuid: str,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Active effects of an actor or token (``GET /effects``)."""
        return await self.forward("get-effects", client_id=client_id, uuid=uuid, userId=user_id)

    async def add_effect(
        self,
        uuid: str,
        *,
        status_id: str | None = None,
        effect_data: dict[str, Any] | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Add an active effect or status (``POST /effects``)."""
        return await self.forward(
            "add-effect",
            client_id=client_id,
            uuid=uuid,
            statusId=status_id,
            effectData=effect_data,
            userId=user_id,
        )

    async def get_status_effects(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """The status effects the system offers (``GET /effects/list``)."""
        return await self.forward("get-status-effects", client_id=client_id, userId=user_id)
