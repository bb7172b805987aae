"""Faults survived: browser and relay deaths, Foundry going away, nothing left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import psutil
import pytest

from foundry_relay.browser.watchdog import _processes_with, marker_prefix
from foundry_relay.client import AsyncRelayClient, RelayClientError
from foundry_relay.simulator import Faults, SimConfig, SimUser, run_simulator
from foundry_relay.store import Store

from ..conftest import RelayFactory, remember_secret, wait_until
from ..processes import spawn_listening
from .headless_helpers import GM_PASSWORD, client, headless_stack, nothing_left


def gms(n: int, prefix: str = "GM") -> list[SimUser]:
    return [SimUser(f"{prefix}{i}", GM_PASSWORD, 4) for i in range(n)]


def browser_tree(home: Path) -> set[int]:
    """The relay's browser processes (main process found by marker, and all its children)."""
    pids: set[int] = set()
    for pid in _processes_with(marker_prefix(home)):
        pids.add(pid)
        try:
            pids.update(p.pid for p in psutil.Process(pid).children(recursive=True))
        except psutil.NoSuchProcess:
            pass
    return pids


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.add(pid)
        except psutil.NoSuchProcess:
            pass
    return out


async def test_browser_sigkill_with_five_sessions(relay_factory: RelayFactory) -> None:
    config = SimConfig(users=gms(5), client_id_per_user=True, faults=Faults(reply_delay=5))
    async with headless_stack(relay_factory, config, max_headless_sessions=5) as (relay, sim):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            infos = await asyncio.gather(
                *(
                    c.start_session(foundry_url=sim.url, username=f"GM{i}", password=GM_PASSWORD)
                    for i in range(5)
                )
            )
            assert len({i.client_id for i in infos}) == 5
            waiting = asyncio.create_task(c.world_info(client_id=infos[0].client_id))
            assert await wait_until(lambda: len(relay.state.hub.correlator.pending) == 1)
            pid = relay.state.headless.engine.browser_pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(RelayClientError) as err:
                await waiting
            # CLIENT_GONE, not the reply (5 s away) nor a 408: failed when the browser died.
            assert err.value.code == "CLIENT_GONE"
            assert await wait_until(lambda: relay.state.headless.sessions.all() == [], 5)
        for info in infos:
            record = relay.store.get_session_record(info.session_id)
            assert record is not None and record.end_reason == "browser-crashed"
        nothing_left(relay)
        assert await wait_until(lambda: not any(sim.state.open_pages.values()), 10)
        async with client(relay, key) as c:
            again = await c.start_session(foundry_url=sim.url, username="GM0", password=GM_PASSWORD)
            assert relay.state.headless.engine.browser_pid not in (None, pid)
            await c.end_session(again.session_id)
        nothing_left(relay)


def _serve(data: Path) -> tuple[subprocess.Popen[str], str]:
    proc, url, _ = spawn_listening(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(data),
        env={"LOG_LEVEL": "INFO", "SESSION_RATE_LIMIT": "0"},
    )
    return proc, url


async def _two_sessions(url: str, key: str, sim_url: str) -> list[Any]:
    async with AsyncRelayClient(url, key, timeout=60) as c:
        return list(
            await asyncio.gather(
                *(
                    c.start_session(foundry_url=sim_url, username=f"GM{i}", password=GM_PASSWORD)
                    for i in range(2)
                )
            )
        )


async def test_relay_sigterm_ends_sessions_and_leaves_no_chromium(tmp_path: Path) -> None:
    store = Store(tmp_path / "relay.db")
    _, key = store.create_key("k")
    remember_secret(key)
    async with run_simulator(SimConfig(users=gms(2), client_id_per_user=True)) as sim:
        proc, url = _serve(tmp_path)
        try:
            infos = await _two_sessions(url, key, sim.url)
            tree = browser_tree(tmp_path / "browser-home")
            assert len(tree) >= 3  # browser, zygote/utility, renderers
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, 30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        assert await wait_until(lambda: not alive(tree), 5), alive(tree)
        for info in infos:
            record = store.get_session_record(info.session_id)
            assert record is not None and (record.state, record.end_reason) == (
                "ended",
                "relay-shutdown",
            )
        live = [t for t in store.list_tokens() if t.session_id and t.revoked_at is None]
        assert live == []
    store.close()


async def test_relay_sigkill_leaves_no_chromium_and_restart_cleans_up(tmp_path: Path) -> None:
    store = Store(tmp_path / "relay.db")
    _, key = store.create_key("k")
    remember_secret(key)
    async with run_simulator(SimConfig(users=gms(2), client_id_per_user=True)) as sim:
        proc, url = _serve(tmp_path)
        try:
            infos = await _two_sessions(url, key, sim.url)
            tree = browser_tree(tmp_path / "browser-home")
            assert tree
            proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(proc.wait, 10)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert await wait_until(lambda: not alive(tree), 5), alive(tree)
        # The next relay on this data folder marks the orphaned sessions as ended.
        proc, url = _serve(tmp_path)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
        for info in infos:
            record = store.get_session_record(info.session_id)
            assert record is not None and record.state == "ended"
    store.close()


async def test_stale_browser_of_this_data_folder_is_reaped_at_start(
    relay_factory: RelayFactory, tmp_path: Path
) -> None:
    from foundry_relay.browser.chromium import find_chromium

    home = tmp_path / "relay1" / "browser-home"  # the first relay_factory relay's folder
    home.mkdir(parents=True)
    stale = subprocess.Popen(
        [
            find_chromium(None),
            "--headless",
            "--no-sandbox",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"{marker_prefix(home)}stale",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert await wait_until(lambda: _processes_with(marker_prefix(home)) != [], 5)
        async with relay_factory(allow_headless=True, own_browser=True):
            assert await wait_until(lambda: stale.poll() is not None, 5)
    finally:
        if stale.poll() is None:
            stale.kill()


async def test_foundry_stopping_mid_launch(relay_factory: RelayFactory) -> None:
    config = SimConfig(active_world=None, launch_delay=30)
    async with relay_factory(allow_headless=True, world_launch_timeout=20) as relay:
        _, key = relay.new_key()
        async with client(relay, key) as c:
            async with run_simulator(config) as sim:
                launch = asyncio.create_task(
                    c.start_session(
                        foundry_url=sim.url,
                        username="Gamemaster",
                        password=GM_PASSWORD,
                        world="test-world",
                    )
                )
                service = relay.state.headless
                assert await wait_until(
                    lambda: any(s.stage == "world-launch" for s in service.sessions.all()), 10
                )
                # The world is launching on the simulator: the relay is polling its status.
                assert await wait_until(lambda: sim.state.launching == "test-world", 10)
            with pytest.raises(RelayClientError) as err:
                await launch  # the simulator is gone now
        # 502 at once, not GAME_LOAD_TIMEOUT after the world-launch timeout.
        assert (err.value.status, err.value.code) == (502, "FOUNDRY_UNREACHABLE")
        assert err.value.body["stage"] == "world-launch"
        nothing_left(relay)
