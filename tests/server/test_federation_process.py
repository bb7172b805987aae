"""Two ``foundry-relay serve`` processes sharing a real Redis and a real PostgreSQL, each with its
own Chromium: an instance killed with SIGKILL has its session marked ended and its client gone
on the other within five seconds, and leaves no browser behind."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

from foundry_relay.client import AsyncRelayClient
from foundry_relay.simulator import SimConfig, run_simulator
from foundry_relay.store import Store

from ..conftest import remember_secret, wait_until
from ..processes import spawn_listening
from ..services import RedisServer
from .headless_helpers import GM_PASSWORD


@contextlib.contextmanager
def relay_process(
    name: str, tmp_path: Path, redis_url: str, postgres_url: str
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": postgres_url,
        "LOG_LEVEL": "INFO",
        "ALLOW_HEADLESS": "true",
        "SESSION_RATE_LIMIT": "0",
        "HEADLESS_IDLE_RELEASE": "0",
    }
    proc, url, _ = spawn_listening(
        "serve", "--port", "0", "--data-dir", str(tmp_path / name), env=env, timeout=60
    )
    assert proc.stdout is not None
    drain = threading.Thread(target=lambda: list(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def browsers_of(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in children if "chrom" in p.name().lower()]


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                living.append(proc)
    return living


async def test_a_killed_instance_is_marked_gone_and_leaves_no_browser(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str
) -> None:
    store = Store(postgres_url)
    key = remember_secret(store.create_key("k")[1])
    with (
        relay_process("a", tmp_path, redis_server.url, postgres_url) as (proc_a, url_a),
        relay_process("b", tmp_path, redis_server.url, postgres_url) as (proc_b, url_b),
    ):
        async with (
            run_simulator(SimConfig(module_connect_delay=0.2)) as sim,
            AsyncRelayClient(
                url_b, key, http=httpx.AsyncClient(base_url=url_b, timeout=90)
            ) as on_b,
            httpx.AsyncClient(base_url=url_a, headers={"x-api-key": key}) as on_a,
        ):
            info = await on_b.start_session(
                foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )

            async def listed_on_a() -> list[str]:
                body = (await on_a.get("/session")).json()
                return [s["sessionId"] for s in body["activeSessions"]]

            assert await listed_on_a() == [info.session_id]
            clients = (await on_a.get("/clients")).json()["clients"]
            assert [(c["clientId"], c["isOnline"]) for c in clients] == [(info.client_id, True)]
            browsers = browsers_of(proc_b.pid)
            assert browsers, "instance B runs its own Chromium"

            proc_b.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            proc_b.wait(10)

            async def gone_on_a() -> bool:
                clients = (await on_a.get("/clients")).json()["clients"]
                online = [c for c in clients if c["isOnline"]]
                return await listed_on_a() == [] and online == []

            assert await wait_until(gone_on_a, timeout=10)
            assert time.monotonic() - killed_at < 5
            saved = store.get_session_record(info.session_id)
            assert saved is not None and saved.state == "ended"
            # Playwright's driver closes the browser when its parent's pipe closes.
            assert await wait_until(lambda: alive(browsers) == [], timeout=10)
            reply = await on_a.get("/world-info", params={"clientId": info.client_id})
            assert (reply.status_code, reply.json()["code"]) == (404, "CLIENT_NOT_FOUND")
        assert proc_a.poll() is None
    store.close()
