"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Scene routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncSceneRoutes(AsyncRouteBase):
    async def delete_scene(
        self,
        *,
        scene_id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete a scene (``DELETE /scene``)."""
        return await self.forward(
            "delete-scene", client_id=client_id, sceneId=scene_id, name=name, userId=user_id
        )

    async def get_scene(
        self,
        *,
        scene_id: str | None = None,
        name: str | None = None,
        active: bool | None = None,
        viewed: bool | None = None,
        all: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Scenes: one, the active, the viewed or all (``GET /scene``)."""
        return await self.forward(
            "get-scene",
            client_id=client_id,
            sceneId=scene_id,
            name=name,
            active=active,
            viewed=viewed,
            all=all,
            userId=user_id,
        )

    async def create_scene(
        self,
        data: dict[str, Any],
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Create a scene (``POST /scene``)."""
        return await self.forward("create-scene", client_id=client_id, userId=user_id, data=data)

    async def update_scene(
        self,
        data: dict[str, Any],
        *,
        scene_id: str | None = None,
        name: str | None = None,
        active: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Update a scene (``PUT /scene``)."""
        return await self.forward(
            "update-scene",
            client_id=client_id,
            sceneId=scene_id,
            name=name,
            active=active,
            userId=user_id,
            data=data,
        )

    async def scene_screenshot(
        self,
        *,
        scene_id: str | None = None,
        active: bool | None = None,
        format: str | None = None,
        quality: float | None = None,
        viewport: bool | None = None,
        width: int | None = None,
        height: int | None = None,
        show_grid: bool | None = None,
        hide_overlays: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A rendered image of a scene (``GET /scene/image``)."""
        return await self.forward(
            "scene-screenshot",
            client_id=client_id,
            sceneId=scene_id,
            active=active,
            format=format,
            quality=quality,
            viewport=viewport,
            width=width,
            height=height,
            showGrid=show_grid,
            hideOverlays=hide_overlays,
            userId=user_id,
        )

    async def scene_raw_image(
        self,
        *,
        scene_id: str | None = None,
        active: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """A scene's background image (``GET /scene/image/raw``)."""
        return await self.forward(
            "scene-raw-image", client_id=client_id, sceneId=scene_id, active=active, userId=user_id
        )

    async def switch_scene(
        self,
        *,
        scene_id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Activate a scene (``POST /switch-scene``)."""
        return await self.forward(
            "switch-scene", client_id=client_id, sceneId=scene_id, name=name, userId=user_id
        )
