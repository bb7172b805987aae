"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Canvas routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncCanvasRoutes(AsyncRouteBase):
    async def delete_canvas_document(
        self,
        document_type: str,
        document_id: str,
        *,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a canvas document (``DELETE /canvas/{documentType}``)."""
        return await self.forward(
            "delete-canvas-document",
            client_id=client_id,
            documentType=document_type,
            documentId=document_id,
            sceneId=scene_id,
            userId=user_id,
        )

    async def get_canvas_documents(
        self,
        document_type: str,
        *,
        scene_id: str | None = None,
        document_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Canvas documents of a type in a scene (``GET /canvas/{documentType}``)."""
        return await self.forward(
            "get-canvas-documents",
            client_id=client_id,
            documentType=document_type,
            sceneId=scene_id,
            documentId=document_id,
            userId=user_id,
        )

    async def create_canvas_document(
        self,
        document_type: str,
        data: dict[str, Any],
        *,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create canvas documents in a scene (``POST /canvas/{documentType}``)."""
        return await self.forward(
            "create-canvas-document",
            client_id=client_id,
            documentType=document_type,
            sceneId=scene_id,
            userId=user_id,
            data=data,
        )

    async def update_canvas_document(
        self,
        document_type: str,
        document_id: str,
        data: dict[str, Any],
        *,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update a canvas document (``PUT /canvas/{documentType}``)."""
        return await self.forward(
            "update-canvas-document",
            client_id=client_id,
            documentType=document_type,
            documentId=document_id,
            sceneId=scene_id,
            userId=user_id,
            data=data,
        )

    async def measure_distance(
        self,
        *,
        origin_x: float | None = None,
        origin_y: float | None = None,
        target_x: float | None = None,
        target_y: float | None = None,
        origin_uuid: str | None = None,
        origin_name: str | None = None,
        target_uuid: str | None = None,
        target_name: str | None = None,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Distance between two points or tokens (``GET /measure-distance``)."""
        return await self.forward(
            "measure-distance",
            client_id=client_id,
            originX=origin_x,
            originY=origin_y,
            targetX=target_x,
            targetY=target_y,
            originUuid=origin_uuid,
            originName=origin_name,
            targetUuid=target_uuid,
            targetName=target_name,
            sceneId=scene_id,
            userId=user_id,
        )

    async def move_token(
        self,
        x: float,
        y: float,
        *,
        uuid: str | None = None,
        name: str | None = None,
        waypoints: list[Any] | None = None,
        animate: bool | None = None,
        scene_id: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Move a token (optionally along waypoints) (``POST /move-token``)."""
        return await self.forward(
            "move-token",
            client_id=client_id,
            x=x,
            y=y,
            uuid=uuid,
            name=name,
            waypoints=waypoints,
            animate=animate,
            sceneId=scene_id,
            userId=user_id,
        )
