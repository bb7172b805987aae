"""The module WebSocket /relay: auth, close codes, legacy mode, replacement, keep-alive, limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ..conftest import RelayFactory, RelayHandle, wait_until
from .module_client import FakeModule


async def test_missing_id_is_http_400_before_upgrade(relay: RelayHandle) -> None:
    with pytest.raises(InvalidStatus) as err:
        await connect(relay.ws_url + "?worldId=x")
    assert err.value.response.status_code == 400


async def test_auth_success_only_after_registration(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    _, token = relay.new_token(key_id)
    module = FakeModule(relay.ws_url, "fvtt_aaaaaaaaaaaaaaaa", token=token)
    assert await module.connect() == {"type": "auth-success"}
    async with relay.http(key) as http:  # registered the moment auth-success arrived
        body = (await http.get("/clients")).json()
    assert body["total"] == 1
    client = body["clients"][0]
    assert client["clientId"] == "fvtt_aaaaaaaaaaaaaaaa" and client["worldTitle"] == "World One"
    assert client["isOnline"] is True and "sessionId" not in client
    await module.close()


async def test_auth_timeout_closes_4002(relay_factory: RelayFactory) -> None:
    async with relay_factory(ws_auth_timeout=0.3) as relay:
        module = FakeModule(relay.ws_url, "c1")
        await module.open(send_auth=False)
        assert await module.closed_with() == (4002, "Authentication timeout")


@pytest.mark.parametrize(
    "frame",
    [
        "not json",
        json.dumps({"type": "hello", "token": "x"}),
        json.dumps({"type": "auth", "token": ""}),
        json.dumps({"type": "auth", "token": 5}),
        json.dumps([1]),
    ],
)
async def test_invalid_auth_frame_closes_4002(relay: RelayHandle, frame: str) -> None:
    module = FakeModule(relay.ws_url, "c1")
    ws = await module.open(send_auth=False)
    await ws.send(frame)
    assert await module.closed_with() == (4002, "Invalid auth message")


async def test_unknown_and_revoked_tokens_close_1008(relay: RelayHandle) -> None:
    module = FakeModule(relay.ws_url, "c1", token="frt_unknown")
    await module.open()
    assert await module.closed_with() == (1008, "Authentication failed")
    key_id, _ = relay.new_key()
    token_id, token = relay.new_token(key_id)
    relay.store.revoke_token(token_id)
    module = FakeModule(relay.ws_url, "c1", token=token)
    await module.open()
    assert await module.closed_with() == (1008, "Authentication failed")


async def test_token_of_revoked_key_closes_1008(relay: RelayHandle) -> None:
    key_id, _ = relay.new_key()
    _, token = relay.new_token(key_id)
    relay.store.revoke_key(key_id)
    module = FakeModule(relay.ws_url, "c1", token=token)
    await module.open()
    assert await module.closed_with() == (1008, "Authentication failed")


async def test_client_id_held_by_another_key_closes_4004(relay: RelayHandle) -> None:
    a_id, a_key = relay.new_key("a")
    b_id, b_key = relay.new_key("b")
    _, token_a = relay.new_token(a_id)
    _, token_b = relay.new_token(b_id)
    first = FakeModule(relay.ws_url, "fvtt_shared", token=token_a)
    assert (await first.connect())["type"] == "auth-success"
    thief = FakeModule(relay.ws_url, "fvtt_shared", token=token_b)
    await thief.open()
    assert await thief.closed_with() == (4004, "Client ID already connected")
    async with relay.http(a_key) as http:
        assert online(await http.get("/clients")) == 1
    async with relay.http(b_key) as http:
        assert online(await http.get("/clients")) == 0
    await first.close()


async def test_same_key_reconnect_replaces_old_socket(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    _, token = relay.new_token(key_id)
    old = FakeModule(relay.ws_url, "fvtt_x", token=token)
    await old.connect()
    new = FakeModule(relay.ws_url, "fvtt_x", token=token)
    await new.connect()
    assert await old.closed_with() == (1000, "Replaced by reconnect")
    async with relay.http(key) as http:
        clients = (await http.get("/clients")).json()
    assert clients["total"] == 1
    new.serve(
        lambda f: asyncio.sleep(
            0, {"type": f["type"] + "-result", "requestId": f["requestId"], "ok": "new"}
        )
    )
    async with relay.http(key) as http:
        r = await http.get("/world-info")
    assert r.status_code == 200 and r.json()["ok"] == "new"
    await new.close()


def online(response: Any) -> int:
    """Connected clients in a /clients reply (known offline ones are listed too)."""
    return sum(1 for c in response.json()["clients"] if c["isOnline"])


async def test_legacy_api_key_in_query(relay_factory: RelayFactory) -> None:
    from ..conftest import LOG_LINES

    async with relay_factory(access_log=True) as relay:
        _, key = relay.new_key()
        module = FakeModule(relay.ws_url, "fvtt_legacy", legacy_key=key)
        await module.open(send_auth=False)
        assert await module.recv() == {"type": "auth-success"}
        # The request line with ?token=<api key> is logged, redacted.
        assert any("fvtt_legacy" in line and "token=***" in line for line in LOG_LINES)
        assert not any(key in line for line in LOG_LINES)
        bad = FakeModule(relay.ws_url, "fvtt_legacy2", legacy_key="frk_wrong")
        await bad.open(send_auth=False)
        assert await bad.closed_with() == (1008, "Authentication failed")
        await module.close()
    async with relay_factory(allow_legacy_auth=False, ws_auth_timeout=0.3) as relay:
        _, key = relay.new_key()
        module = FakeModule(relay.ws_url, "fvtt_legacy", legacy_key=key)
        await module.open(send_auth=False)
        # 1008 stops an old module; it would retry a 4002 every second forever.
        assert await module.closed_with() == (1008, "Authentication failed")


async def test_app_ping_gets_pong_and_player_list_is_kept(relay: RelayHandle) -> None:
    key_id, _ = relay.new_key()
    _, token = relay.new_token(key_id)
    module = FakeModule(relay.ws_url, "fvtt_p", token=token)
    await module.connect()
    await module.send({"type": "player-list", "users": [{"id": "u1", "name": "GM"}]})
    await module.send({"type": "ping"})
    assert await module.recv() == {"type": "pong"}
    entry = relay.state.hub.registry.get("fvtt_p")
    assert entry.players == [{"id": "u1", "name": "GM"}]
    await module.close()


def _masked_text_frame(payload: bytes) -> bytes:
    import os
    import struct

    mask = os.urandom(4)
    header = bytes([0x81])
    n = len(payload)
    header += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_protocol_pings_drop_a_silent_client(relay_factory: RelayFactory) -> None:
    """A raw client that authenticates and then never reads (so never pongs) is dropped."""
    import base64
    import os

    async with relay_factory(websocket_ping_interval_ms=200) as relay:
        key_id, key = relay.new_key()
        _, token = relay.new_token(key_id)
        reader, writer = await asyncio.open_connection(relay.running.host, relay.running.port)
        ws_key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /relay?id=fvtt_silent HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {ws_key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_masked_text_frame(json.dumps({"type": "auth", "token": token}).encode()))
        await writer.drain()
        registry = relay.state.hub.registry
        assert await wait_until(lambda: registry.get("fvtt_silent") is not None, 5)
        # Dropped after two ping intervals without a pong.
        assert await wait_until(lambda: registry.get("fvtt_silent") is None, 5)
        async with relay.http(key) as http:
            assert online(await http.get("/clients")) == 0
        writer.close()


async def test_oversize_frame_closes_1009(relay_factory: RelayFactory) -> None:
    async with relay_factory(ws_max_message_mb=0.01) as relay:
        key_id, key = relay.new_key()
        _, token = relay.new_token(key_id)
        module = FakeModule(relay.ws_url, "fvtt_big", token=token)
        await module.connect()
        await module.send({"type": "player-list", "users": ["x" * 20_000]})
        code, _ = await module.closed_with()
        assert code == 1009
        assert await wait_until(lambda: relay.state.hub.registry.get("fvtt_big") is None)
        async with relay.http(key) as http:
            assert online(await http.get("/clients")) == 0


async def test_module_probe_endpoint(relay: RelayHandle) -> None:
    key_id, _ = relay.new_key()
    _, token = relay.new_token(key_id)
    async with relay.http() as http:
        assert (await http.get("/api/clients/fvtt_never/active")).status_code == 404
        module = FakeModule(relay.ws_url, "fvtt_seen", token=token)
        await module.connect()
        r = await http.get("/api/clients/fvtt_seen/active")
        assert r.status_code == 200 and r.json() == {"active": True}
        await module.close()
        assert await wait_until(lambda: relay.state.hub.registry.get("fvtt_seen") is None)
        r = await http.get("/api/clients/fvtt_seen/active")
        assert r.status_code == 200 and r.json() == {"active": False}
