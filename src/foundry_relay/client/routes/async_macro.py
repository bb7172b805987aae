"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Macro routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncMacroRoutes(AsyncRouteBase):
    async def execute_macro(
        self,
        uuid: str,
        *,
        user_id: str | None = None,
        args: dict[str, Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Execute a macro (``POST /macro/{uuid}/execute``)."""
        return await self.forward(
            "macro-execute", client_id=client_id, uuid=uuid, userId=user_id, args=args
        )

    async def macros(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """List macros (``GET /macros``)."""
        return await self.forward("macros", client_id=client_id, userId=user_id)
