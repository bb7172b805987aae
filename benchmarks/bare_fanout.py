"""The floor of P9: the least a Python relay does to fan an event out. A bare Starlette app under
the same uvicorn (uvloop, httptools): the one module socket at ``/relay`` puts each frame it
receives into an in-process queue per subscriber of ``GET /sse``, which writes it as a
server-sent event. No authentication, no filters, no limits.

    python benchmarks/bare_fanout.py PORT
"""

from __future__ import annotations

import asyncio
import sys

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

QUEUES: set[asyncio.Queue[bytes]] = set()


async def sse(request: Request) -> StreamingResponse:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    QUEUES.add(queue)

    async def stream():  # type: ignore[no-untyped-def]
        try:
            yield b'event: connected\ndata: {"clientId":"bare"}\n\n'
            while True:
                yield await queue.get()
        finally:
            QUEUES.discard(queue)

    return StreamingResponse(stream(), media_type="text/event-stream")


async def module(ws: WebSocket) -> None:
    await ws.accept()
    await ws.receive_text()  # the auth frame: accepted
    await ws.send_text('{"type":"auth-success"}')
    while True:
        try:
            raw = await ws.receive_text()
        except WebSocketDisconnect:
            return
        frame = orjson.loads(raw)
        if frame.get("type") == "roll-data":
            item = b"event: roll\ndata: " + orjson.dumps(frame["data"]) + b"\n\n"
            for queue in QUEUES:
                queue.put_nowait(item)


app = Starlette(routes=[Route("/sse", sse), WebSocketRoute("/relay", module)])

if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )
