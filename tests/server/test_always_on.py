"""Always-on worlds (SPEC 16) against the simulator in real Chromium: stored logins, auto-start
on demand (one launch for concurrent callers, a cool-down after a failure), and sessions that
come back after the browser dies, Foundry restarts or the module drops past its grace."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from foundry_relay.client import AsyncRelayClient, RelayClientError
from foundry_relay.simulator import RunningSimulator, SimConfig, run_simulator
from foundry_relay.vault import new_key

from ..conftest import RelayFactory, RelayHandle, files_contain, remember_secret, wait_until
from ..processes import CLI
from .headless_helpers import GM_PASSWORD, client, start

OPERATOR_KEY = remember_secret(new_key())


def _launches(relay: RelayHandle) -> int:
    return len(relay.state.headless.live)


async def _always_on_world(
    relay: RelayHandle, sim: RunningSimulator, key: str, password: str = GM_PASSWORD
) -> str:
    """A world the key knows (one session started and ended), its login stored, auto-start on."""
    info = await start(relay, sim, key)
    async with client(relay, key) as c:
        await c.end_session(info.session_id)
        assert await wait_until(lambda: relay.state.hub.registry.get(info.client_id) is None)
        stored = await c.set_world_login(
            info.client_id, foundry_url=sim.url, username="Gamemaster", password=password
        )
        assert stored["username"] == "Gamemaster" and "password" not in str(stored).lower()
        assert (await c.set_auto_start(info.client_id, True))["autoStart"] is True
    return info.client_id


@contextlib.asynccontextmanager
async def _stack(
    relay_factory: RelayFactory, sim_config: SimConfig | None = None, **overrides: Any
) -> AsyncIterator[tuple[RelayHandle, RunningSimulator]]:
    values: dict[str, Any] = {
        "allow_headless": True,
        "credentials_key": SecretStr(OPERATOR_KEY),
        "navigation_timeout": 10,
        "world_launch_timeout": 10,
        "game_ready_timeout": 10,
        "module_connect_timeout": 10,
        "client_grace_seconds": 1,
    }
    values.update(overrides)
    config = sim_config or SimConfig(module_connect_delay=0.2)
    async with relay_factory(**values) as relay, run_simulator(config) as sim:
        yield relay, sim


async def test_an_offline_world_starts_once_for_concurrent_requests(
    relay_factory: RelayFactory,
) -> None:
    async with _stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()
        client_id = await _always_on_world(relay, sim, key)
        before = _launches(relay)
        async with client(relay, key) as c:
            replies = await asyncio.gather(*(c.world_info(client_id=client_id) for _ in range(10)))
            assert all(r["data"]["world"]["id"] == "test-world" for r in replies)
            assert _launches(relay) == before + 1  # ten callers, one launch
            listed = await c.list_sessions()
            [world] = listed["alwaysOn"]
            assert (world["clientId"], world["autoStart"], world["online"]) == (
                client_id,
                True,
                True,
            )
            worlds = (await c.worlds())["worlds"]
            assert [w["login"]["autoStart"] for w in worlds] == [True]
        # Nothing holds the password in clear: not the database file, not its journal.
        assert files_contain(Path(relay.settings.data_dir), "relay.db*", GM_PASSWORD) == []


async def test_a_wrong_stored_password_fails_every_caller_then_cools_down(
    relay_factory: RelayFactory,
) -> None:
    async with _stack(relay_factory, auto_start_cooldown=30) as (relay, sim):
        _, key = relay.new_key()
        wrong = remember_secret("not-the-gm-password")
        client_id = await _always_on_world(relay, sim, key, password=wrong)
        before = _launches(relay)
        async with client(relay, key) as c:
            results = await asyncio.gather(
                *(c.world_info(client_id=client_id) for _ in range(5)), return_exceptions=True
            )
            assert all(isinstance(r, RelayClientError) for r in results), results
            codes = {r.code for r in results if isinstance(r, RelayClientError)}
            assert codes == {"FOUNDRY_LOGIN_REJECTED"}
            assert _launches(relay) == before + 1
            failed = results[0]
            assert isinstance(failed, RelayClientError)
            log = await c.session_log(failed.body["sessionId"])
            assert "FOUNDRY_LOGIN_REJECTED" in str(log["failure"]), log["failure"]
            # Within the cool-down: the same error at once, with when to retry, and no launch.
            try:
                await c.world_info(client_id=client_id)
            except RelayClientError as exc:
                assert exc.code == "FOUNDRY_LOGIN_REJECTED" and exc.body["retryAfter"] > 0
            else:
                raise AssertionError("the world started")
            assert _launches(relay) == before + 1


async def test_the_world_comes_back_after_its_browser_dies(relay_factory: RelayFactory) -> None:
    async with _stack(relay_factory, own_browser=True) as (relay, sim):
        _, key = relay.new_key()
        client_id = await _always_on_world(relay, sim, key)
        async with client(relay, key) as c:
            await c.world_info(client_id=client_id)  # started on demand
            pid = relay.state.headless.engine.browser_pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            assert await wait_until(lambda: relay.state.hub.registry.get(client_id) is None)
            # No caller: the keep-alive starts it again.
            assert await wait_until(
                lambda: relay.state.hub.registry.get(client_id) is not None, timeout=60
            )
            assert relay.state.headless.engine.browser_pid not in (None, pid)

            async def restarted() -> bool:  # counted once the start returns, after the module
                [world] = (await c.list_sessions())["alwaysOn"]
                return bool(world["restarts"] == 1)

            assert await wait_until(restarted)
            [world] = (await c.list_sessions())["alwaysOn"]
            assert world["restarts"] == 1 and world["lastEndReason"] == "browser-crashed"


async def test_the_world_comes_back_after_foundry_restarts(
    relay_factory: RelayFactory, tmp_path: Path
) -> None:
    config = SimConfig(module_connect_delay=0.2, data_dir=tmp_path / "foundry")
    async with _stack(relay_factory, sim_config=config) as (relay, sim):
        _, key = relay.new_key()
        client_id = await _always_on_world(relay, sim, key)
        async with client(relay, key) as c:
            await c.world_info(client_id=client_id)
        # Foundry restarts on the same port (its logins are gone): the game page reconnects,
        # is sent back to /join, the module leaves, and past its grace the world is started
        # again with the stored login.
        await sim.restart()
        assert await wait_until(lambda: relay.state.hub.registry.get(client_id) is None, 30)
        assert await wait_until(
            lambda: relay.state.hub.registry.get(client_id) is not None, timeout=60
        )
        async with client(relay, key) as c:
            reply = await c.world_info(client_id=client_id)
            assert reply["data"]["world"]["id"] == "test-world"


async def test_the_world_comes_back_after_its_module_drops(relay_factory: RelayFactory) -> None:
    config = SimConfig(module_connect_delay=0.2)
    async with _stack(relay_factory, sim_config=config) as (relay, sim):
        _, key = relay.new_key()
        client_id = await _always_on_world(relay, sim, key)
        # The next page's module drops for good 1 s after it connected.
        sim.state.config.faults.module_drop_after = 1.0
        sim.state.config.faults.module_reconnect = False
        async with client(relay, key) as c:
            await c.world_info(client_id=client_id)
            sim.state.config.faults.module_drop_after = 0.0  # the page after it behaves
            assert await wait_until(lambda: relay.state.hub.registry.get(client_id) is None)
            assert await wait_until(
                lambda: relay.state.hub.registry.get(client_id) is not None, timeout=60
            )
            [world] = (await c.list_sessions())["alwaysOn"]
            assert world["restarts"] == 1 and world["lastEndReason"] == "client-disconnected"


async def test_without_the_operator_key_the_feature_is_off(
    relay_factory: RelayFactory, tmp_path: Path
) -> None:
    async with relay_factory(allow_headless=True) as relay:
        _, key = relay.new_key()
        async with AsyncRelayClient(relay.url, key) as c:
            try:
                await c.set_world_login(
                    "fvtt_0000000000000000",
                    foundry_url="http://127.0.0.1:9",
                    username="Gamemaster",
                    password=GM_PASSWORD,
                )
            except RelayClientError as exc:
                assert (exc.code, exc.status) == ("CREDENTIALS_DISABLED", 403)
            else:
                raise AssertionError("a login was stored")
            assert (await c.worlds())["storedLogins"] is False
        proc = await asyncio.create_subprocess_exec(
            *CLI,
            "worlds",
            "auto-start",
            "fvtt_x",
            "on",
            "--key-id",
            "k",
            "--data-dir",
            str(tmp_path),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={k: v for k, v in os.environ.items() if not k.startswith("CREDENTIALS_")},
        )
        _, err = await proc.communicate()
        assert proc.returncode == 1 and b"CREDENTIALS_DISABLED" in err
