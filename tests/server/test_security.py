"""Security: SSRF policy (also after redirects), browser isolation, no web-security bypass."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import psutil
import pytest
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route

from foundry_relay.browser.chromium import chromium_args
from foundry_relay.client import RelayClientError
from foundry_relay.server.runner import serve_app
from foundry_relay.simulator import SimConfig, SimUser

from ..conftest import RelayFactory
from .headless_helpers import GM_PASSWORD, client, headless_stack, nothing_left


@contextlib.asynccontextmanager
async def redirector(target: str) -> AsyncIterator[str]:
    """A server whose every page redirects to ``target``."""

    async def bounce(_request: object) -> RedirectResponse:
        return RedirectResponse(target, status_code=302)

    app = Starlette(routes=[Route("/{path:path}", bounce)])
    async with serve_app(app) as running:
        yield running.url


async def test_redirect_to_metadata_address_is_blocked(relay_factory: RelayFactory) -> None:
    async with (
        headless_stack(relay_factory) as (relay, _sim),
        redirector("http://169.254.169.254/latest/meta-data/") as url,
    ):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            with pytest.raises(RelayClientError) as caught:
                await c.start_session(foundry_url=url, username="Gamemaster", password=GM_PASSWORD)
            assert (caught.value.code, caught.value.status) == ("FOUNDRY_URL_FORBIDDEN", 400)
            assert "169.254.169.254" in caught.value.message
        nothing_left(relay)


async def test_allow_list_rechecks_every_redirect_hop(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, foundry_url_allow=["127.0.0.1/32"]) as (relay, sim):
        port = sim.running.port
        async with redirector(f"http://127.0.0.2:{port}/") as url:
            _, key = relay.new_key()
            async with client(relay, key) as c:
                ok = await c.start_session(
                    foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
                )  # 127.0.0.1 is allowed
                await c.end_session(ok.session_id)
                with pytest.raises(RelayClientError) as caught:
                    await c.start_session(
                        foundry_url=url, username="Gamemaster", password=GM_PASSWORD
                    )
                assert caught.value.code == "FOUNDRY_URL_FORBIDDEN"
        nothing_left(relay)


async def test_deny_list_is_checked_on_resolved_addresses(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, foundry_url_deny=["127.0.0.0/8"]) as (relay, sim):
        _, key = relay.new_key()
        async with relay.http(key) as http:
            for url in (sim.url, sim.url.replace("127.0.0.1", "localhost")):
                r = await http.post(
                    "/session-handshake", headers={"x-foundry-url": url, "x-username": "Gamemaster"}
                )
                assert (r.status_code, r.json()["code"]) == (400, "FOUNDRY_URL_FORBIDDEN"), url


async def test_browser_never_runs_with_web_security_disabled(relay_factory: RelayFactory) -> None:
    assert not any("web-security" in a or "allow-running-insecure" in a for a in chromium_args())
    async with headless_stack(relay_factory) as (relay, sim), redirector("/elsewhere") as no_cors:
        _, key = relay.new_key()
        async with client(relay, key) as c:
            info = await c.start_session(
                foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )
            pid = relay.state.headless.engine.browser_pid
            assert pid is not None
            procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
            for proc in procs:
                cmd = " ".join(proc.cmdline())
                assert "--disable-web-security" not in cmd
            # Same-origin policy holds: the Foundry page cannot read an origin without CORS.
            page = relay.state.headless.page_of(info.session_id)
            outcome = await page.evaluate(
                """async (url) => {
                try { const r = await fetch(url); await r.text(); return 'read'; }
                catch (e) { return 'blocked'; } }""",
                no_cors + "/secret",
            )
            assert outcome == "blocked"
            await c.end_session(info.session_id)


async def test_sessions_cannot_see_each_others_storage_or_cookies(
    relay_factory: RelayFactory,
) -> None:
    config = SimConfig(
        users=[SimUser("GM0", GM_PASSWORD, 4), SimUser("GM1", GM_PASSWORD, 4)],
        client_id_per_user=True,
    )
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            a = await c.start_session(foundry_url=sim.url, username="GM0", password=GM_PASSWORD)
            b = await c.start_session(foundry_url=sim.url, username="GM1", password=GM_PASSWORD)
            page_a = relay.state.headless.page_of(a.session_id)
            page_b = relay.state.headless.page_of(b.session_id)
            assert page_a is not None and page_b is not None
            token_a = await page_a.evaluate(
                "() => localStorage.getItem('foundry-rest-api.connectionToken')"
            )
            token_b = await page_b.evaluate(
                "() => localStorage.getItem('foundry-rest-api.connectionToken')"
            )
            assert token_a and token_b and token_a != token_b
            cookies_a = {x["value"] for x in await page_a.context.cookies()}
            cookies_b = {x["value"] for x in await page_b.context.cookies()}
            assert cookies_a and cookies_b and not cookies_a & cookies_b
            # Same origin, different contexts: B's page sees only its own storage.
            await page_a.evaluate("() => localStorage.setItem('probe', 'from-a')")
            assert await page_b.evaluate("() => localStorage.getItem('probe')") is None
            users = {await p.evaluate("() => game.user.name") for p in (page_a, page_b)}
            assert users == {"GM0", "GM1"}
            await c.end_session(a.session_id)
            await c.end_session(b.session_id)
        nothing_left(relay)
