"""Events from a simulated world in real Chromium (SPEC 14): a headless session's module switches
channels on and off as streams come and go, the world's changes arrive on the right streams
with their filters, and two worlds of one key call each other through the relay."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import connect

from foundry_relay.simulator import SimConfig, SimWorld, run_simulator

from ..conftest import RelayFactory, RelayHandle
from .event_helpers import EventStream, subscribe
from .headless_helpers import client, headless_stack, start
from .test_module_api_world import world_ids

ALL = [
    "actor-events",
    "chat-events",
    "combat-events",
    "hooks",
    "roll-events",
    "scene-events",
]


def _page(relay: RelayHandle, session_id: str) -> Any:
    live = relay.state.headless.live[session_id]
    assert live.page is not None
    return live.page.page


async def _channels(page: Any) -> list[str]:
    result: list[str] = await page.evaluate("() => [...window.__module.channels].sort()")
    return result


async def _until_channels(page: Any, expected: list[str]) -> None:
    for _ in range(100):
        if await _channels(page) == expected:
            return
        await page.wait_for_timeout(50)
    assert await _channels(page) == expected


async def _next_named(stream: EventStream, name: str) -> Any:
    """The next event called ``name`` (others of the same stream may come first)."""
    for _ in range(10):
        event, data = await stream.next()
        if event == name:
            return data
    raise AssertionError(f"no {name} event")


async def test_world_changes_reach_their_streams(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        cid = info.client_id
        page = _page(relay, info.session_id)
        ids = world_ids(sim)
        aria, tavern, road = ids["aria"], ids["tavern"], ids["road"]
        assert await _channels(page) == []  # nothing is emitted while nobody listens
        async with relay.http(key) as http, client(relay, key) as c:
            async with (
                subscribe(http, "/rolls/subscribe", clientId=cid) as rolls,
                subscribe(http, "/chat/subscribe", clientId=cid, whisperOnly="true") as whispers,
                subscribe(http, "/encounters/subscribe", clientId=cid) as combat,
                subscribe(http, "/actor/subscribe", clientId=cid, actorUuid=aria["uuid"]) as actor,
                subscribe(http, "/scene/subscribe", clientId=cid) as scene,
                subscribe(http, "/hooks/subscribe", clientId=cid, hooks="updateActor") as hooks,
            ):
                for stream in (rolls, whispers, combat, actor, scene, hooks):
                    assert (await stream.next())[0] == "connected"
                await _until_channels(page, ALL)

                await c.roll("2d6+1", client_id=cid, create_chat_message=True, flavor="test")
                roll = await _next_named(rolls, "roll")
                assert roll["formula"] == "2d6+1" and 3 <= roll["rollTotal"] <= 13

                await c.chat_send("in the open", client_id=cid)
                await c.chat_send("psst", client_id=cid, whisper=[ids["player"].name])
                message = await _next_named(whispers, "chat-create")
                assert message["data"]["content"] == "psst"  # the open message did not pass

                await c.update({"name": "Aria the Bold"}, uuid=aria["uuid"], client_id=cid)
                await c.update({"name": "Borin the Grim"}, uuid=ids["borin"]["uuid"], client_id=cid)
                changed = await _next_named(actor, "actor-update")
                assert (changed["actorUuid"], changed["changes"]) == (
                    aria["uuid"],
                    {"name": "Aria the Bold"},
                )
                hook = await _next_named(hooks, "updateActor")
                assert hook["args"][0]["uuid"] == aria["uuid"]
                assert (await _next_named(hooks, "updateActor"))["args"][0]["name"] == (
                    "Borin the Grim"
                )
                assert await actor.nothing_within(0.3)  # Borin is not Aria

                started = await c.start_encounter(client_id=cid, start_with_players=True)
                encounter_id = started["encounter"]["id"]
                assert (await _next_named(combat, "combat-start"))["encounterId"] == encounter_id
                await c.next_turn(client_id=cid, encounter=encounter_id)
                turned = await _next_named(combat, "combat-turn")
                assert turned["encounterId"] == encounter_id and "combatants" in turned

                await c.switch_scene(client_id=cid, scene_id=road["_id"])
                activated = await _next_named(scene, "scene-scene-activate")
                assert (activated["sceneId"], activated["name"]) == (road["_id"], road["name"])
                assert tavern["_id"] != road["_id"]
        # Every stream closed: the module switches every channel off again.
        await _until_channels(page, [])


async def test_one_client_socket_runs_a_route_and_a_subscription(
    relay_factory: RelayFactory,
) -> None:
    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        page = _page(relay, info.session_id)
        url = relay.url.replace("http://", "ws://") + "/ws/api"
        async with connect(url) as ws, client(relay, key) as c:
            await ws.send(json.dumps({"type": "auth", "token": key}))
            assert json.loads(await ws.recv())["type"] == "auth-success"
            assert json.loads(await ws.recv())["type"] == "connected"
            await ws.send(json.dumps({"type": "world-info", "requestId": "w"}))
            world = json.loads(await ws.recv())
            assert (world["requestId"], world["data"]["world"]["id"]) == ("w", "test-world")
            await ws.send(json.dumps({"type": "subscribe", "channel": "roll-events"}))
            assert json.loads(await ws.recv())["type"] == "subscribed"
            await _until_channels(page, ["roll-events"])
            await c.roll("1d8", client_id=info.client_id, create_chat_message=True)
            event = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert (event["type"], event["data"]["formula"]) == ("roll-event", "1d8")
        await _until_channels(page, [])


def _world(world_id: str) -> SimConfig:
    return SimConfig(
        module_connect_delay=0.2,
        worlds=[SimWorld(world_id, world_id.title())],
        active_world=world_id,
    )


async def test_worlds_of_one_key_call_each_other(relay_factory: RelayFactory) -> None:
    async with (
        headless_stack(relay_factory) as (relay, sim),
        run_simulator(_world("second-world")) as sim2,
        run_simulator(_world("foreign-world")) as sim3,
    ):
        _, key = relay.new_key()
        _, foreign_key = relay.new_key("foreign")
        first = await start(relay, sim, key)
        second = await start(relay, sim2, key)
        foreign = await start(relay, sim3, foreign_key)
        page = _page(relay, first.session_id)
        call = (
            "([target, action, payload]) => window.__moduleApi.remoteRequest(target, action,"
            " payload).then((data) => ({data}), (e) => ({error: e.message}))"
        )
        info = await page.evaluate(call, [second.client_id, "world-info", {}])
        assert info["data"]["data"]["world"]["id"] == "second-world", info
        roll = await page.evaluate(call, [second.client_id, "roll", {"formula": "1d4"}])
        assert 1 <= roll["data"]["data"]["roll"]["total"] <= 4, roll
        refused = await page.evaluate(call, [foreign.client_id, "world-info", {}])
        assert "no connected client" in refused["error"], refused
        bad = await page.evaluate(call, [second.client_id, "roll", {}])
        assert "formula" in bad["error"], bad
