"""A Python WebSocket client that plays the Foundry module against a real relay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


class FakeModule:
    def __init__(
        self,
        ws_url: str,
        client_id: str,
        *,
        token: str | None = None,
        legacy_key: str | None = None,
        **meta: str,
    ) -> None:
        query = {
            "id": client_id,
            "worldId": "w1",
            "worldTitle": "World One",
            "foundryVersion": "13.345",
            "systemId": "dnd5e",
            "systemTitle": "D&D",
            "systemVersion": "4.0",
            **meta,
        }
        if legacy_key is not None:
            query["token"] = legacy_key
        self.url = ws_url + "?" + urlencode(query)
        self.client_id = client_id
        self.token = token
        self.ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self.requests: list[dict[str, Any]] = []
        self.notices: list[dict[str, Any]] = []  # frames without a requestId, while serving

    async def open(
        self, *, send_auth: bool = True, max_size: int | None = None
    ) -> ClientConnection:
        self.ws = await connect(self.url, max_size=max_size, open_timeout=10)
        if send_auth and self.token is not None:
            await self.ws.send(json.dumps({"type": "auth", "token": self.token}))
        return self.ws

    async def connect(self) -> dict[str, Any]:
        """Open, authenticate, and return the relay's first frame (auth-success)."""
        ws = await self.open()
        return json.loads(await asyncio.wait_for(ws.recv(), 10))

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        assert self.ws is not None
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(frame))

    async def closed_with(self, timeout: float = 15) -> tuple[int | None, str | None]:
        assert self.ws is not None
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, None)

    def serve(self, handler: Handler) -> None:
        """Answer requests in the background with ``handler``."""

        async def loop() -> None:
            assert self.ws is not None
            try:
                async for raw in self.ws:
                    frame = json.loads(raw)
                    if "requestId" not in frame or frame.get("type") == "remote-response":
                        self.notices.append(frame)
                        continue
                    self.requests.append(frame)
                    reply = await handler(frame)
                    if reply is not None:
                        await self.ws.send(json.dumps(reply))
            except ConnectionClosed:
                pass

        self._task = asyncio.create_task(loop())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.ws is not None:
            await self.ws.close()


async def echo(frame: dict[str, Any]) -> dict[str, Any]:
    """Reply to any request with its own parameters under ``echo``."""
    return {"type": frame["type"] + "-result", "requestId": frame["requestId"], "echo": frame}
