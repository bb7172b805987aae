"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the FileSystem routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncFileSystemRoutes(AsyncRouteBase):
    async def download_file(
        self,
        *,
        path: str | None = None,
        source: str | None = None,
        format: str | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Download a file (``GET /download``)."""
        return await self.forward(
            "download-file",
            client_id=client_id,
            path=path,
            source=source,
            format=format,
            userId=user_id,
        )

    async def file_system(
        self,
        *,
        path: str | None = None,
        source: str | None = None,
        recursive: bool | None = None,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Browse the file system (``GET /file-system``)."""
        return await self.forward(
            "file-system",
            client_id=client_id,
            path=path,
            source=source,
            recursive=recursive,
            userId=user_id,
        )

    async def upload_file(
        self,
        *,
        path: str | None = None,
        filename: str | None = None,
        source: str | None = None,
        mime_type: str | None = None,
        overwrite: bool | None = None,
        user_id: str | None = None,
        file_data: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Upload a file (``POST /upload``)."""
        return await self.forward(
            "upload-file",
            client_id=client_id,
            path=path,
            filename=filename,
            source=source,
            mimeType=mime_type,
            overwrite=overwrite,
            userId=user_id,
            fileData=file_data,
        )
