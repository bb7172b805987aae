"""Reading server-sent event streams in tests: a real HTTP client that parses the wire format."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ..conftest import RESPONSE_BODIES


class EventStream:
    """One open SSE response: ``await next()`` returns ``(event, data)``; comments come back as
    ``(":", text)`` when asked for."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 10, comments: bool = False) -> tuple[str, Any]:
        async with asyncio.timeout(timeout):
            name, data = "message", []
            while True:
                line = await anext(self._lines)
                RESPONSE_BODIES.append(line)  # joins the end-of-run secret scan
                if line == "":
                    if data:
                        text = "\n".join(data)
                        try:
                            return name, json.loads(text)
                        except json.JSONDecodeError:
                            return name, text
                    continue
                if line.startswith(":"):
                    if comments:
                        return ":", line[1:].strip()
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    name = value
                elif field == "data":
                    data.append(value)

    async def nothing_within(self, seconds: float) -> bool:
        """True if no event arrives within ``seconds``."""
        try:
            await self.next(timeout=seconds)
        except TimeoutError:
            return True
        return False

    async def ended(self, timeout: float = 10) -> bool:
        """True once the relay has closed the stream."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await anext(self._lines)
        except StopAsyncIteration:
            return True


@contextlib.asynccontextmanager
async def subscribe(
    http: httpx.AsyncClient, path: str, **params: Any
) -> AsyncIterator[EventStream]:
    async with http.stream("GET", path, params=params, timeout=None) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventStream(response)
