"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Sheet routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncSheetRoutes(AsyncRouteBase):
    async def sheet_screenshot(
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
        return await self.forward(
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
