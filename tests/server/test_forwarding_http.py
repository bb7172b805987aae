"""Forwarding REST calls to a module client, with a Python WebSocket client as the module."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from ..conftest import RelayFactory, RelayHandle
from .module_client import FakeModule, echo


async def connected(
    relay: RelayHandle, client_id: str = "fvtt_0000000000000001", key: tuple[str, str] | None = None
) -> tuple[FakeModule, str]:
    key_id, api_key = key or relay.new_key()
    _, token = relay.new_token(key_id)
    module = FakeModule(relay.ws_url, client_id, token=token)
    assert (await module.connect())["type"] == "auth-success"
    return module, api_key


CASES: list[tuple[str, str, dict[str, Any], dict[str, Any] | None, str, dict[str, Any]]] = [
    (
        "GET",
        "/get",
        {"uuid": "Actor.a", "actor": "true"},
        None,
        "entity",
        {"uuid": "Actor.a", "actor": True},
    ),
    (
        "GET",
        "/search",
        {"query": "gob", "limit": "3"},
        None,
        "search",
        {"query": "gob", "limit": 3},
    ),
    (
        "POST",
        "/roll",
        {},
        {"formula": "2d20kh1+5", "whisper": ["u1"]},
        "roll",
        {"formula": "2d20kh1+5", "whisper": ["u1"]},
    ),
    (
        "GET",
        "/structure",
        {"recursive": "1", "recursiveDepth": "2"},
        None,
        "structure",
        {"recursive": True, "recursiveDepth": 2},
    ),
    (
        "POST",
        "/create",
        {},
        {"entityType": "Actor", "data": {"name": "N"}},
        "create",
        {"entityType": "Actor", "data": {"name": "N"}},
    ),
    (
        "PUT",
        "/update",
        {"uuid": "Actor.a"},
        {"data": {"name": "M"}},
        "update",
        {"uuid": "Actor.a", "data": {"name": "M"}},
    ),
    ("DELETE", "/delete", {"uuid": "Actor.a"}, None, "delete", {"uuid": "Actor.a"}),
    ("GET", "/macros", {}, None, "macros", {}),
    (
        "POST",
        "/macro/Macro.m1/execute",
        {},
        {"args": {"n": 1}},
        "macro-execute",
        {"uuid": "Macro.m1", "args": {"n": 1}},
    ),
    ("GET", "/world-info", {}, None, "world-info", {}),
    ("GET", "/players", {}, None, "players", {}),
]


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "ws_type", "expected"), CASES, ids=[c[4] for c in CASES]
)
async def test_each_route_forwards_its_frame(
    relay: RelayHandle,
    method: str,
    path: str,
    query: dict[str, Any],
    body: dict[str, Any] | None,
    ws_type: str,
    expected: dict[str, Any],
) -> None:
    module, key = await connected(relay)
    module.serve(echo)
    async with relay.http(key) as http:
        r = await http.request(method, path, params=query, json=body)
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["type"] == ws_type + "-result"
    frame = reply["echo"]
    assert frame["type"] == ws_type and len(frame["requestId"]) == 32
    for name, value in expected.items():
        assert frame[name] == value
    await module.close()


async def test_hundred_concurrent_requests_answered_out_of_order(relay: RelayHandle) -> None:
    module, key = await connected(relay)
    pending: set[asyncio.Task[None]] = set()

    async def shuffled(frame: dict[str, Any]) -> None:
        async def later() -> None:
            await asyncio.sleep(random.random() * 0.3)
            await module.send(
                {
                    "type": "roll-result",
                    "requestId": frame["requestId"],
                    "formula": frame["formula"],
                }
            )

        pending.add(asyncio.create_task(later()))

    module.serve(shuffled)  # type: ignore[arg-type]
    async with relay.http(key) as http:
        results = await asyncio.gather(
            *(http.post("/roll", json={"formula": f"{i}d6"}) for i in range(1, 101))
        )
    assert [r.json()["formula"] for r in results] == [f"{i}d6" for i in range(1, 101)]
    await module.close()


async def test_timeout_is_408(relay_factory: RelayFactory) -> None:
    async with relay_factory(request_timeout=0.3) as relay:
        module, key = await connected(relay)

        async def silent(frame: dict[str, Any]) -> None:
            return None

        module.serve(silent)
        async with relay.http(key) as http:
            r = await http.get("/world-info")
        assert r.status_code == 408 and r.json()["code"] == "REQUEST_TIMEOUT"
        assert relay.state.hub.correlator.pending == {}
        await module.close()


async def test_client_drop_mid_request_is_503_at_once(relay: RelayHandle) -> None:
    module, key = await connected(relay)

    async def drop(frame: dict[str, Any]) -> None:
        assert module.ws is not None
        await module.ws.close()

    module.serve(drop)
    async with relay.http(key) as http:
        r = await http.get("/world-info")
    # 503 CLIENT_GONE, not 408 after the request timeout: failed when the socket closed.
    assert r.status_code == 503 and r.json()["code"] == "CLIENT_GONE"


async def test_reply_from_another_socket_is_ignored(relay: RelayHandle) -> None:
    key = relay.new_key()
    target, api_key = await connected(relay, "fvtt_target", key=key)
    impostor, _ = await connected(relay, "fvtt_impostor", key=key)
    seen: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def hold(frame: dict[str, Any]) -> None:
        await seen.put(frame)

    target.serve(hold)  # type: ignore[arg-type]
    async with relay.http(api_key) as http:
        call = asyncio.create_task(http.get("/world-info", params={"clientId": "fvtt_target"}))
        frame = await asyncio.wait_for(seen.get(), 5)
        await impostor.send(
            {"type": "world-info-result", "requestId": frame["requestId"], "data": {"forged": True}}
        )
        # The relay reads the impostor's frames in order: once its pong is back, the forged
        # reply has been handled (and ignored).
        await impostor.send({"type": "ping"})
        assert await impostor.recv() == {"type": "pong"}
        assert not call.done()
        await target.send(
            {"type": "world-info-result", "requestId": frame["requestId"], "data": {"real": True}}
        )
        r = await call
    assert r.status_code == 200 and r.json()["data"] == {"real": True}
    await target.close()
    await impostor.close()


async def test_module_error_string_is_400(relay: RelayHandle) -> None:
    module, key = await connected(relay)

    async def fail(frame: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "entity-result",
            "requestId": frame["requestId"],
            "error": "Entity not found",
            "data": None,
        }

    module.serve(fail)
    async with relay.http(key) as http:
        r = await http.get("/get", params={"uuid": "Actor.none"})
    assert r.status_code == 400 and r.json()["error"] == "Entity not found"
    await module.close()


async def test_isolation_between_keys(relay: RelayHandle) -> None:
    module, _key_a = await connected(relay, "fvtt_of_a")
    module.serve(echo)
    _, key_b = relay.new_key("b")
    async with relay.http(key_b) as http:
        assert (await http.get("/clients")).json() == {"total": 0, "clients": []}
        r = await http.get("/world-info", params={"clientId": "fvtt_of_a"})
        assert r.status_code == 404 and r.json()["code"] == "CLIENT_NOT_FOUND"
        r = await http.get("/world-info")
        assert r.status_code == 404
    assert module.requests == []
    await module.close()


async def test_client_choice(relay: RelayHandle) -> None:
    key = relay.new_key()
    one, api_key = await connected(relay, "fvtt_one", key=key)
    one.serve(echo)
    async with relay.http(api_key) as http:
        assert (await http.get("/world-info")).status_code == 200  # the only client
        two, _ = await connected(relay, "fvtt_two", key=key)
        r = await http.get("/world-info")
        assert r.status_code == 400 and sorted(r.json()["clients"]) == ["fvtt_one", "fvtt_two"]
        r = await http.get("/world-info", params={"clientId": "fvtt_nope"})
        assert r.status_code == 404 and r.json()["code"] == "CLIENT_NOT_FOUND"
        r = await http.post("/roll", json={"formula": "1d4", "clientId": "fvtt_one"})
        assert r.status_code == 200
    await one.close()
    await two.close()


async def test_bad_input_never_500(relay_factory: RelayFactory) -> None:
    async with relay_factory(ws_max_message_mb=0.01) as relay:
        module, key = await connected(relay)
        module.serve(echo)
        async with relay.http() as anon:
            r = await anon.get("/clients")
            assert (r.status_code, r.json()["code"]) == (401, "API_KEY_REQUIRED")
            r = await anon.get("/clients", headers={"x-api-key": "frk_nope"})
            assert (r.status_code, r.json()["code"]) == (401, "API_KEY_INVALID")
        async with relay.http(key) as http:
            checks = [
                await http.post(
                    "/roll", content=b"{not json", headers={"content-type": "application/json"}
                ),
                await http.post("/roll", json=[1, 2]),
                await http.post("/roll", json={"formula": 5.5j.imag}),  # a number: coerced
                await http.post("/create", json={"entityType": "Actor", "data": [1]}),
                await http.get("/search", params={"query": "x", "limit": "many"}),
                await http.get("/search"),
                await http.post("/roll", json={"formula": "1d6", "clientId": 7}),
                await http.post(
                    "/roll",
                    content=b'{"formula": "' + b"x" * 20_000 + b'"}',
                    headers={"content-type": "application/json"},
                ),
                await http.get("/no-such-route"),
            ]
        codes = [(r.status_code, r.json().get("code")) for r in checks]
        assert codes == [
            (400, "BAD_REQUEST"),
            (400, "BAD_REQUEST"),
            (200, None),
            (400, "BAD_REQUEST"),
            (400, "BAD_REQUEST"),
            (400, "BAD_REQUEST"),
            (400, "BAD_REQUEST"),
            (413, "PAYLOAD_TOO_LARGE"),
            (404, "NOT_FOUND"),
        ]
        await module.close()


async def test_revoked_key_and_token_stop_at_once(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    token_id, token = relay.new_token(key_id)
    module = FakeModule(relay.ws_url, "fvtt_rev", token=token)
    await module.connect()
    module.serve(echo)
    async with relay.http(key) as http:
        assert (await http.get("/world-info")).status_code == 200
        relay.store.revoke_token(token_id)
        r = await http.get("/world-info")
        assert r.status_code == 404 and r.json()["code"] == "CLIENT_NOT_FOUND"
        assert module._task is not None
        await asyncio.wait_for(module._task, 5)  # the serve loop ends with the socket
        assert module.ws is not None and module.ws.close_code == 1008
        relay.store.revoke_key(key_id)
        r = await http.get("/clients")
        assert (r.status_code, r.json()["code"]) == (401, "API_KEY_INVALID")


async def test_status_and_openapi(relay: RelayHandle) -> None:
    async with relay.http() as http:
        status = (await http.get("/api/status")).json()
        assert status["status"] == "ok" and status["websocket"] == "/relay"
        assert status["headlessEnabled"] is False and status["version"]
        spec = (await http.get("/openapi.json")).json()
        for path in (
            "/clients",
            "/roll",
            "/search",
            "/session-handshake",
            "/start-session",
            "/end-session",
            "/session",
            "/macro/{uuid}/execute",
        ):
            assert path in spec["paths"], path
        assert (await http.get("/docs")).status_code == 200


async def test_every_error_body_comes_from_the_table(relay: RelayHandle) -> None:
    """Framework errors (unknown path, wrong method) use the same table as the relay's own."""
    from foundry_relay.errors import STATUS

    async with relay.http() as http:
        missing = await http.get("/no/such/route")
        wrong = await http.put("/api/status")
    for r, code in ((missing, "NOT_FOUND"), (wrong, "METHOD_NOT_ALLOWED")):
        body = r.json()
        assert (r.status_code, body["code"]) == (STATUS[code], code)
        assert isinstance(body["error"], str) and body["error"]
