"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Roll routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncRollRoutes(AsyncRouteBase):
    async def last_roll(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """The most recent roll (``GET /lastroll``)."""
        return await self.forward("last-roll", client_id=client_id, userId=user_id)

    async def roll(
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
        return await self.forward(
            "roll",
            client_id=client_id,
            userId=user_id,
            createChatMessage=create_chat_message,
            flavor=flavor,
            formula=formula,
            speaker=speaker,
            whisper=whisper,
        )

    async def rolls(
        self,
        *,
        limit: int | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Recent rolls (``GET /rolls``)."""
        return await self.forward("rolls", client_id=client_id, limit=limit, userId=user_id)
