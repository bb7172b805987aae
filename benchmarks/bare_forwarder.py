"""The P6 floor for forwarding: the least a Python relay can do per request. A bare ASGI app
under the same uvicorn (uvloop, httptools): ``GET /<anything>`` becomes a frame to the one
module socket at ``/relay``, the reply with the same id becomes the HTTP 200. No
authentication, no validation, no routing: how close the relay runs to Python's limit.

    python benchmarks/bare_forwarder.py PORT
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from typing import Any

import orjson
import uvicorn


class BareForwarder:
    def __init__(self) -> None:
        self.module_send: Any = None
        self.pending: dict[str, asyncio.Future[bytes]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif scope["type"] == "websocket":
            await self.module(receive, send)
        else:
            await self.forward(scope, send)

    async def module(self, receive: Any, send: Any) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        first = True
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if first:  # the module's auth frame: accept it
                first = False
                self.module_send = send
                await send({"type": "websocket.send", "text": '{"type":"auth-success"}'})
                continue
            raw = message.get("text") or message.get("bytes") or b""
            reply = orjson.loads(raw)
            waiter = self.pending.pop(reply.get("requestId"), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(raw.encode() if isinstance(raw, str) else raw)

    async def forward(self, scope: Any, send: Any) -> None:
        request_id = secrets.token_hex(16)
        waiter = asyncio.get_running_loop().create_future()
        self.pending[request_id] = waiter
        frame = {"type": "world-info", "requestId": request_id, "data": {}}
        await self.module_send({"type": "websocket.send", "text": orjson.dumps(frame).decode()})
        body = await waiter
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(
        BareForwarder(),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )
