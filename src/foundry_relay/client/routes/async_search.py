"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Search routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncSearchRoutes(AsyncRouteBase):
    async def search(
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
        return await self.forward(
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
