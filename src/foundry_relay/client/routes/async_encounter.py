"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Encounter routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncEncounterRoutes(AsyncRouteBase):
    async def add_to_encounter(
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
        return await self.forward(
            "add-to-encounter",
            client_id=client_id,
            encounter=encounter,
            selected=selected,
            userId=user_id,
            rollInitiative=roll_initiative,
            uuids=uuids,
        )

    async def encounters(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Encounters (combats) of the world (``GET /encounters``)."""
        return await self.forward("encounters", client_id=client_id, userId=user_id)

    async def end_encounter(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """End an encounter (``POST /end-encounter``)."""
        return await self.forward(
            "end-encounter", client_id=client_id, encounter=encounter, userId=user_id
        )

    async def last_round(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Back to the previous round (``POST /last-round``)."""
        return await self.forward(
            "last-round", client_id=client_id, encounter=encounter, userId=user_id
        )

    async def last_turn(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Back to the previous turn (``POST /last-turn``)."""
        return await self.forward(
            "last-turn", client_id=client_id, encounter=encounter, userId=user_id
        )

    async def next_round(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Advance to the next round (``POST /next-round``)."""
        return await self.forward(
            "next-round", client_id=client_id, encounter=encounter, userId=user_id
        )

    async def next_turn(
        self,
        *,
        encounter: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Advance to the next turn (``POST /next-turn``)."""
        return await self.forward(
            "next-turn", client_id=client_id, encounter=encounter, userId=user_id
        )

    async def remove_from_encounter(
        self,
        *,
        encounter: str | None = None,
        selected: bool | None = None,
        user_id: str | None = None,
        uuids: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Remove tokens from an encounter (``POST /remove-from-encounter``)."""
        return await self.forward(
            "remove-from-encounter",
            client_id=client_id,
            encounter=encounter,
            selected=selected,
            userId=user_id,
            uuids=uuids,
        )

    async def start_encounter(
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
        return await self.forward(
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
