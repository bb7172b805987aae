"""The Foundry simulator in a real Chromium: pages, logins, setup, the module, faults."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from foundry_relay.simulator import (
    Faults,
    SimConfig,
    SimUser,
    SimWorld,
    client_id_for,
    run_simulator,
)

from ..conftest import wait_until
from .helpers import login_with_form, stand_in_relay

# The connection token is a client setting: this browser's localStorage.
SEED = "localStorage.setItem('foundry-rest-api.connectionToken', JSON.stringify(%s));"


def paired(relay_url: str, **kwargs: Any) -> SimConfig:
    """A simulator whose world is paired with ``relay_url`` (world settings on the server)."""
    return SimConfig(paired_with=relay_url, module_connect_delay=0.05, **kwargs)


@pytest.mark.parametrize("major", [12, 13, 14])
async def test_login_through_the_real_form(context: Any, major: int) -> None:
    async with run_simulator(SimConfig(foundry_version=major)) as sim:
        page = await context.new_page()
        await login_with_form(page, sim.url, major=major)
        game = await page.evaluate("""() => ({ready: game.ready, world: game.world,
            version: game.version, system: game.system, user: game.user,
            board: !!document.querySelector('#board'), ui: !!document.querySelector('#ui-left'),
            sidebar: !!document.querySelector('#sidebar'),
            body: document.body.className})""")
        assert game["ready"] is True
        assert game["world"] == {"id": "test-world", "title": "Test World"}
        assert game["version"].startswith(f"{major}.")
        assert game["system"]["id"] == "dnd5e"
        assert game["user"]["name"] == "Gamemaster" and game["user"]["role"] == 4
        assert game["user"]["isGM"] is True
        assert game["ui"] and game["sidebar"] and game["board"] and game["body"] == "vtt game"


@pytest.mark.parametrize("major", [12, 13, 14])
async def test_login_through_post_join(context: Any, major: int) -> None:
    async with run_simulator(SimConfig(foundry_version=major)) as sim:
        page = await context.new_page()
        await page.goto(sim.url + "/join")
        user_id = sim.state.user_by_name("Gamemaster").id
        body = (
            {"action": "join", "username": "gamemaster", "password": "gm-password"}
            if major >= 14
            else {"action": "join", "userid": user_id, "password": "gm-password"}
        )
        result = await page.evaluate(
            """async (body) => {
            const r = await fetch('join', {method: 'POST', headers: {'Content-Type':
              'application/json'}, body: JSON.stringify(body)});
            return {status: r.status, body: await r.json()};}""",
            body,
        )
        assert result == {
            "status": 200,
            "body": {
                "request": "join",
                "status": "success",
                "message": "JOIN.LoginSuccess",
                "redirect": "game",
            },
        }
        cookies = {c["name"]: c for c in await context.cookies()}
        assert len(cookies["session"]["value"]) == 24 and cookies["session"]["sameSite"] == "Strict"
        await page.goto(sim.url + "/game")
        await page.wait_for_function("window.game && window.game.ready === true")


async def test_post_join_form_encoding_and_401_keys(context: Any) -> None:
    async with run_simulator() as sim:
        user_id = sim.state.user_by_name("Gamemaster").id
        async with httpx.AsyncClient(base_url=sim.url) as http:
            await http.get("/join")
            ok = await http.post(
                "/join", data={"action": "join", "userid": user_id, "password": "gm-password"}
            )
            assert ok.status_code == 200 and ok.json()["redirect"] == "game"
        async with httpx.AsyncClient(base_url=sim.url) as http:
            wrong = await http.post(
                "/join", json={"action": "join", "userid": user_id, "password": "nope"}
            )
            assert (wrong.status_code, wrong.text) == (401, "JOIN.ErrorInvalidPassword")
            unknown = await http.post(
                "/join", json={"action": "join", "userid": "x" * 16, "password": ""}
            )
            assert (unknown.status_code, unknown.text) == (401, "JOIN.ErrorUserDoesNotExist")
            game = await http.get("/game", follow_redirects=False)
            assert game.status_code == 302 and game.headers["location"] == "join"


async def test_game_without_login_redirects_in_a_browser(context: Any) -> None:
    async with run_simulator() as sim:
        page = await context.new_page()
        await page.goto(sim.url + "/game")
        assert urlsplit(page.url).path == "/join"


async def test_root_and_setup_routing() -> None:
    async with run_simulator(SimConfig(active_world=None, admin_password="adm")) as sim:
        async with httpx.AsyncClient(base_url=sim.url) as http:
            assert (await http.get("/")).headers["location"] == "setup"
            assert (await http.get("/setup")).headers["location"] == "auth"
            status = (await http.get("/api/status")).json()
            assert status["active"] is False and status["world"] is None


async def test_setup_launch_by_clicking_play(context: Any) -> None:
    config = SimConfig(
        active_world=None,
        launch_delay=0.3,
        worlds=[SimWorld("test-world", "Test World"), SimWorld("other", "Other World", "pf2e")],
    )
    async with run_simulator(config) as sim:
        page = await context.new_page()
        await page.goto(sim.url + "/")
        assert urlsplit(page.url).path == "/setup"
        worlds = await page.eval_on_selector_all(
            "#worlds-list li.package.world",
            "els => els.map(e => [e.dataset.packageId,"
            " e.querySelector('h3.package-title').textContent])",
        )
        assert worlds == [["test-world", "Test World"], ["other", "Other World"]]
        await page.click(
            'li.package.world[data-package-id="other"] a.control.play[data-action="worldLaunch"]'
        )
        await page.wait_for_url("**/join", timeout=10_000)
        assert sim.state.active_world == "other"
        assert await page.text_content("#world-title") == "Other World"


async def test_setup_launch_by_post_and_launch_delay() -> None:
    async with run_simulator(SimConfig(active_world=None, launch_delay=0.5)) as sim:
        async with httpx.AsyncClient(base_url=sim.url) as http:
            r = await http.post("/setup", json={"action": "launchWorld", "world": "test-world"})
            assert (r.status_code, r.json()) == (200, {})
            assert (await http.get("/api/status")).json()["active"] is False
            assert await wait_until(lambda: sim.state.active_world == "test-world", 5)
            status = (await http.get("/api/status")).json()
            assert status["active"] is True and status["world"] == "test-world"
            bad = await http.post("/setup", json={"action": "launchWorld", "world": "nope"})
            assert bad.status_code in (404, 409)


async def test_admin_gate(context: Any) -> None:
    async with run_simulator(SimConfig(active_world=None, admin_password="s3cret")) as sim:
        page = await context.new_page()
        await page.goto(sim.url + "/setup")
        assert urlsplit(page.url).path == "/auth"
        await page.fill("input[name=adminPassword]", "wrong")
        await page.click("button[type=submit]")
        await page.wait_for_selector(".notification.error")
        assert urlsplit(page.url).path == "/auth"
        await page.fill("input[name=adminPassword]", "s3cret")
        await page.click("button[type=submit]")
        await page.wait_for_url("**/setup")
        await page.wait_for_selector("li.package.world")
        async with httpx.AsyncClient(base_url=sim.url) as http:  # not admin: refused
            r = await http.post("/setup", json={"action": "launchWorld", "world": "test-world"})
            assert r.status_code == 403


async def test_logged_in_user_is_disabled_until_its_page_closes(browser: Any) -> None:
    async with run_simulator() as sim:
        first_ctx = await browser.new_context()
        second_ctx = await browser.new_context()
        try:
            first = await first_ctx.new_page()
            await login_with_form(first, sim.url)
            gm = sim.state.user_by_name("Gamemaster")
            assert gm is not None and await wait_until(lambda: sim.state.user_active(gm.id))
            second = await second_ctx.new_page()
            await second.goto(sim.url + "/join")
            disabled = await second.eval_on_selector(
                "select[name=userid]",
                "s => Array.from(s.options).filter(o => o.disabled).map(o => o.textContent)",
            )
            assert disabled == ["Gamemaster"]
            await first.close()
            assert await wait_until(lambda: not sim.state.user_active(gm.id), 5)
            await second.reload()
            disabled = await second.eval_on_selector(
                "select[name=userid]", "s => Array.from(s.options).filter(o => o.disabled).length"
            )
            assert disabled == 0
        finally:
            await first_ctx.close()
            await second_ctx.close()


async def test_module_auth_frame_query_and_request_types(context: Any) -> None:
    async with stand_in_relay() as relay, run_simulator(paired(relay.url)) as sim:
        await context.add_init_script(SEED % json.dumps("frt_seeded"))
        page = await context.new_page()
        await login_with_form(page, sim.url)
        await asyncio.wait_for(relay.connected.wait(), 10)
        peer = relay.peers[0]
        assert peer.auth == {"type": "auth", "token": "frt_seeded"}
        parts = urlsplit(peer.path)
        assert parts.path == "/relay"
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query == {
            "id": client_id_for("test-world"),
            "worldId": "test-world",
            "worldTitle": "Test World",
            "foundryVersion": "13.345",
            "systemId": "dnd5e",
            "systemTitle": "Dungeons & Dragons Fifth Edition",
            "systemVersion": "4.3.0",
        }
        assert query["id"].startswith("fvtt_") and len(query["id"]) == 21
        assert await wait_until(lambda: len(peer.frames) >= 2)
        kinds = [f["type"] for f in peer.frames]
        assert kinds[:2] == ["ping", "player-list"]
        assert {u["name"] for u in peer.frames[1]["users"]} == {"Gamemaster", "Player"}

        async def ask(kind: str, **params: Any) -> dict[str, Any]:
            reply = await relay.request(
                peer, {"type": kind, "requestId": f"r-{kind}-{time.time()}", "data": {}, **params}
            )
            assert reply["type"] == kind + "-result"
            return reply

        info = await ask("world-info")
        data = info["data"]
        assert data["world"]["id"] == "test-world" and data["system"]["id"] == "dnd5e"
        found = await ask("search", query="goblin")
        names = sorted(r["name"] for r in found["results"])
        assert names == ["Goblin Dagger", "Goblin Scout"]
        only_actors = await ask("search", query="goblin", filter="Actor")
        assert [r["name"] for r in only_actors["results"]] == ["Goblin Scout"]
        uuid = next(r["uuid"] for r in found["results"] if r["name"] == "Goblin Scout")
        entity = await ask("entity", uuid=uuid)
        assert entity["data"]["name"] == "Goblin Scout" and entity["uuid"] == uuid
        missing = await ask("entity", uuid="Actor.nothere")
        assert missing["error"] == "Entity not found"
        for _ in range(20):
            roll = await ask("roll", formula="2d20kh1+5")
            r = roll["data"]["roll"]
            kept = [d["result"] for d in r["dice"][0]["results"] if d["active"]]
            every = [d["result"] for d in r["dice"][0]["results"]]
            assert len(every) == 2 and kept == [max(every)] and r["total"] == max(every) + 5
            assert 6 <= r["total"] <= 25
        dl = (await ask("roll", formula="4d6dl1 - 2"))["data"]["roll"]
        assert len([d for d in dl["dice"][0]["results"] if d["active"]]) == 3
        assert dl["total"] == sum(d["result"] for d in dl["dice"][0]["results"] if d["active"]) - 2
        bad = await ask("roll", formula="2d20+banana")
        assert "Invalid" in bad["error"]
        structure = await ask("structure")
        assert sorted(structure["data"]["folders"]) == ["Gear", "Heroes", "Lore", "Monsters"]
        created = await ask("create", entityType="Actor", data={"name": "Zed the Bold"})
        assert created["entity"]["name"] == "Zed the Bold"
        assert (await ask("search", query="zed"))["results"][0]["uuid"] == created["uuid"]
        updated = await ask("update", uuid=created["uuid"], data={"name": "Zed the Wise"})
        assert [e["name"] for e in updated["entity"]] == ["Zed the Wise"]
        assert (await ask("entity", uuid=created["uuid"]))["data"]["name"] == "Zed the Wise"
        deleted = await ask("delete", uuid=created["uuid"])
        assert deleted == {**deleted, "uuid": created["uuid"], "success": True}
        assert (await ask("search", query="zed"))["results"] == []
        macros = (await ask("macros"))["macros"]
        greet = next(m for m in macros if m["name"] == "Greet")
        run = await ask("macro-execute", uuid=greet["uuid"], args={"name": "Ada"})
        assert run["result"] == "hello Ada"
        players = await ask("players")
        assert {u["name"] for u in players["users"]} == {"Gamemaster", "Player"}
        assert "data" not in players  # players replies use a top-level users field


async def test_module_stops_after_1008_and_forgets_token(context: Any) -> None:
    async with stand_in_relay() as relay, run_simulator(paired(relay.url)) as sim:
        relay.close_with = (1008, "Authentication failed")
        await context.add_init_script(
            "if (!sessionStorage.getItem('seeded')) {"
            + SEED % json.dumps("frt_bad")
            + "sessionStorage.setItem('seeded', '1');}"
        )
        page = await context.new_page()
        await login_with_form(page, sim.url)
        # "unpaired" is final: the module stopped (it would otherwise retry after 1 s).
        await page.wait_for_function("() => window.__module.status === 'unpaired'")
        assert await page.evaluate("() => window.__module.stopped") is True
        assert len(relay.peers) == 1
        token = await page.evaluate(
            "() => game.settings.get('foundry-rest-api', 'connectionToken')"
        )
        assert token == ""


async def test_module_only_for_a_full_gm(context: Any) -> None:
    async with (
        stand_in_relay() as relay,
        run_simulator(
            paired(
                relay.url,
                users=[SimUser("Gamemaster", "gm-password", 4), SimUser("Assistant", "a", 3)],
            )
        ) as sim,
    ):
        await context.add_init_script(SEED % json.dumps("t"))
        page = await context.new_page()
        await login_with_form(page, sim.url, "Assistant", "a")
        await asyncio.sleep(0.5)
        assert relay.peers == []
        assert await page.evaluate("() => window.__module.status") == "not-gm"


async def test_no_canvas_and_no_render_loop(context: Any) -> None:
    counter = """
      window.__raf = 0;
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (cb) => { window.__raf += 1; return raf(cb); };
    """
    async with run_simulator() as sim:
        await context.add_init_script(counter)
        page = await context.new_page()
        await login_with_form(page, sim.url)
        assert await page.evaluate("() => !!document.querySelector('#board')")
        await page.evaluate("() => localStorage.setItem('core.noCanvas', 'true')")
        await page.reload()
        await page.wait_for_function("window.game && window.game.ready === true")
        start = await page.evaluate("() => window.__raf")
        await asyncio.sleep(1.0)
        assert await page.evaluate("() => document.querySelector('#board')") is None
        assert await page.evaluate("() => window.__raf") == start
        assert await page.evaluate("() => document.getAnimations().length") == 0


async def test_fault_slow_pages() -> None:
    async with run_simulator(SimConfig(faults=Faults(slow_pages=3))) as sim:
        async with httpx.AsyncClient(base_url=sim.url, timeout=1) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.get("/join")
            status = await http.get("/api/status")  # the API is not a page: not slowed
            assert status.status_code == 200


async def test_fault_launch_never_completes() -> None:
    faults = Faults(launch_never_completes=True)
    async with run_simulator(SimConfig(active_world=None, launch_delay=0.1, faults=faults)) as sim:
        async with httpx.AsyncClient(base_url=sim.url) as http:
            r = await http.post("/setup", json={"action": "launchWorld", "world": "test-world"})
            assert r.status_code == 200
            await asyncio.sleep(0.5)
            assert (await http.get("/api/status")).json()["active"] is False


async def test_fault_module_never_connects(context: Any) -> None:
    async with (
        stand_in_relay() as relay,
        run_simulator(paired(relay.url, faults=Faults(module_never_connects=True))) as sim,
    ):
        await context.add_init_script(SEED % json.dumps("t"))
        page = await context.new_page()
        await login_with_form(page, sim.url)
        await asyncio.sleep(1.0)
        assert relay.peers == []
        assert await page.evaluate("() => window.__module.status") == "disabled"


@pytest.mark.parametrize("reconnect", [True, False])
async def test_fault_module_drops_after_n_seconds(context: Any, reconnect: bool) -> None:
    faults = Faults(module_drop_after=0.3, module_reconnect=reconnect)
    async with stand_in_relay() as relay, run_simulator(paired(relay.url, faults=faults)) as sim:
        await context.add_init_script(SEED % json.dumps("t"))
        page = await context.new_page()
        await login_with_form(page, sim.url)
        if reconnect:  # dropped, then back after its 1 s backoff
            assert await wait_until(lambda: len(relay.peers) == 2, 10)
            await page.wait_for_function("() => window.__module.status === 'connected'")
        else:  # "stopped" is final: no reconnect is scheduled
            await page.wait_for_function("() => window.__module.status === 'stopped'")
            assert await page.evaluate("() => window.__module.reconnectTimer") is None
            assert len(relay.peers) == 1


async def test_fault_game_throws_before_ready(context: Any) -> None:
    async with run_simulator(SimConfig(faults=Faults(game_throws=True))) as sim:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(sim.url + "/join")
        await page.select_option("select[name=userid]", label="Gamemaster")
        await page.fill("input[name=password]", "gm-password")
        await page.click("button[name=join]")
        await page.wait_for_url("**/game")
        assert await wait_until(lambda: bool(errors), 10)
        assert await page.evaluate("() => window.game.ready") is False
        assert any("Simulated failure before ready" in e for e in errors)


async def test_faults_can_be_switched_at_runtime() -> None:
    async with run_simulator() as sim:
        async with httpx.AsyncClient(base_url=sim.url, timeout=1) as http:
            assert (await http.get("/join")).status_code == 200
            sim.config.faults.slow_pages = 3
            with pytest.raises(httpx.ReadTimeout):
                await http.get("/join")


# -- the module's settings, as the real module keeps them ---------------------------------------


async def _module_status(page: Any, *, settle: str = "connected|unpaired|url-mismatch|no-token"):
    await page.wait_for_function(
        "(re) => window.__module && new RegExp('^(' + re + ')$').test(window.__module.status)",
        arg=settle,
        timeout=10_000,
    )
    return await page.evaluate("() => window.__module.status")


async def test_unpaired_world_never_connects_anywhere(context: Any) -> None:
    async with stand_in_relay() as relay, run_simulator(SimConfig(module_connect_delay=0)) as sim:
        # Even a token and a relay URL in localStorage change nothing: the relay URL and the
        # clientId are world settings, which live on the server.
        await context.add_init_script(
            SEED % json.dumps("frt_x")
            + f"localStorage.setItem('foundry-rest-api.wsRelayUrl', {json.dumps(relay.url)});"
        )
        page = await context.new_page()
        await login_with_form(page, sim.url)
        assert await _module_status(page) == "unpaired"
        settings = await page.evaluate(
            "() => ['wsRelayUrl', 'clientId', 'pairedRelayUrl'].map("
            "k => game.settings.get('foundry-rest-api', k))"
        )
        assert settings == ["wss://foundryrestapi.com", "", ""]
        assert relay.peers == [] and relay.probes == []


async def test_world_settings_live_on_the_server_and_persist(context: Any, tmp_path: Any) -> None:
    config = SimConfig(module_connect_delay=0, data_dir=tmp_path)
    async with run_simulator(config) as sim:
        page = await context.new_page()
        await login_with_form(page, sim.url)
        await page.evaluate(
            "() => game.settings.set('foundry-rest-api', 'clientId', 'fvtt_0123456789abcdef')"
        )
        assert sim.state.world_setting("test-world", "clientId") == "fvtt_0123456789abcdef"
        # Not in this browser's storage: another browser of the world sees it too.
        assert await page.evaluate("() => localStorage.length") == 0
    async with run_simulator(SimConfig(module_connect_delay=0, data_dir=tmp_path)) as sim:
        assert sim.state.world_setting("test-world", "clientId") == "fvtt_0123456789abcdef"
        other = await context.browser.new_context()
        try:
            page = await other.new_page()
            await login_with_form(page, sim.url)
            value = await page.evaluate("() => game.settings.get('foundry-rest-api', 'clientId')")
            assert value == "fvtt_0123456789abcdef"
        finally:
            await other.close()


async def test_players_cannot_write_world_settings() -> None:
    async with run_simulator() as sim:
        user_id = sim.state.user_by_name("Player").id
        async with httpx.AsyncClient(base_url=sim.url) as http:
            await http.get("/join")
            await http.post("/join", json={"action": "join", "userid": user_id, "password": ""})
            r = await http.post(
                "/api/settings", json={"key": "foundry-rest-api.clientId", "value": "x"}
            )
            assert r.status_code == 403
        assert sim.state.world_setting("test-world", "clientId") == ""


@pytest.mark.parametrize("known", [False, True])
async def test_no_token_probes_and_a_404_clears_the_pairing(context: Any, known: bool) -> None:
    async with stand_in_relay() as relay, run_simulator(paired(relay.url)) as sim:
        relay.active_status = 200 if known else 404
        page = await context.new_page()
        await login_with_form(page, sim.url)
        status = await _module_status(page)
        client_id = client_id_for("test-world")
        assert relay.probes == [f"/api/clients/{client_id}/active"]
        assert relay.peers == []  # no token: never connects
        if known:
            assert status == "no-token"
            assert sim.state.world_setting("test-world", "clientId") == client_id
        else:
            assert status == "unpaired"
            assert sim.state.world_setting("test-world", "clientId") == ""
            assert sim.state.world_setting("test-world", "pairedRelayUrl") == ""


async def test_paired_url_mismatch_refuses_to_connect(context: Any) -> None:
    async with stand_in_relay() as relay, run_simulator(paired(relay.url)) as sim:
        sim.state.set_setting(
            "test-world", "", "foundry-rest-api.pairedRelayUrl", "wss://elsewhere.example"
        )
        await context.add_init_script(SEED % json.dumps("frt_x"))
        page = await context.new_page()
        await login_with_form(page, sim.url)
        assert await _module_status(page) == "url-mismatch"
        assert relay.peers == []


async def test_first_success_pins_the_paired_relay_url(context: Any) -> None:
    async with stand_in_relay() as relay, run_simulator(paired(relay.url)) as sim:
        sim.state.set_setting("test-world", "", "foundry-rest-api.pairedRelayUrl", "")
        await context.add_init_script(SEED % json.dumps("frt_x"))
        page = await context.new_page()
        await login_with_form(page, sim.url)
        assert await _module_status(page) == "connected"
        await page.wait_for_function(
            "() => game.settings.get('foundry-rest-api', 'pairedRelayUrl') !== ''"
        )
        assert sim.state.world_setting("test-world", "pairedRelayUrl") == relay.url


@pytest.mark.parametrize("code", [4001, 4002])
async def test_close_codes_that_clear_the_token(context: Any, code: int) -> None:
    async with stand_in_relay() as relay, run_simulator(paired(relay.url)) as sim:
        relay.close_with = (code, "Refused")
        await context.add_init_script(
            "if (!sessionStorage.getItem('seeded')) {"
            + SEED % json.dumps("frt_x")
            + "sessionStorage.setItem('seeded', '1');}"
        )
        page = await context.new_page()
        await login_with_form(page, sim.url)
        await page.wait_for_function("() => window.__module.status === 'unpaired'")
        token = await page.evaluate(
            "() => game.settings.get('foundry-rest-api', 'connectionToken')"
        )
        assert token == "" and len(relay.peers) == 1


async def test_world_without_the_module(context: Any) -> None:
    async with run_simulator(SimConfig(module_installed=False)) as sim:
        page = await context.new_page()
        await login_with_form(page, sim.url)
        result = await page.evaluate(
            """() => { let error = null;
              try { game.settings.get('foundry-rest-api', 'clientId'); }
              catch (e) { error = e.message; }
              return {module: game.modules.get('foundry-rest-api') ?? null, error,
                      loaded: !!window.__module}; }"""
        )
        assert result["module"] is None and result["loaded"] is False
        assert "not a registered game setting" in result["error"]
