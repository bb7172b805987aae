"""The client WebSocket /ws/api (SPEC 14) against a module played in Python: authentication,
forwarded routes as request frames, subscriptions, and errors as frames with HTTP's codes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ..conftest import RelayHandle, wait_until
from .test_events import _module, _roll, _updates


def _api_url(relay: RelayHandle) -> str:
    return relay.url.replace("http://", "ws://") + "/ws/api"


async def _recv(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return frame


async def _open(relay: RelayHandle, key: str, **auth: Any) -> ClientConnection:
    ws = await connect(_api_url(relay))
    await ws.send(json.dumps({"type": "auth", "token": key, **auth}))
    hello = await _recv(ws)
    assert hello["type"] == "auth-success", hello
    connected = await _recv(ws)
    assert connected["type"] == "connected" and "entity" in connected["supportedTypes"]
    assert "roll-events" in connected["eventChannels"]
    return ws


async def test_requests_and_a_subscription_on_one_socket(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    module = await _module(relay, key_id)
    ws = await _open(relay, key)
    await ws.send(json.dumps({"type": "entity", "requestId": "q1", "uuid": "Actor.a1"}))
    reply = await _recv(ws)
    assert (reply["type"], reply["requestId"], reply["clientId"]) == (
        "entity-result",
        "q1",
        "world-1",
    )
    assert reply["data"]["uuid"] == "Actor.a1" and reply["data"]["requestId"] != "q1"
    await ws.send(json.dumps({"type": "roll", "requestId": "q2"}))
    bad = await _recv(ws)
    assert (bad["type"], bad["requestId"], bad["code"], bad["status"]) == (
        "roll-result",
        "q2",
        "BAD_REQUEST",
        400,
    )
    await ws.send(json.dumps({"type": "execute-js", "requestId": "q3", "script": "1"}))
    denied = await _recv(ws)
    assert (denied["code"], denied["status"]) == ("SCOPE_DENIED", 403)
    await ws.send(json.dumps({"type": "no-such-thing", "requestId": "q4"}))
    assert (await _recv(ws))["type"] == "error"
    await ws.send("not json")
    assert (await _recv(ws))["error"] == "Invalid JSON"

    await ws.send(
        json.dumps(
            {
                "type": "subscribe",
                "channel": "roll-events",
                "requestId": "s1",
                "filters": {"userId": "alice"},
            }
        )
    )
    assert await _recv(ws) == {"type": "subscribed", "channel": "roll-events", "requestId": "s1"}
    assert await wait_until(lambda: _updates(module) == [("roll-events", 1)])
    await module.send(_roll("bob", 3))
    await module.send(_roll("alice", 9))
    event = await _recv(ws)
    assert (event["type"], event["clientId"], event["data"]["rollTotal"]) == (
        "roll-event",
        "world-1",
        9,
    )
    await ws.send(json.dumps({"type": "ping", "requestId": "p"}))
    assert await _recv(ws) == {"type": "pong", "requestId": "p"}
    await ws.send(json.dumps({"type": "unsubscribe", "channel": "roll-events", "requestId": "u"}))
    gone = await _recv(ws)
    assert (gone["type"], gone["removed"]) == ("unsubscribed", 1)
    assert await wait_until(lambda: _updates(module) == [("roll-events", 1), ("roll-events", 0)])
    await ws.send(json.dumps({"type": "subscribe", "channel": "nope", "requestId": "s2"}))
    assert (await _recv(ws))["code"] == "BAD_REQUEST"
    await ws.close()
    await module.close()


async def test_authentication(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    _, other_key = relay.new_key("other")
    module = await _module(relay, key_id)
    by_header = await connect(_api_url(relay), additional_headers={"x-api-key": key})
    assert (await _recv(by_header))["type"] == "auth-success"
    await by_header.close()
    for first_frame, reason in (
        ({"type": "auth", "token": "frk_wrong"}, "Invalid API key"),
        ({"type": "hello"}, "Invalid auth message"),
        ({"type": "auth", "token": other_key}, "no connected client for this API key"),
    ):
        ws = await connect(_api_url(relay))
        await ws.send(json.dumps(first_frame))
        try:
            await _recv(ws)
        except ConnectionClosed as exc:
            assert exc.rcvd is not None
            assert (exc.rcvd.code, exc.rcvd.reason) == (4002, reason)
        else:
            raise AssertionError("the socket stayed open")
    await module.close()
