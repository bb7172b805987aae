"""Real Foundry worlds, end to end in real Chromium against the simulator (SPEC 4.3, 4.5, 12):
a GM pairs a world from the /game page, headless sessions auto-pair, never send their token to
another relay, and never share a module client."""

from __future__ import annotations

import time
from typing import Any

import pytest

from foundry_relay.simulator import SimConfig, SimUser, run_simulator

from ..conftest import RelayFactory, RelayHandle, remember_secret, wait_until
from ..simulator.helpers import login_with_form, stand_in_relay
from .headless_helpers import (
    client,
    headless_stack,
    nothing_left,
    paired_client,
    session_cli,
    start,
    start_args,
    start_error,
)


def ws(relay: RelayHandle) -> str:
    return relay.url.replace("http://", "ws://")


async def _gm_page(context: Any, sim_url: str) -> Any:
    page = await context.new_page()
    await login_with_form(page, sim_url)
    await page.wait_for_selector("#rest-api-connection")
    return page


async def _point_at(page: Any, relay: RelayHandle) -> None:
    await page.fill("#rest-api-relay-url-input", ws(relay))
    await page.click("#rest-api-save-url")
    await page.wait_for_function(
        "() => document.querySelector('#rest-api-connection-status').textContent"
        ".startsWith('Relay URL set')"
    )


async def _connected(page: Any) -> str:
    await page.wait_for_function(
        "() => window.__module && window.__module.status === 'connected'", timeout=15_000
    )
    token = await page.evaluate("() => game.settings.get('foundry-rest-api', 'connectionToken')")
    return remember_secret(token)


async def test_gm_pairs_by_code_from_the_game_page_and_unpairs(
    relay: RelayHandle, context: Any
) -> None:
    key_id, key = relay.new_key()
    config = SimConfig(module_connect_delay=0.1)
    async with run_simulator(config) as sim:
        page = await _gm_page(context, sim.url)
        await page.wait_for_function("() => window.__module.status === 'unpaired'")
        await _point_at(page, relay)
        async with relay.http(key) as http:
            code = (await http.post("/auth/connection-tokens")).json()["code"]
        await page.fill("#rest-api-pairing-code-input", code)
        await page.click("#rest-api-enter-code")  # pairs, then reloads the page
        token = await _connected(page)
        client_id = sim.state.world_setting("test-world", "clientId")
        assert sim.state.world_setting("test-world", "wsRelayUrl") == ws(relay)
        assert sim.state.world_setting("test-world", "pairedRelayUrl") == ws(relay)
        async with relay.http(key) as http:
            [listed] = (await http.get("/clients")).json()["clients"]
            assert (listed["clientId"], listed["isOnline"], listed["worldId"]) == (
                client_id,
                True,
                "test-world",
            )
            reply = await http.get("/world-info", params={"clientId": client_id})
            assert reply.json()["data"]["world"]["title"] == "Test World"
        [stored] = relay.store.list_tokens(key_id)
        assert stored.client_id == client_id
        await page.click("#rest-api-unpair")
        assert await wait_until(lambda: relay.state.hub.registry.get(client_id) is None, 5)
        assert relay.store.authenticate_token(token) is None
        await page.wait_for_function("() => window.__module.status === 'unpaired'")
        async with relay.http(key) as http:
            [listed] = (await http.get("/clients")).json()["clients"]
            assert (listed["clientId"], listed["isOnline"]) == (client_id, False)


async def test_gm_pairs_with_the_browser_device_flow(relay: RelayHandle, context: Any) -> None:
    key_id, key = relay.new_key()
    config = SimConfig(module_connect_delay=0.1, pair_poll_interval=0.2)
    async with run_simulator(config) as sim:
        page = await _gm_page(context, sim.url)
        await _point_at(page, relay)
        async with context.expect_page() as popup_info:
            await page.click("#rest-api-browser-pair")
        approval = await popup_info.value
        await approval.wait_for_load_state()
        assert approval.url.startswith(relay.url + "/pair/")
        assert await approval.text_content("#world-title") == "Test World"
        await approval.fill("#api-key", key)
        await approval.click("#approve")
        await approval.wait_for_function(
            "() => document.querySelector('#result').textContent.startsWith('Approved')"
        )
        await _connected(page)
        client_id = sim.state.world_setting("test-world", "clientId")
        assert relay.state.hub.registry.get(client_id).key_id == key_id
        [known] = relay.store.known_clients(key_id)
        assert (known.client_id, known.world_title) == (client_id, "Test World")


async def test_approval_page_refuses_a_wrong_key(relay: RelayHandle, context: Any) -> None:
    async with relay.http() as http:
        code = (await http.post("/auth/pair-request", json={"worldId": "w1"})).json()["code"]
    page = await context.new_page()
    await page.goto(f"{relay.url}/pair/{code}")
    await page.fill("#api-key", "frk_wrong")
    await page.click("#approve")
    await page.wait_for_function("() => document.querySelector('#result').textContent !== ''")
    assert "invalid" in (await page.text_content("#result")).lower()
    assert relay.store.get_pair_request(code).status == "pending"


async def test_headless_start_auto_pairs_and_reuses_the_clientid(
    relay_factory: RelayFactory,
) -> None:
    async with headless_stack(relay_factory) as (relay, sim):
        _key_id, key = relay.new_key()
        assert sim.state.world_setting("test-world", "clientId") == ""
        first = await start(relay, sim, key)
        assert first.client_id == paired_client(sim)
        assert sim.state.world_setting("test-world", "wsRelayUrl") == ws(relay)
        assert sim.state.world_setting("test-world", "pairedRelayUrl") == ws(relay)
        async with client(relay, key) as c:
            log = await c.session_log(first.session_id)
            notes = [e["detail"] for e in log["timeline"] if e["event"] == "pairing"]
            assert notes == [f"never paired: auto-paired as {first.client_id}"]
            await c.end_session(first.session_id)
            second = await start(relay, sim, key)
            assert second.client_id == first.client_id
            log = await c.session_log(second.session_id)
            notes = [e["detail"] for e in log["timeline"] if e["event"] == "pairing"]
            assert notes == [f"paired with this relay as {first.client_id}"]
            assert (await c.world_info(client_id=second.client_id))["data"]["world"][
                "id"
            ] == "test-world"
            await c.end_session(second.session_id)
        nothing_left(relay)


@pytest.mark.parametrize("delay", [1.0, 0.0])
async def test_world_paired_elsewhere_never_receives_the_token(
    relay_factory: RelayFactory, delay: float
) -> None:
    """With the real module's 1 s delay after "ready" the relay decides first; with none, the
    module tries at once and the page's WebSocket guard refuses the foreign relay."""
    async with stand_in_relay() as other:
        config = SimConfig(paired_with=other.url, module_connect_delay=delay)
        async with headless_stack(relay_factory, config) as (relay, sim):
            _, key = relay.new_key()
            began = time.monotonic()
            error = await start_error(relay, sim, key)
            elapsed = time.monotonic() - began
            assert (error.status, error.code) == (409, "WORLD_PAIRED_ELSEWHERE")
            assert error.body["relayUrl"] == other.url and other.url in error.message
            assert error.body["stage"] == "game-ready"
            assert error.session_id is not None
            print(f"WORLD_PAIRED_ELSEWHERE after {elapsed:.2f} s")
            nothing_left(relay)
            assert other.auth_frames == [] and other.peers == []
            assert sim.state.world_setting("test-world", "wsRelayUrl") == other.url
            async with client(relay, key) as c:
                log = await c.session_log(error.session_id)
                assert log["failure"]["code"] == "WORLD_PAIRED_ELSEWHERE"
                info = await c.start_session(
                    foundry_url=sim.url, username="Gamemaster", password="gm-password", repair=True
                )
                assert info.client_id == paired_client(sim)
                assert info.client_id != sim.state.config.client_id
                assert sim.state.world_setting("test-world", "wsRelayUrl") == ws(relay)
                assert sim.state.world_setting("test-world", "pairedRelayUrl") == ws(relay)
                log = await c.session_log(info.session_id)
                notes = [e["detail"] for e in log["timeline"] if e["event"] == "pairing"]
                assert notes == [f"re-paired from {other.url} as {info.client_id}"]
                assert (await c.world_info(client_id=info.client_id))["data"]["world"][
                    "id"
                ] == "test-world"
                await c.end_session(info.session_id)
            # Checked again after the repaired session, whose start alone outlasts the module's
            # connect delay: the failed page's module never reached the other relay either.
            assert other.auth_frames == [] and other.peers == []


async def test_pinned_to_another_relay_counts_as_elsewhere(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()
        for name, value in (
            ("wsRelayUrl", ws(relay)),
            ("clientId", "fvtt_00000000000000aa"),
            ("pairedRelayUrl", "wss://foundryrestapi.com"),
        ):
            sim.state.set_setting("test-world", "", f"foundry-rest-api.{name}", value)
        error = await start_error(relay, sim, key)
        assert (error.code, error.body["relayUrl"]) == (
            "WORLD_PAIRED_ELSEWHERE",
            "wss://foundryrestapi.com",
        )


async def test_a_player_fails_at_once(relay_factory: RelayFactory) -> None:
    users = [SimUser("Gamemaster", "gm-password", 4), SimUser("Assistant", "a", 3)]
    config = SimConfig(users=[*users, SimUser("Player", "", 1)], module_connect_delay=0.2)
    async with headless_stack(relay_factory, config, module_connect_timeout=30) as (relay, sim):
        _, key = relay.new_key()
        for user, password, role in (("Player", "", 1), ("Assistant", "a", 3)):
            error = await start_error(relay, sim, key, username=user, password=password)
            assert (error.status, error.code) == (422, "FOUNDRY_USER_NOT_GM")
            # Decided when the game is ready, not after the module's 30 s connect timeout.
            assert error.body["stage"] == "game-ready" and error.body["role"] == role
        assert sim.state.world_setting("test-world", "clientId") == ""  # nothing was paired
        nothing_left(relay)


async def test_world_without_the_module(relay_factory: RelayFactory) -> None:
    config = SimConfig(module_installed=False)
    async with headless_stack(relay_factory, config, module_connect_timeout=30) as (relay, sim):
        _, key = relay.new_key()
        error = await start_error(relay, sim, key)
        assert (error.status, error.code, error.body["stage"]) == (
            422,
            "MODULE_NOT_INSTALLED",
            "game-ready",
        )
        nothing_left(relay)


async def test_two_servers_with_copies_of_one_world_never_share_a_socket(
    relay_factory: RelayFactory,
) -> None:
    async with relay_factory(allow_headless=True) as relay:
        shared = "fvtt_c0ffee00c0ffee00"
        config = {"paired_with": ws(relay), "client_id": shared, "module_connect_delay": 0.2}
        async with (
            run_simulator(SimConfig(**config)) as sim_a,
            run_simulator(SimConfig(**config)) as sim_b,
        ):
            _, key = relay.new_key()
            first = await start(relay, sim_a, key)
            assert first.client_id == shared
            error = await start_error(relay, sim_b, key)
            assert (error.status, error.code) == (409, "WORLD_IN_SESSION")
            assert error.body["activeSessionId"] == first.session_id
            async with client(relay, key) as c:
                listed = await c.list_sessions()
                assert [s["sessionId"] for s in listed["activeSessions"]] == [first.session_id]
                world = (await c.world_info(client_id=shared))["data"]["world"]
                assert world["id"] == "test-world"
                entry = relay.state.hub.registry.get(shared)
                assert entry.session_id == first.session_id
                await c.end_session(first.session_id)
                second = await start(relay, sim_b, key)
                assert second.client_id == shared
                await c.end_session(second.session_id)
            nothing_left(relay)


async def test_cli_session_start_repair(relay_factory: RelayFactory) -> None:
    import json

    async with stand_in_relay() as other:
        config = SimConfig(paired_with=other.url, module_connect_delay=0.2)
        async with headless_stack(relay_factory, config) as (relay, sim):
            _, key = relay.new_key()

            async def cli(*extra: str) -> tuple[int, dict[str, Any]]:
                code, out, _ = await session_cli(
                    key, *start_args(relay, sim, *extra), stdin="gm-password\n"
                )
                return code, json.loads(out)

            code, refused = await cli()
            assert code == 1 and refused["code"] == "WORLD_PAIRED_ELSEWHERE"
            assert refused["sessionId"] in relay.state.headless.live
            code, started = await cli("--repair")
            assert code == 0 and started["clientId"] == paired_client(sim)
            async with client(relay, key) as c:
                await c.end_session(started["sessionId"])
            assert other.auth_frames == []
