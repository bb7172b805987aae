"""Event streams against a module client played in Python (SPEC 14): channels switched on and
off at the module, events fanned out with their filters and scoped to the key, keep-alives,
limits, a subscriber that stops reading, a module that reconnects, and world-to-world requests."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from typing import Any

from foundry_relay.client import AsyncRelayClient, RelayClient, RelayClientError

from ..conftest import RelayFactory, RelayHandle, remember_secret, wait_until
from ..processes import CLI
from .event_helpers import subscribe
from .module_client import FakeModule


async def _module(relay: RelayHandle, key_id: str, client_id: str = "world-1") -> FakeModule:
    _, token = relay.new_token(key_id, client_id)
    module = FakeModule(relay.ws_url, client_id, token=token)
    assert (await module.connect())["type"] == "auth-success"

    async def answer(frame: dict[str, Any]) -> dict[str, Any]:
        return {"type": frame["type"] + "-result", "requestId": frame["requestId"], "data": frame}

    module.serve(answer)
    return module


async def _no_reply(frame: dict[str, Any]) -> None:
    """A module that reads its frames (the notices are recorded) and answers nothing."""


def _updates(module: FakeModule) -> list[tuple[str, int]]:
    return [
        (f["channel"], f["count"])
        for f in module.notices
        if f.get("type") == "event-subscription-update"
    ]


def _roll(user_id: str, total: int) -> dict[str, Any]:
    return {
        "type": "roll-data",
        "data": {"id": f"r{total}", "user": {"id": user_id, "name": "U"}, "rollTotal": total},
    }


async def test_roll_stream_switches_the_channel_and_filters_by_user(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    module = await _module(relay, key_id)
    async with relay.http(key) as http:
        async with (
            subscribe(http, "/rolls/subscribe", clientId="world-1") as everyone,
            subscribe(http, "/rolls/subscribe", clientId="world-1", userId="alice") as alice,
        ):
            assert await everyone.next() == ("connected", {"clientId": "world-1"})
            assert await alice.next() == ("connected", {"clientId": "world-1"})
            # One switch-on for the channel, however many listeners.
            assert await wait_until(lambda: _updates(module) == [("roll-events", 1)])
            await module.send(_roll("bob", 7))
            await module.send(_roll("alice", 12))
            name, data = await everyone.next()
            assert (name, data["rollTotal"], data["user"]["id"]) == ("roll", 7, "bob")
            assert (await everyone.next())[1]["rollTotal"] == 12
            name, data = await alice.next()
            assert (name, data["rollTotal"]) == ("roll", 12)  # bob's roll did not pass
            # An event of another channel reaches nobody here.
            await module.send({"type": "chat-event", "data": {"eventType": "create", "data": {}}})
            assert await alice.nothing_within(0.3)
        # Both streams closed: the channel is switched off once.
        switched = [("roll-events", 1), ("roll-events", 0)]
        assert await wait_until(lambda: _updates(module) == switched)
        assert relay.state.events.total == 0
    await module.close()


async def test_each_channel_names_its_events_as_the_established_relay(
    relay: RelayHandle,
) -> None:
    key_id, key = relay.new_key()
    module = await _module(relay, key_id)
    cases: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, Any]]] = [
        (
            "/chat/subscribe",
            {"speaker": "Gandalf"},
            {
                "type": "chat-event",
                "data": {
                    "eventType": "update",
                    "data": {"id": "m1", "speaker": {"alias": "Gandalf"}, "author": {"id": "u1"}},
                },
            },
            ("chat-update", "m1"),
        ),
        (
            "/hooks/subscribe",
            {"hooks": "updateActor,deleteActor"},
            {"type": "hook-event", "data": {"hook": "updateActor", "args": [{"_id": "a1"}]}},
            ("updateActor", "updateActor"),
        ),
        (
            "/encounters/subscribe",
            {"encounterId": "c1"},
            {"type": "combat-event", "data": {"eventType": "turn", "encounterId": "c1", "turn": 2}},
            ("combat-turn", 2),
        ),
        (
            "/actor/subscribe",
            {"actorUuid": "Actor.a1"},
            {"type": "actor-event", "data": {"actorUuid": "Actor.a1", "eventType": "update"}},
            ("actor-update", "Actor.a1"),
        ),
        (
            "/scene/subscribe",
            {"sceneId": "s1"},
            {"type": "scene-event", "data": {"sceneId": "s1", "eventType": "scene-activate"}},
            ("scene-scene-activate", "s1"),
        ),
    ]
    async with relay.http(key) as http:
        for path, filters, frame, (event, marker) in cases:
            async with subscribe(http, path, clientId="world-1", **filters) as stream:
                hello = await stream.next()
                assert hello[0] == "connected" and hello[1]["clientId"] == "world-1"
                # A frame that does not pass the filter first, then one that does.
                other = json.loads(json.dumps(frame))
                inner = other["data"].get("data", other["data"])
                for field in ("speaker", "hook", "encounterId", "actorUuid", "sceneId"):
                    if field in inner:
                        inner[field] = {"alias": "Frodo"} if field == "speaker" else "other"
                await module.send(other)
                await module.send(frame)
                name, data = await stream.next()
                assert name == event, (path, name)
                found = {
                    "chat-update": lambda d: d["data"]["id"],
                    "updateActor": lambda d: d["hook"],
                    "combat-turn": lambda d: d["turn"],
                    "actor-update": lambda d: d["actorUuid"],
                    "scene-scene-activate": lambda d: d["sceneId"],
                }[event](data)
                assert found == marker
        missing = await http.get("/actor/subscribe", params={"clientId": "world-1"})
        assert (missing.status_code, missing.json()["code"]) == (400, "BAD_REQUEST")
    await module.close()


async def test_streams_are_scoped_to_the_key(relay: RelayHandle) -> None:
    key_a, key = relay.new_key("a")
    key_b, other_key = relay.new_key("b")
    mine = await _module(relay, key_a, "world-a")
    theirs = await _module(relay, key_b, "world-b")
    async with relay.http(other_key) as http:
        refused = await http.get("/rolls/subscribe", params={"clientId": "world-a"})
        assert (refused.status_code, refused.json()["code"]) == (404, "CLIENT_NOT_FOUND")
    async with relay.http(key) as http, subscribe(http, "/rolls/subscribe") as stream:
        assert (await stream.next())[1] == {"clientId": "world-a"}  # the key's only client
        await theirs.send(_roll("x", 3))
        await mine.send(_roll("x", 4))
        assert (await stream.next())[1]["rollTotal"] == 4
        assert await stream.nothing_within(0.3)
    assert _updates(theirs) == []
    await mine.close()
    await theirs.close()


async def test_keepalives_and_subscriber_limits(relay_factory: RelayFactory) -> None:
    async with relay_factory(event_keepalive_seconds=0.2, max_subscribers_per_client=2) as relay:
        key_id, key = relay.new_key()
        module = await _module(relay, key_id)
        async with relay.http(key) as http:
            async with (
                subscribe(http, "/rolls/subscribe", clientId="world-1") as first,
                subscribe(http, "/chat/subscribe", clientId="world-1"),
            ):
                await first.next()
                assert await first.next(comments=True) == (":", "keepalive")
                third = await http.get("/hooks/subscribe", params={"clientId": "world-1"})
                assert (third.status_code, third.json()["code"]) == (429, "SUBSCRIBER_LIMIT")
        await module.close()


async def test_a_subscriber_that_stops_reading_is_dropped_alone(
    relay_factory: RelayFactory,
) -> None:
    async with relay_factory(event_queue_size=8) as relay:
        key_id, key = relay.new_key()
        module = await _module(relay, key_id)
        port = relay.running.port
        # A caller that sends its request and never reads a byte of the answer.
        stalled = socket.create_connection(("127.0.0.1", port))
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(
            f"GET /rolls/subscribe?clientId=world-1 HTTP/1.1\r\nHost: x\r\nx-api-key: {key}"
            "\r\n\r\n".encode()
        )
        assert await wait_until(lambda: relay.state.events.total == 1)
        async with relay.http(key) as http, subscribe(http, "/rolls/subscribe") as reader:
            await reader.next()
            big = "x" * 50_000
            received = 0
            for i in range(200):
                frame = _roll("u", i)
                frame["data"]["flavor"] = big
                await module.send(frame)
                name, data = await reader.next()
                assert (name, data["rollTotal"]) == ("roll", i)  # the reader keeps up
                received += 1
                if relay.state.events.total == 1:
                    break
            # The stalled one was dropped once its queue was full; the reader got every event.
            assert relay.state.events.total == 1, "the stalled subscriber was never dropped"
            assert received < 200
            for sub in relay.state.events._subs["world-1"]["roll-events"]:
                assert len(sub.items) <= 8
        stalled.close()
        await module.close()


async def test_streams_survive_a_module_reconnect_within_the_grace(
    relay_factory: RelayFactory,
) -> None:
    async with relay_factory(client_grace_seconds=1.0) as relay:
        key_id, key = relay.new_key()
        _, token = relay.new_token(key_id, "world")
        first = FakeModule(relay.ws_url, "world-1", token=token)
        await first.connect()
        first.serve(_no_reply)
        async with relay.http(key) as http, subscribe(http, "/rolls/subscribe") as stream:
            await stream.next()
            assert await wait_until(lambda: _updates(first) == [("roll-events", 1)])
            await first.close()
            assert await wait_until(lambda: relay.state.hub.registry.get("world-1") is None)
            second = FakeModule(relay.ws_url, "world-1", token=token)
            await second.connect()
            second.serve(_no_reply)
            # The reconnected module hears which channels have listeners, and events flow on.
            assert await wait_until(lambda: _updates(second) == [("roll-events", 1)])
            await second.send(_roll("u", 5))
            assert (await stream.next())[1]["rollTotal"] == 5
            # Gone for good (past the grace): the stream ends with an error event.
            await second.close()
            name, data = await stream.next(timeout=5)
            assert (name, data["code"]) == ("error", "CLIENT_GONE")
            assert await stream.ended()
        assert relay.state.events.total == 0


async def test_remote_requests_between_worlds_of_one_key(relay: RelayHandle) -> None:
    key_a, _ = relay.new_key("a")
    key_b, _ = relay.new_key("b")
    source = await _module(relay, key_a, "source")
    target = await _module(relay, key_a, "target")
    foreign = await _module(relay, key_b, "foreign")

    async def ask(frame: dict[str, Any]) -> dict[str, Any]:
        await source.send({"type": "remote-request", **frame})
        found: dict[str, Any] = {}

        def answered() -> bool:
            for f in source.notices:
                if f.get("type") == "remote-response" and f["requestId"] == frame["requestId"]:
                    found.update(f)
                    return True
            return False

        assert await wait_until(answered)
        return found

    ok = await ask(
        {
            "requestId": "rr1",
            "targetClientId": "target",
            "action": "entity",
            "payload": {"uuid": "A.1"},
        }
    )
    assert ok["success"] is True and ok["data"]["type"] == "entity-result", ok
    [seen] = target.requests
    assert (seen["type"], seen["uuid"]) == ("entity", "A.1") and seen["requestId"] != "rr1"
    refused = await ask(
        {
            "requestId": "rr2",
            "targetClientId": "foreign",
            "action": "entity",
            "payload": {"uuid": "x"},
        }
    )
    assert (refused["success"], refused["code"]) == (False, "CLIENT_NOT_FOUND")
    assert foreign.requests == []
    bad = await ask({"requestId": "rr3", "targetClientId": "target", "action": "roll"})
    assert (bad["success"], bad["code"]) == (False, "BAD_REQUEST")  # its formula is missing
    assert "formula" in bad["error"]
    js = await ask(
        {
            "requestId": "rr4",
            "targetClientId": "target",
            "action": "execute-js",
            "payload": {"script": "1"},
        }
    )
    assert (js["success"], js["code"]) == (False, "SCOPE_DENIED")
    unknown = await ask({"requestId": "rr5", "targetClientId": "target", "action": "nope"})
    assert unknown["success"] is False
    # A token may name the worlds its world may call.
    _, narrow = relay.store.create_token(key_a, "narrow", remote_targets=["target"])
    remember_secret(narrow)
    limited = FakeModule(relay.ws_url, "limited", token=narrow)
    await limited.connect()
    limited.serve(_no_reply)
    for rid, to, success in (("n1", "target", True), ("n2", "source", False)):
        await limited.send(
            {
                "type": "remote-request",
                "requestId": rid,
                "targetClientId": to,
                "action": "world-info",
                "payload": {},
            }
        )

        def answered(rid: str = rid) -> bool:
            return any(f.get("requestId") == rid for f in limited.notices)

        assert await wait_until(answered)
        [reply] = [f for f in limited.notices if f.get("requestId") == rid]
        assert reply["success"] is success, reply
        if not success:
            assert reply["code"] == "SCOPE_DENIED"
    for module in (source, target, foreign, limited):
        await module.close()


async def test_client_library_and_cli_follow_a_stream(relay_factory: RelayFactory) -> None:
    async with relay_factory(client_grace_seconds=0.2) as relay:
        key_id, key = relay.new_key()
        module = await _module(relay, key_id)
        # The async client: connected first, then the events, each with its name and data.
        async with AsyncRelayClient(relay.url, key) as c:
            stream = c.subscribe("rolls", client_id="world-1", user_id="alice")
            first = await anext(stream)
            assert (first.name, first.data) == ("connected", {"clientId": "world-1"})
            await module.send(_roll("bob", 1))
            await module.send(_roll("alice", 2))
            event = await anext(stream)
            assert (event.name, event.data["rollTotal"]) == ("roll", 2)
            await stream.aclose()

        # The sync twin, in a thread.
        def follow() -> list[str]:
            with RelayClient(relay.url, key) as sync:
                names = []
                for item in sync.subscribe("chat", whisper_only=True):
                    names.append(item.name)
                    if len(names) == 2:
                        return names
            return names

        task = asyncio.create_task(asyncio.to_thread(follow))
        counts = relay.state.events.counts
        assert await wait_until(lambda: counts("world-1").get("chat-events") == 1)
        await module.send(
            {
                "type": "chat-event",
                "data": {"eventType": "create", "data": {"id": "m", "whisper": ["u1"]}},
            }
        )
        assert await asyncio.wait_for(task, 10) == ["connected", "chat-create"]
        assert await wait_until(lambda: relay.state.events.total == 0)
        # The command line prints each event as a JSON line.
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            "events",
            "rolls",
            "--relay",
            relay.url,
            "--json",
            "--count",
            "1",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "FOUNDRY_RELAY_API_KEY": key},
        )
        assert await wait_until(lambda: counts("world-1").get("roll-events") == 1, timeout=30)
        await module.send(_roll("carol", 6))
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        lines = [json.loads(x) for x in out.decode().splitlines()]
        assert lines[0]["event"] == "connected" and lines[-1]["data"]["rollTotal"] == 6
        # A world gone for good ends the stream with the relay's error.
        async with AsyncRelayClient(relay.url, key) as c:
            stream = c.subscribe("rolls")
            await anext(stream)
            await module.close()
            try:
                await anext(stream)
            except RelayClientError as exc:
                assert exc.code == "CLIENT_GONE"
            else:
                raise AssertionError("no error")
