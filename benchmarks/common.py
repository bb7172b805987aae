"""Shared parts of the benchmarks: statistics, a relay in its own process, the Foundry simulator,
process-tree memory and CPU, and the bare Playwright flow that is each start-time floor.

Everything binds 127.0.0.1 on free ports. Scripts print their figures; nothing here asserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from foundry_relay.browser.chromium import chromium_args, find_chromium
from foundry_relay.browser.scripts import SEED_SCRIPT
from foundry_relay.core.handshake import seal_envelope
from foundry_relay.simulator import (
    RunningSimulator,
    SimConfig,
    SimUser,
    client_id_for,
    run_simulator,
)
from foundry_relay.store import Store

GM_PASSWORD = "gm-password"


# -- statistics -------------------------------------------------------------------------------


def summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    p99 = ordered[min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p99": p99,
        "min": ordered[0],
        "max": ordered[-1],
    }


def fmt(stats: dict[str, float], unit: str = "ms", scale: float = 1000.0) -> str:
    if not stats.get("n"):
        return "no samples"
    return (
        f"median {stats['median'] * scale:8.1f} {unit}  p99 {stats['p99'] * scale:8.1f} {unit}"
        f"  min {stats['min'] * scale:8.1f}  max {stats['max'] * scale:8.1f}  (n={stats['n']})"
    )


def header(title: str) -> None:
    print(f"\n== {title}")


def verdict(
    name: str, value: float, target: float, *, lower_is_better: bool = True, unit: str = ""
) -> None:
    ok = value <= target if lower_is_better else value >= target
    sign = "≤" if lower_is_better else "≥"
    print(
        f"{name}: {value:.3f}{unit} (target {sign} {target}{unit}) -> {'MET' if ok else 'NOT MET'}"
    )


# -- processes --------------------------------------------------------------------------------


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def pss_bytes(procs: Sequence[psutil.Process]) -> int:
    total = 0
    for proc in procs:
        try:
            total += proc.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def cpu_seconds(procs: Sequence[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def bare_tree(exclude: int) -> list[psutil.Process]:
    """This process's children (the bare flow's Playwright driver and browser) without the
    relay's process tree."""
    skip = {p.pid for p in tree(exclude)}
    return [p for p in psutil.Process().children(recursive=True) if p.pid not in skip]


def renderer_pids(pid: int) -> set[int]:
    out = set()
    for proc in tree(pid)[1:]:
        try:
            if "--type=renderer" in proc.cmdline():
                out.add(proc.pid)
        except psutil.Error:
            continue
    return out


# -- the relay in its own process -------------------------------------------------------------


@dataclass
class RelayProcess:
    proc: subprocess.Popen[str]
    url: str
    key: str
    data: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def relay_process(*, share: RelayProcess | None = None, **env: str) -> Iterator[RelayProcess]:
    """``foundry-relay serve`` on a free port with a fresh data folder and one API key;
    ``share``: another instance whose data folder (store and key) this one uses too."""
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as tmp:
        data = Path(tmp) if share is None else share.data
        if share is None:
            store = Store(data / "relay.db")
            _, key = store.create_key("bench")
            store.close()
        else:
            key = share.key
        full_env = {
            **os.environ,
            "LOG_LEVEL": "WARNING",
            "SESSION_RATE_LIMIT": "0",
            "KEY_RATE_LIMIT": "0",
            "HANDSHAKE_MAX_PENDING": "0",
            "MAX_HEADLESS_SESSIONS": "0",
            "MAX_TOTAL_HEADLESS_SESSIONS": "0",
            **env,
        }
        full_env["LOG_LEVEL"] = "INFO"  # the port line is logged at INFO
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "foundry_relay.cli",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(data),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
        )
        assert proc.stdout is not None
        url = None
        deadline = time.time() + 30
        while time.time() < deadline and url is None:
            line = proc.stdout.readline()
            if "listening on " in line:
                url = line.split("listening on ")[1].split()[0]
        if url is None:
            proc.kill()
            raise RuntimeError("the relay did not start")
        # Keep draining its output so it never blocks on a full pipe.
        drain = subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
        try:
            yield RelayProcess(proc, url, key, data)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            drain.kill()


# -- the simulator ----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def simulator(users: int) -> AsyncIterator[RunningSimulator]:
    """A simulator with ``users`` GMs (GM0, GM1, …), each its own module client. The module
    connects at once after "ready" (the real one waits 1 s: the same for the relay and the bare
    floor, so left out of both)."""
    config = SimConfig(
        users=[SimUser(f"GM{i}", GM_PASSWORD, 4) for i in range(users)],
        client_id_per_user=True,
        module_connect_delay=0,
    )
    async with run_simulator(config) as sim:
        yield sim


def pair_world(sim: RunningSimulator, relay: RelayProcess) -> None:
    """Pair every GM's world settings with ``relay`` (as a GM would, once), so that the bare
    floor's module connects there and the relay's sessions find the world paired."""
    relay_ws = ws_url(relay)
    for world in sim.config.worlds:
        for user in sim.config.users:
            client = client_id_for(world.id, None, user.id)
            for key, value in (
                ("wsRelayUrl", relay_ws),
                ("clientId", client),
                ("pairedRelayUrl", relay_ws),
            ):
                sim.state.set_setting(world.id, user.id, f"foundry-rest-api.{key}", value)


async def prepare_start(
    http: httpx.AsyncClient, relay: RelayProcess, sim_url: str, user: str
) -> dict[str, Any]:
    """Handshake and encrypt: the body of a ``/start-session`` call."""
    r = await http.post(
        "/session-handshake",
        headers={"x-api-key": relay.key, "x-foundry-url": sim_url, "x-username": user},
    )
    r.raise_for_status()
    hs = r.json()
    return {
        "handshakeToken": hs["token"],
        "encryptedPassword": seal_envelope(
            hs["publicKey"], password=GM_PASSWORD, nonce=hs["nonce"]
        ),
    }


async def start_session(
    http: httpx.AsyncClient, relay: RelayProcess, body: dict[str, Any]
) -> dict[str, Any]:
    r = await http.post("/start-session", json=body, headers={"x-api-key": relay.key}, timeout=120)
    if r.status_code != 200:
        raise RuntimeError(f"start failed: {r.status_code} {r.text}")
    result: dict[str, Any] = r.json()
    return result


async def end_via_relay(http: httpx.AsyncClient, relay: RelayProcess, session_id: str) -> None:
    r = await http.delete(
        "/end-session", params={"sessionId": session_id}, headers={"x-api-key": relay.key}
    )
    r.raise_for_status()


async def wait_user_free(sim: RunningSimulator, user: str, timeout: float = 10) -> None:
    user_id = sim.state.user_by_name(user).id  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    while sim.state.user_active(user_id) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


# -- the bare Playwright floor ----------------------------------------------------------------


class BareFlow:
    """The same steps as a headless start, scripted directly with Playwright: new context, seed,
    goto, join, wait for the module's authentication. The floor of P1/P4/P7."""

    def __init__(self) -> None:
        self._pw: Any = None
        self.browser: Any = None
        self.executable = find_chromium(os.environ.get("CHROME_PATH"))

    async def __aenter__(self) -> BareFlow:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self.browser = await self._pw.chromium.launch(
            executable_path=self.executable, headless=True, args=chromium_args()
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.browser.close()
        await self._pw.stop()

    async def prepare(self) -> tuple[Any, Any]:
        """A context and page made ahead, as the relay keeps a spare one ready (off the clock)."""
        context = await self.browser.new_context()
        return context, await context.new_page()

    async def start(
        self,
        sim_url: str,
        user: str,
        relay_ws: str,
        token: str,
        prepared: tuple[Any, Any] | None = None,
    ) -> Any:
        context, page = prepared if prepared is not None else await self.prepare()
        # The relay URL is a world setting (pair_world); only the token is the browser's.
        seed = {"foundry-rest-api.connectionToken": token, "core.noCanvas": True}
        await context.add_init_script(
            SEED_SCRIPT % json.dumps({k: json.dumps(v) for k, v in seed.items()})
        )
        await page.goto(sim_url + "/join", wait_until="domcontentloaded")
        user_id = await page.evaluate(
            "(name) => Array.from(document.querySelectorAll('select[name=userid] option'))"
            ".find(o => o.textContent === name).value",
            user,
        )
        result = await page.evaluate(
            """async (body) => {
            const r = await fetch('join', {method: 'POST', headers: {'Content-Type':
              'application/json'}, body: JSON.stringify(body)});
            return (await r.json()).redirect; }""",
            {"action": "join", "userid": user_id, "password": GM_PASSWORD},
        )
        await page.goto(sim_url + "/" + result, wait_until="domcontentloaded")
        await page.wait_for_function(
            "window.__module && window.__module.status === 'connected'", polling=10
        )
        return context

    def browser_pid(self) -> int | None:
        for proc in psutil.Process().children(recursive=True):
            try:
                cmd = proc.cmdline()
            except psutil.Error:
                continue
            if cmd and cmd[0] == self.executable and not any(a.startswith("--type=") for a in cmd):
                return proc.pid
        return None


def new_token(relay: RelayProcess) -> str:
    """A connection token for the bare flow's module (so it authenticates like a session)."""
    store = Store(relay.data / "relay.db")
    key = store.list_keys()[0]
    _, token = store.create_token(key.id, "bench")
    store.close()
    return token


def ws_url(relay: RelayProcess) -> str:
    return relay.url.replace("http://", "ws://")
