"""The browser engine: which Chromium, the pinned Playwright, the guarded seed, the full-Chromium
fallback, and Local Network Access from a public-origin Foundry page to a loopback relay."""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright
from websockets.asyncio.server import ServerConnection, serve

from foundry_relay.browser.chromium import (
    DISABLED_FEATURES,
    HEADLESS_SHELL,
    chromium_args,
    find_chromium,
)
from foundry_relay.browser.engine import BrowserEngine
from foundry_relay.errors import LaunchError
from foundry_relay.settings import Settings
from foundry_relay.simulator import run_simulator

from ..conftest import RelayFactory, wait_until
from ..server.headless_helpers import GM_PASSWORD, client, nothing_left, paired_client

TESTED_CHROMIUM_MAJORS = range(150, 160)


def test_headless_shell_is_preferred_and_override_is_checked() -> None:
    assert find_chromium(None) == HEADLESS_SHELL
    assert find_chromium("/usr/bin/chromium") == "/usr/bin/chromium"
    with pytest.raises(LaunchError) as err:
        find_chromium("/nonexistent/chrome")
    assert err.value.code == "BROWSER_FAILED"


def test_puppeteer_alias_and_unsafe_args_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
    assert Settings(_env_file=None).chrome_path == "/usr/bin/chromium"  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="web security"):
        Settings(_env_file=None, chrome_args="--disable-web-security")  # type: ignore[call-arg]


async def test_pinned_playwright_drives_this_chromium(tmp_path: Path) -> None:
    """Fails loudly when Playwright or Debian's Chromium moves past what was tested."""
    assert dist_version("playwright").startswith("1.65."), dist_version("playwright")
    engine = BrowserEngine(chrome_path=None, home=tmp_path, on_crash=lambda: None)
    try:
        browser = await engine.ensure_browser()
        assert int(browser.version.split(".")[0]) in TESTED_CHROMIUM_MAJORS, browser.version
        assert engine.browser_pid is not None
        handle = await engine.new_session_page(seed={"a.b": 1}, capture_console="")
        await handle.page.goto("data:text/html,<p>ok</p>")
        assert await handle.page.text_content("p") == "ok"
        await handle.close()
    finally:
        await engine.stop()


async def test_full_chromium_fallback_works(tmp_path: Path) -> None:
    engine = BrowserEngine(
        chrome_path="/usr/lib/chromium/chromium", home=tmp_path, on_crash=lambda: None
    )
    try:
        async with run_simulator() as sim:
            handle = await engine.new_session_page(seed={}, capture_console="")
            assert engine.executable == "/usr/lib/chromium/chromium"
            await handle.page.goto(sim.url + "/join")
            await handle.page.wait_for_selector("select[name=userid]")
            names = await handle.page.eval_on_selector_all(
                "select[name=userid] option", "(os) => os.map((o) => o.textContent)"
            )
            assert names == ["", "Gamemaster", "Player"]
            await handle.close()
    finally:
        await engine.stop()


async def test_seed_only_writes_absent_keys(tmp_path: Path) -> None:
    engine = BrowserEngine(chrome_path=None, home=tmp_path, on_crash=lambda: None)
    seed = {"foundry-rest-api.connectionToken": "seeded", "core.noCanvas": True}
    try:
        async with run_simulator() as sim:
            handle = await engine.new_session_page(seed=seed, capture_console="")
            page = handle.page
            await page.goto(sim.url + "/join")
            stored = await page.evaluate(
                "() => [localStorage.getItem('foundry-rest-api.connectionToken'),"
                " localStorage.getItem('core.noCanvas')]"
            )
            assert stored == [json.dumps("seeded"), "true"]
            await page.evaluate(
                "() => localStorage.setItem('foundry-rest-api.connectionToken', '\"mine\"')"
            )
            await page.reload()  # the init script runs again: it must not overwrite
            assert (
                await page.evaluate(
                    "() => localStorage.getItem('foundry-rest-api.connectionToken')"
                )
                == '"mine"'
            )
            await handle.close()
    finally:
        await engine.stop()


async def _ws_from_public_page(args: list[str], page_url: str, ws_url: str) -> str:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(None), args=args)
        try:
            page = await browser.new_page()
            await page.goto(page_url)
            result: str = await page.evaluate(
                """(url) => new Promise((resolve) => { const ws = new WebSocket(url);
                   ws.onmessage = (e) => resolve('open'); ws.onerror = () => resolve('error');
                   setTimeout(() => resolve('timeout'), 5000); })""",
                ws_url,
            )
            return result
        finally:
            await browser.close()


async def test_local_network_access_from_a_public_origin(relay_factory: RelayFactory) -> None:
    """A Foundry page on a public origin must reach a relay seeded as ws://127.0.0.1: Chromium
    blocks that by default (shown first, as the control); the relay lifts it for its sessions."""

    async def hello(ws: ServerConnection) -> None:
        await ws.send("hi")

    async with run_simulator() as sim, serve(hello, "127.0.0.1", 0) as loopback:
        public = f"--ip-address-space-overrides=127.0.0.1:{sim.running.port}=public"
        port = next(iter(loopback.sockets)).getsockname()[1]
        without = [
            a
            if not a.startswith("--disable-features=")
            else "--disable-features="
            + ",".join(f for f in DISABLED_FEATURES if f != "LocalNetworkAccessChecks")
            for a in chromium_args()
        ]
        control = await _ws_from_public_page(
            [*without, public], sim.url + "/join", f"ws://127.0.0.1:{port}/"
        )
        assert control == "error"  # the check exists in this Chromium
        ours = await _ws_from_public_page(
            [*chromium_args(), public], sim.url + "/join", f"ws://127.0.0.1:{port}/"
        )
        assert ours == "open"
        async with relay_factory(allow_headless=True, chrome_args=[public]) as relay:
            _, key = relay.new_key()
            async with client(relay, key) as c:
                info = await c.start_session(
                    foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
                )
                assert info.client_id == paired_client(sim)
                await c.end_session(info.session_id)
            nothing_left(relay)


async def test_session_client_is_bound_by_token_not_by_key(relay_factory: RelayFactory) -> None:
    """Another client of the same key connecting during the launch is never taken for the
    session's client (the established relay picked "any new client of this key")."""
    from ..server.module_client import FakeModule

    async with relay_factory(allow_headless=True) as relay, run_simulator() as sim:
        key_id, key = relay.new_key()
        _, token = relay.new_token(key_id)
        sim.config.faults.slow_pages = 0.5  # time for the impostor to connect first
        async with client(relay, key) as c:
            launch = asyncio.create_task(
                c.start_session(foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD)
            )
            # The launch has begun (its slot is reserved) before the other client connects.
            assert await wait_until(lambda: relay.state.headless.sessions.all() != [])
            other = FakeModule(relay.ws_url, "fvtt_other_world", token=token)
            assert (await other.connect())["type"] == "auth-success"
            info = await launch
            assert info.client_id == paired_client(sim)
            clients: dict[str, Any] = {x["clientId"]: x for x in (await c.clients())["clients"]}
            assert clients["fvtt_other_world"].get("sessionId") is None
            assert clients[info.client_id]["sessionId"] == info.session_id
            await c.end_session(info.session_id)
            await other.close()


async def test_prewarm_launches_the_browser_at_start_up(relay_factory: RelayFactory) -> None:
    async with relay_factory(allow_headless=True, own_browser=True) as cold:
        assert cold.state.headless.engine.browser_pid is None  # launched on first need only
    async with relay_factory(allow_headless=True, headless_prewarm=True) as warm:
        assert warm.state.headless.engine.browser_pid is not None


@pytest.mark.parametrize("canvas", [False, True])
async def test_canvas_off_by_default(relay_factory: RelayFactory, canvas: bool) -> None:
    async with (
        relay_factory(allow_headless=True, headless_canvas=canvas) as relay,
        run_simulator() as sim,
    ):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            info = await c.start_session(
                foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )
            page = relay.state.headless.page_of(info.session_id)
            assert await page.evaluate("() => !!document.querySelector('#board')") is canvas
            await c.end_session(info.session_id)


async def test_websocket_guard_refuses_origins_not_allowed(tmp_path: Path) -> None:
    """A session page opens WebSockets only to its own origin and to the allowed ones."""

    async def hello(ws: ServerConnection) -> None:
        await ws.send("hi")

    async with (
        run_simulator() as sim,
        serve(hello, "127.0.0.1", 0) as allowed,
        serve(hello, "127.0.0.1", 0) as foreign,
    ):
        allowed_url = f"ws://127.0.0.1:{next(iter(allowed.sockets)).getsockname()[1]}"
        foreign_url = f"ws://127.0.0.1:{next(iter(foreign.sockets)).getsockname()[1]}"
        engine = BrowserEngine(chrome_path=None, home=tmp_path / "home", on_crash=lambda: None)
        try:
            handle = await engine.new_session_page(
                seed={}, capture_console="warn", allowed_ws_origins=[allowed_url]
            )
            await handle.page.goto(sim.url + "/join")
            probe = """async (url) => {
              try {
                const ws = new WebSocket(url);
                return await new Promise((done) => {
                  ws.onmessage = (e) => done('open:' + e.data);
                  ws.onerror = () => done('error');
                  ws.onclose = (e) => done('closed:' + e.code);
                });
              } catch (e) { return e.name + ': ' + e.message; }
            }"""
            assert await handle.page.evaluate(probe, allowed_url + "/relay") == "open:hi"
            refused = await handle.page.evaluate(probe, foreign_url + "/relay")
            assert refused.startswith("SecurityError") and foreign_url in refused
            # The page's own origin stays open (Foundry's own socket).
            own = sim.url.replace("http://", "ws://") + "/socket"
            assert not (await handle.page.evaluate(probe, own)).startswith("SecurityError")
            assert await handle.page.evaluate("() => window.__relayBlockedSockets") == [foreign_url]
            # Page code cannot put the native constructor back.
            restored = await handle.page.evaluate(
                "() => { try { window.WebSocket = function () {}; } catch (e) {}"
                " return window.WebSocket.__relayGuard === true; }"
            )
            assert restored is True
            assert any("refused a WebSocket" in line for line in handle.console)
            await handle.close()
        finally:
            await engine.stop()
