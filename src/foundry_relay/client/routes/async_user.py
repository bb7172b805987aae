"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the User routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncUserRoutes(AsyncRouteBase):
    async def delete_user(
        self,
        *,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a user (``DELETE /user``)."""
        return await self.forward(
            "delete-user", client_id=client_id, id=id, name=name, userId=user_id
        )

    async def get_user(
        self,
        *,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A user by id or name (``GET /user``)."""
        return await self.forward("get-user", client_id=client_id, id=id, name=name, userId=user_id)

    async def create_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        password: str | None = None,
        role: int | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create a user (``POST /user``)."""
        return await self.forward(
            "create-user",
            client_id=client_id,
            userId=user_id,
            name=name,
            password=password,
            role=role,
        )

    async def update_user(
        self,
        data: dict[str, Any],
        *,
        id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update a user (``PUT /user``)."""
        return await self.forward(
            "update-user", client_id=client_id, id=id, name=name, userId=user_id, data=data
        )

    async def get_users(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Users of the world (``GET /users``)."""
        return await self.forward("get-users", client_id=client_id, userId=user_id)
