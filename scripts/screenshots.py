"""Screenshots of the relay's own pages at 1280 and 390 px wide, for the README: the dashboard
(a key list, a world online, a headless session open with its live page), the pairing approval
page and /docs. Everything runs on 127.0.0.1: a relay, the Foundry simulator, Chromium.

    .venv/bin/python scripts/screenshots.py [docs]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

from foundry_relay.browser.chromium import chromium_args, find_chromium
from foundry_relay.client import AsyncRelayClient
from foundry_relay.server.runner import run_relay
from foundry_relay.settings import Settings
from foundry_relay.simulator import SimConfig, run_simulator
from foundry_relay.store import Store

WIDTHS = (1280, 390)
GM_PASSWORD = "gm-password"  # noqa: S105 (the simulator's own test world)


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="relay-shots-") as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            port=0,
            data_dir=Path(tmp),
            allow_headless=True,
            session_rate_limit=0,
            key_rate_limit=0,
        )
        store = Store(settings.db_path)
        _, admin = store.create_key("admin", admin=True)
        store.create_key("dice-bot", scopes=["roll:execute", "world:info"])
        store.create_key("dashboard-reader", scopes=["world:info", "clients:read"])
        async with (
            run_relay(settings) as relay,
            run_simulator(SimConfig(module_connect_delay=0.2)) as sim,
            AsyncRelayClient(relay.url, admin) as client,
            async_playwright() as pw,
        ):
            info = await client.start_session(
                foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )
            code = store.create_pair_request(
                {
                    "worldId": "lost-mine",
                    "worldTitle": "Lost Mine of Phandelver",
                    "systemId": "dnd5e",
                    "systemTitle": "Dungeons & Dragons Fifth Edition",
                    "systemVersion": "4.0.0",
                    "foundryVersion": "13.345",
                }
            ).code
            browser = await pw.chromium.launch(
                executable_path=find_chromium(None), headless=True, args=chromium_args()
            )
            for width in WIDTHS:
                page = await browser.new_page(viewport={"width": width, "height": 900})
                await page.goto(relay.url + "/")
                await page.get_by_label("API key", exact=True).fill(admin)
                await page.keyboard.press("Enter")
                await page.wait_for_selector("#app:not([hidden])")
                await page.get_by_label(f"Open session {info.session_id}").click()
                await page.wait_for_function(
                    "() => document.querySelector('#screenshot').naturalWidth > 0"
                )
                await page.get_by_label("Pairing code", exact=True).fill(code)
                await page.keyboard.press("Enter")
                await page.wait_for_selector("#pair-detail:not([hidden])")
                await page.screenshot(path=out / f"dashboard-{width}.png", full_page=True)
                await page.goto(f"{relay.url}/pair/{code}")
                await page.screenshot(path=out / f"pair-{width}.png", full_page=True)
                await page.goto(relay.url + "/docs")
                await page.wait_for_selector(".swagger-ui .opblock")
                await page.screenshot(path=out / f"docs-{width}.png")
                await page.close()
            await browser.close()
            await client.end_session(info.session_id)
        store.close()


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(folder))
    for shot in sorted(folder.glob("*.png")):
        print(shot)
