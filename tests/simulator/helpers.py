"""A stand-in relay WebSocket server for simulator tests, and login helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response


@dataclass
class Peer:
    conn: ServerConnection
    path: str
    auth: dict[str, Any] | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    inbox: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


@dataclass
class StandInRelay:
    url: str
    peers: list[Peer] = field(default_factory=list)
    close_with: tuple[int, str] | None = None  # close every new socket after its auth frame
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    # Plain HTTP: the module's GET /api/clients/{id}/active probe (paths recorded).
    active_status: int = 404
    probes: list[str] = field(default_factory=list)

    @property
    def auth_frames(self) -> list[dict[str, Any]]:
        """Every auth frame this relay ever received (a token sent here has left)."""
        return [p.auth for p in self.peers if p.auth is not None]

    async def request(self, peer: Peer, frame: dict[str, Any]) -> dict[str, Any]:
        await peer.conn.send(json.dumps(frame))
        while True:
            reply = await asyncio.wait_for(peer.inbox.get(), 10)
            if reply.get("requestId") == frame.get("requestId"):
                return reply


@contextlib.asynccontextmanager
async def stand_in_relay() -> AsyncIterator[StandInRelay]:
    relay = StandInRelay(url="")

    async def handler(conn: ServerConnection) -> None:
        assert conn.request is not None
        peer = Peer(conn=conn, path=conn.request.path)
        relay.peers.append(peer)
        try:
            peer.auth = json.loads(await asyncio.wait_for(conn.recv(), 10))
            if relay.close_with is not None:
                await conn.close(*relay.close_with)
                return
            await conn.send(json.dumps({"type": "auth-success"}))
            relay.connected.set()
            async for raw in conn:
                frame = json.loads(raw)
                peer.frames.append(frame)
                await peer.inbox.put(frame)
        except Exception:
            pass

    def http(conn: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        relay.probes.append(request.path)
        body = '{"active": false}' if relay.active_status == 200 else '{"error": "unknown"}'
        response = conn.respond(relay.active_status, body)
        response.headers["Access-Control-Allow-Origin"] = "*"
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = "application/json"
        return response

    async with serve(handler, "127.0.0.1", 0, process_request=http) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        relay.url = f"ws://127.0.0.1:{port}"
        yield relay


async def login_with_form(
    page: Any,
    base: str,
    user: str = "Gamemaster",
    password: str = "gm-password",
    *,
    major: int = 13,
) -> None:
    await page.goto(base + "/join")
    await page.wait_for_selector("#join-game-form")
    if major >= 14:
        await page.fill("input[name=username]", user)
    else:
        await page.select_option("select[name=userid]", label=user)
    await page.fill("input[name=password]", password)
    await page.click("button[name=join]")
    await page.wait_for_url("**/game")
    await page.wait_for_function("window.game && window.game.ready === true")
