"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
the Chat routes, one typed method each, each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from ..common import ModuleReply
from .async_base import AsyncRouteBase


class AsyncChatRoutes(AsyncRouteBase):
    async def chat_flush(
        self,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete every chat message (``DELETE /chat``)."""
        return await self.forward("chat-flush", client_id=client_id, userId=user_id)

    async def chat_messages(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        user_id: str | None = None,
        chat_type: str | None = None,
        speaker: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Chat messages, newest first (``GET /chat``)."""
        return await self.forward(
            "chat-messages",
            client_id=client_id,
            limit=limit,
            offset=offset,
            userId=user_id,
            chatType=chat_type,
            speaker=speaker,
        )

    async def chat_send(
        self,
        content: str,
        *,
        user_id: str | None = None,
        alias: str | None = None,
        chat_type: str | None = None,
        flavor: str | None = None,
        speaker: str | None = None,
        whisper: list[Any] | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Send a chat message (``POST /chat``)."""
        return await self.forward(
            "chat-send",
            client_id=client_id,
            userId=user_id,
            alias=alias,
            chatType=chat_type,
            content=content,
            flavor=flavor,
            speaker=speaker,
            whisper=whisper,
        )

    async def chat_delete(
        self,
        message_id: str,
        *,
        user_id: str | None = None,
        client_id: str | None = None,
    ) -> ModuleReply:
        """Delete one chat message (``DELETE /chat/{messageId}``)."""
        return await self.forward(
            "chat-delete", client_id=client_id, messageId=message_id, userId=user_id
        )
