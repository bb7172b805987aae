"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Structure routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncStructureRoutes(AsyncRouteBase):
    async def create_folder(
        self,
        name: str,
        folder_type: str,
        *,
        parent_folder_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create a folder (``POST /create-folder``)."""
        return await self.forward(
            "create-folder",
            client_id=client_id,
            name=name,
            folderType=folder_type,
            parentFolderId=parent_folder_id,
            userId=user_id,
        )

    async def delete_folder(
        self,
        folder_id: str,
        *,
        delete_all: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a folder (``DELETE /delete-folder``)."""
        return await self.forward(
            "delete-folder",
            client_id=client_id,
            folderId=folder_id,
            deleteAll=delete_all,
            userId=user_id,
        )

    async def get_folder(
        self,
        name: str,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A folder by name (``GET /get-folder``)."""
        return await self.forward("get-folder", client_id=client_id, name=name, userId=user_id)

    async def structure(
        self,
        *,
        include_entity_data: bool | None = None,
        path: str | None = None,
        recursive: bool | None = None,
        recursive_depth: int | None = None,
        types: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Folders and entities of the world (``GET /structure``)."""
        return await self.forward(
            "structure",
            client_id=client_id,
            includeEntityData=include_entity_data,
            path=path,
            recursive=recursive,
            recursiveDepth=recursive_depth,
            types=types,
            userId=user_id,
        )
