"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Utility routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncUtilityRoutes(AsyncRouteBase):
    async def execute_js(
        self,
        *,
        user_id: str | None = None,
        script: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Run JavaScript in the GM's browser (``POST /execute-js``)."""
        return await self.forward("execute-js", client_id=client_id, userId=user_id, script=script)

    async def players(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Users of the world (``GET /players``)."""
        return await self.forward("players", client_id=client_id, userId=user_id)

    async def select(
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
        return await self.forward(
            "select",
            client_id=client_id,
            userId=user_id,
            all=all,
            data=data,
            name=name,
            overwrite=overwrite,
            uuids=uuids,
        )

    async def selected(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """The selected tokens (``GET /selected``)."""
        return await self.forward("selected", client_id=client_id, userId=user_id)

    async def world_info(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """World, system and version information (``GET /world-info``)."""
        return await self.forward("world-info", client_id=client_id, userId=user_id)
