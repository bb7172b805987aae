"""After its sessions have ended the relay closes the browser, its spare context and the driver
once the quiet period has passed (``HEADLESS_IDLE_RELEASE``); the next start launches them again."""

from __future__ import annotations

import psutil

from ..conftest import RelayFactory, wait_until
from .headless_helpers import client, headless_stack, nothing_left, start


async def test_the_browser_closes_when_idle_and_comes_back(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, headless_idle_release=0.5, own_browser=True) as (
        relay,
        sim,
    ):
        _, key = relay.new_key()
        engine = relay.state.headless.engine
        first = await start(relay, sim, key)
        pid = engine.browser_pid
        assert pid is not None and psutil.pid_exists(pid)
        async with client(relay, key) as c:
            await c.end_session(first.session_id)
        assert await wait_until(lambda: engine.browser_pid is None, 10)
        assert await wait_until(lambda: not psutil.pid_exists(pid), 10)
        assert engine.context_count() == 0  # no spare kept either
        again = await start(relay, sim, key)  # a cold start
        assert engine.browser_pid not in (None, pid)
        async with client(relay, key) as c:
            assert (await c.world_info(client_id=again.client_id))["data"]["world"]["id"]
            await c.end_session(again.session_id)
        nothing_left(relay)


async def test_a_session_keeps_the_browser(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, headless_idle_release=0.3, own_browser=True) as (
        relay,
        sim,
    ):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        pid = relay.state.headless.engine.browser_pid
        # Well past the quiet period with a session running: the browser stays.
        assert not await wait_until(lambda: relay.state.headless.engine.browser_pid != pid, 1.5)
        async with client(relay, key) as c:
            await c.end_session(info.session_id)
