"""Scoped API keys (SPEC 15): each route needs its scope, over HTTP and /ws/api; a key bound to
some worlds reaches only those; a key's rate limit answers 429 with Retry-After; an expired or
disabled key is refused."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.asyncio.client import connect

from foundry_relay.core.routes import ROUTES
from foundry_relay.core.scopes import LEGACY_SCOPES, SCOPES, scope_for

from ..conftest import RelayFactory, RelayHandle, wait_until
from .module_client import FakeModule
from .test_cluster import module_on


def test_every_module_route_needs_a_known_scope() -> None:
    """Deny by default: a route without a scope would be open to every key."""
    for route in ROUTES:
        assert route.scope in SCOPES, (route.method, route.path)
    assert scope_for("GET", "/dnd5e/get-actor-details") == "dnd5e"
    assert scope_for("POST", "/roll") == "roll:execute"
    assert "execute-js" not in LEGACY_SCOPES


async def _ws_api(relay: RelayHandle, key: str, client_id: str) -> Any:
    ws = await connect(relay.url.replace("http://", "ws://") + f"/ws/api?clientId={client_id}")
    await ws.send(json.dumps({"type": "auth", "token": key}))
    assert json.loads(await ws.recv())["type"] == "auth-success"
    await ws.recv()  # connected
    return ws


async def test_a_call_needs_its_scope_over_http_and_ws_api(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay:
        reader_id, reader = relay.new_key("reader", scopes=["world:info", "roll:read"])
        module = await module_on(relay, reader_id, "world", "w")
        async with relay.http(reader) as http:
            denied = await http.post("/roll", json={"clientId": "world", "formula": "1d20"})
            assert denied.status_code == 403
            body = denied.json()
            assert (body["code"], body["scope"]) == ("SCOPE_DENIED", "roll:execute")
            assert "roll:execute" in body["error"]
            allowed = await http.get("/world-info", params={"clientId": "world"})
            assert allowed.status_code == 200, allowed.text
            sessions = await http.get("/session")
            assert (sessions.status_code, sessions.json()["scope"]) == (403, "session:manage")
            clients = await http.get("/clients")
            assert (clients.status_code, clients.json()["scope"]) == (403, "clients:read")
            stream = await http.get("/rolls/subscribe", params={"clientId": "world"})
            assert (stream.status_code, stream.json()["scope"]) == (403, "events:subscribe")
        ws = await _ws_api(relay, reader, "world")
        await ws.send(json.dumps({"type": "roll", "requestId": "r1", "formula": "1d20"}))
        frame = json.loads(await ws.recv())
        assert (frame["type"], frame["requestId"], frame["code"]) == (
            "roll-result",
            "r1",
            "SCOPE_DENIED",
        )
        await ws.send(json.dumps({"type": "world-info", "requestId": "r2"}))
        frame = json.loads(await ws.recv())
        assert (frame["type"], frame["requestId"]) == ("world-info-result", "r2")
        assert "code" not in frame
        await ws.send(json.dumps({"type": "subscribe", "channel": "roll-events", "requestId": "s"}))
        frame = json.loads(await ws.recv())
        assert (frame["type"], frame["code"]) == ("error", "SCOPE_DENIED")
        await ws.close()
        # Only the reader's request reached the module: the denied ones stopped at the relay.
        assert [f["type"] for f in module.requests] == ["world-info", "world-info"]
        await module.close()


async def test_a_key_bound_to_one_world(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay:
        bound_id, bound = relay.new_key("bot", client_ids=["world-1"])
        one = await module_on(relay, bound_id, "world-1", "one")
        two = await module_on(relay, bound_id, "world-2", "two")  # its key's, but not its own
        async with relay.http(bound) as http:
            other = await http.get("/world-info", params={"clientId": "world-2"})
            assert (other.status_code, other.json()["code"]) == (404, "CLIENT_NOT_FOUND")
            mine = await http.get("/world-info")  # no clientId: its one world
            assert mine.status_code == 200 and mine.json()["data"]["served"] == "one"
            listed = (await http.get("/clients")).json()["clients"]
            assert [c["clientId"] for c in listed] == ["world-1"]
        ws = await connect(relay.url.replace("http://", "ws://") + "/ws/api?clientId=world-2")
        await ws.send(json.dumps({"type": "auth", "token": bound}))
        await ws.wait_closed()
        assert ws.close_code == 4002
        await one.close()
        await two.close()


async def test_rate_limit_expiry_and_disabled_keys(relay_factory: RelayFactory) -> None:
    async with relay_factory(key_rate_limit=300) as relay:
        _, limited = relay.new_key("limited", rate_limit=3)
        async with relay.http(limited) as http:
            for _ in range(3):
                assert (await http.get("/clients")).status_code == 200
            refused = await http.get("/clients")
            assert (refused.status_code, refused.json()["code"]) == (429, "RATE_LIMITED")
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        _, expired = relay.new_key("old", expires_at=time.time() - 1)
        async with relay.http(expired) as http:
            reply = await http.get("/clients")
            assert reply.status_code == 401 and "expired" in reply.json()["error"]
        key_id, key = relay.new_key("switched")
        async with relay.http(key) as http:
            assert (await http.get("/clients")).status_code == 200
            relay.store.update_key(key_id, enabled=False)
            off = await http.get("/clients")
            assert off.status_code == 401 and "disabled" in off.json()["error"]
            relay.store.update_key(key_id, enabled=True, scopes=["world:info"])
            narrowed = await http.get("/clients")
            assert (narrowed.status_code, narrowed.json()["code"]) == (403, "SCOPE_DENIED")


async def _remote(source: FakeModule, target: str, action: str, **payload: Any) -> dict[str, Any]:
    """A module's remote-request from ``source``; its remote-response."""
    request_id = f"rr-{action}-{len(source.notices)}"
    await source.send(
        {
            "type": "remote-request",
            "requestId": request_id,
            "targetClientId": target,
            "action": action,
            "payload": payload,
        }
    )
    assert await wait_until(lambda: any(n.get("requestId") == request_id for n in source.notices))
    return next(n for n in source.notices if n.get("requestId") == request_id)


async def test_remote_requests_need_the_scope_on_the_key_and_the_token(
    relay_factory: RelayFactory,
) -> None:
    """A world calling another world acts for its key: the key's scopes and bound worlds apply,
    and its token may narrow them further (remote scopes and targets, as the established
    relay's cross-world settings). Nothing is started or forwarded for a refused call."""
    async with relay_factory() as relay:
        key_id, key = relay.new_key(
            "worlds", scopes=["world:info", "roll:execute"], client_ids=["source", "target"]
        )
        source = await module_on(relay, key_id, "source", "s")
        target = await module_on(relay, key_id, "target", "t")
        outside = await module_on(relay, key_id, "outside", "o")  # the key's, but not bound

        ok = await _remote(source, "target", "world-info")
        assert ok["success"] is True and ok["data"]["data"]["served"] == "t", ok
        denied = await _remote(source, "target", "entity", uuid="Actor.x")  # entity:read
        assert denied["success"] is False and denied["code"] == "SCOPE_DENIED"
        assert "entity:read" in denied["error"]
        unbound = await _remote(source, "outside", "world-info")
        assert unbound["success"] is False and unbound["code"] == "CLIENT_NOT_FOUND"
        assert outside.requests == []

        # The token narrows: only world:info, only "target".
        [token] = [t for t in relay.store.list_tokens(key_id) if t.name == "source"]
        async with relay.http(key) as http:
            patch = {"remoteScopes": ["world:info"], "remoteTargets": ["target"]}
            changed = await http.patch(f"/auth/connection-tokens/{token.id}", json=patch)
            assert changed.status_code == 200, changed.text
            listed = (await http.get("/auth/connection-tokens")).json()["tokens"]
            [shown] = [t for t in listed if t["id"] == token.id]
            assert shown["remoteScopes"] == ["world:info"] and shown["remoteTargets"] == ["target"]
            bad = await http.patch(
                f"/auth/connection-tokens/{token.id}", json={"remoteScopes": ["no:such"]}
            )
            assert bad.status_code == 400
        roll = await _remote(source, "target", "roll", formula="1d20")
        assert roll["success"] is False and roll["code"] == "SCOPE_DENIED"
        assert "remote scope" in roll["error"]
        assert (await _remote(source, "target", "world-info"))["success"] is True
        # Its own limit per hour (the established relay's remoteRequestsPerHour).
        async with relay.http(key) as http:
            per_hour = {"remoteRequestsPerHour": 1}
            changed = await http.patch(f"/auth/connection-tokens/{token.id}", json=per_hour)
            assert changed.status_code == 200, changed.text
            wrong = await http.patch(
                f"/auth/connection-tokens/{token.id}", json={"remoteRequestsPerHour": -1}
            )
            assert wrong.status_code == 400
        assert (await _remote(source, "target", "world-info"))["success"] is True
        limited = await _remote(source, "target", "world-info")
        assert limited["success"] is False and limited["code"] == "RATE_LIMITED"
        assert "per hour" in limited["error"]
        assert [r["type"] for r in target.requests] == ["world-info"] * 3
        for module in (source, target, outside):
            await module.close()
