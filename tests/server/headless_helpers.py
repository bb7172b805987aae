"""Helpers for headless-session tests: a relay with headless on plus a simulator."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import psutil

from foundry_relay.client import AsyncRelayClient, RelayClientError
from foundry_relay.simulator import RunningSimulator, SimConfig, run_simulator

from ..conftest import RelayFactory, RelayHandle, recording_client, remember_secret
from ..processes import CLI

GM_PASSWORD = remember_secret("gm-password")


@contextlib.asynccontextmanager
async def headless_stack(
    relay_factory: RelayFactory, sim_config: SimConfig | None = None, **overrides: Any
) -> AsyncIterator[tuple[RelayHandle, RunningSimulator]]:
    values: dict[str, Any] = {
        "allow_headless": True,
        "navigation_timeout": 10,
        "world_launch_timeout": 10,
        "game_ready_timeout": 10,
        "module_connect_timeout": 10,
    }
    values.update(overrides)
    if sim_config is None:
        # The real module waits 1 s after "ready"; most tests need not.
        sim_config = SimConfig(module_connect_delay=0.2)
    async with relay_factory(**values) as relay, run_simulator(sim_config) as sim:
        yield relay, sim


def paired_client(sim: RunningSimulator, world: str = "test-world") -> str:
    """The clientId the world's module settings hold (set when the relay paired it)."""
    value = sim.state.world_setting(world, "clientId")
    assert isinstance(value, str) and value.startswith("fvtt_") and len(value) == 21, value
    return value


def client(relay: RelayHandle, key: str) -> AsyncRelayClient:
    return AsyncRelayClient(relay.url, key, http=recording_client(base_url=relay.url, timeout=60))


async def start(
    relay: RelayHandle,
    sim: RunningSimulator,
    key: str,
    *,
    username: str = "Gamemaster",
    password: str = GM_PASSWORD,
    world: str | None = None,
    admin: str | None = None,
) -> Any:
    async with client(relay, key) as c:
        return await c.start_session(
            foundry_url=sim.url,
            username=username,
            password=password,
            world=world,
            admin_password=admin,
        )


async def start_error(
    relay: RelayHandle, sim: RunningSimulator, key: str, **kwargs: Any
) -> RelayClientError:
    try:
        await start(relay, sim, key, **kwargs)
    except RelayClientError as exc:
        return exc
    raise AssertionError("the start succeeded")


def nothing_left(relay: RelayHandle) -> None:
    """No context, page, slot, waiter or live token is held after a session is over."""
    service = relay.state.headless
    held = service.holdings()
    assert (held.sessions, held.pages, held.launches) == (0, 0, 0), held
    assert relay.state.hub.waiting_tokens == 0
    assert relay.state.hub.correlator.pending == {}
    # No session holds a context; only the spare prepared for the next start may remain.
    assert service.engine.session_contexts() == []
    assert service.engine.context_count() <= 1
    live = [t for t in relay.store.list_tokens() if t.session_id and t.revoked_at is None]
    assert live == []


def renderer_pids(relay: RelayHandle) -> set[int]:
    pid = relay.state.headless.engine.browser_pid
    if pid is None:
        return set()
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return set()
    out = set()
    for proc in children:
        try:
            if "--type=renderer" in " ".join(proc.cmdline()):
                out.add(proc.pid)
        except psutil.Error:
            continue
    return out


def start_args(relay: RelayHandle, sim: RunningSimulator, *extra: str) -> tuple[str, ...]:
    """``session start`` as Gamemaster, password from stdin, JSON out."""
    return (
        "start",
        "--relay",
        relay.url,
        "--foundry-url",
        sim.url,
        "--username",
        "Gamemaster",
        "--password-stdin",
        "--json",
        *extra,
    )


async def session_cli(key: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run ``foundry-relay session <args>`` as a real subprocess with ``key``; returns its exit
    code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        *CLI,
        "session",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "FOUNDRY_RELAY_API_KEY": key},
    )
    out, err = await asyncio.wait_for(
        proc.communicate(stdin.encode() if stdin is not None else None), 120
    )
    return proc.returncode or 0, out.decode(), err.decode()
