"""The dashboard at ``/`` in real Chromium (SPEC 15): log in with an admin key (keyboard only),
create a key with two scopes, approve a world's pairing request made from the simulator's /game
page, watch a headless session appear with a live screenshot, and end it."""

from __future__ import annotations

import asyncio
from typing import Any

from foundry_relay.core.scopes import SCOPES
from foundry_relay.simulator import SimConfig

from ..conftest import RelayFactory, remember_secret, wait_until
from .headless_helpers import headless_stack, start
from .test_real_worlds import _connected, _gm_page, _point_at


async def test_dashboard_end_to_end(relay_factory: RelayFactory, context: Any) -> None:
    config = SimConfig(module_connect_delay=0.1, pair_poll_interval=0.2)
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, admin = relay.new_key("admin", admin=True)
        page = await context.new_page()
        await page.goto(relay.url + "/")
        # Log in with the keyboard alone: the field is labelled, Enter submits.
        await page.get_by_label("API key", exact=True).fill(admin)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#app:not([hidden])")
        assert await page.evaluate("() => sessionStorage.length") == 1  # this tab only
        assert await page.evaluate("() => localStorage.length") == 0
        assert await page.locator("input[name=scope]").count() == len(SCOPES)

        # A key with two scopes.
        await page.get_by_label("Name", exact=True).fill("dice-bot")
        await page.get_by_label("roll:execute").check()
        await page.get_by_label("world:info").check()
        await page.click("#create-key")
        await page.wait_for_selector("#new-key:not([hidden])")
        secret = remember_secret(await page.text_content("#new-key-secret") or "")
        made = [k for k in relay.store.list_keys() if k.name == "dice-bot"]
        assert len(made) == 1 and made[0].scopes == {"roll:execute", "world:info"}
        assert relay.store.authenticate_key(secret) == made[0]
        assert "dice-bot" in (await page.text_content("#key-rows") or "")

        # A GM asks to pair from the game page; the dashboard approves the code it shows.
        gm = await _gm_page(context, sim.url)
        await _point_at(gm, relay)
        async with context.expect_page() as popup_info:
            await gm.click("#rest-api-browser-pair")
        popup = await popup_info.value
        code = popup.url.rsplit("/", 1)[-1]
        await popup.close()
        await page.get_by_label("Pairing code", exact=True).fill(code)
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#pair-detail:not([hidden])")
        assert await page.text_content("#pair-world") == "Test World"
        await page.click("#pair-approve")
        await _connected(gm)
        await page.wait_for_function(
            "() => document.querySelector('#world-rows').textContent.includes('online')",
            timeout=15_000,
        )
        await gm.close()  # the Gamemaster's seat is free for the headless session
        assert await wait_until(lambda: not any(sim.state.open_pages.values()), 10)

        # A headless session appears, with its live page; end it from the dashboard.
        started = asyncio.create_task(start(relay, sim, admin))
        card = page.locator("#session-list li")
        await card.first.wait_for(timeout=30_000)
        info = await started
        await page.get_by_label(f"Open session {info.session_id}").click()
        await page.wait_for_function(
            "() => document.querySelector('#screenshot').naturalWidth > 0", timeout=15_000
        )
        assert "active" in (await page.text_content("#detail-state") or "")
        assert "module-connect" in (await page.text_content("#timeline") or "")
        await page.click("#end-session")
        await page.wait_for_function(
            "() => document.querySelector('#detail-state').textContent.includes('ended-by-user')",
            timeout=15_000,
        )
        record = relay.store.get_session_record(info.session_id)
        assert record is not None and record.end_reason == "ended-by-user"
        await page.wait_for_selector("#no-sessions:not([hidden])")


async def test_dashboard_refuses_a_wrong_key(relay_factory: RelayFactory, context: Any) -> None:
    async with relay_factory() as relay:
        page = await context.new_page()
        response = await page.goto(relay.url + "/")
        assert response is not None and "default-src 'self'" in (
            response.headers.get("content-security-policy") or ""
        )
        await page.get_by_label("API key", exact=True).fill("frk_wrong")
        await page.click("#login-button")
        await page.wait_for_function(
            "() => document.querySelector('#login-error').textContent !== ''"
        )
        assert await page.text_content("#login-error") == "That key is not valid."
        assert await page.is_hidden("#app")
        assert await page.evaluate("() => sessionStorage.length") == 0
