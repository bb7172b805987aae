"""Two ``foundry-relay serve`` processes sharing a real Redis and a real PostgreSQL, each with its
own Chromium: an instance killed with SIGKILL has its session marked ended and its client gone
on the other within five seconds, and leaves no browser behind; an always-on world it ran comes
back on the other by itself."""

from __future__ import annotations

import contextlib
import signal
import socket
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
from foundry_relay.vault import new_key

from ..conftest import remember_secret, wait_until
from ..processes import spawn_listening
from ..services import RedisServer
from .headless_helpers import GM_PASSWORD


@contextlib.contextmanager
def relay_process(
    name: str, tmp_path: Path, redis_url: str, postgres_url: str, port: int = 0, **extra: str
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": postgres_url,
        "LOG_LEVEL": "INFO",
        "ALLOW_HEADLESS": "true",
        "SESSION_RATE_LIMIT": "0",
        "HEADLESS_IDLE_RELEASE": "0",
        **extra,
    }
    proc, url, _ = spawn_listening(
        "serve", "--port", str(port), "--data-dir", str(tmp_path / name), env=env, timeout=60
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


async def test_an_always_on_world_of_a_killed_instance_comes_back_on_another(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str
) -> None:
    """The keep-alive of the instance that died is taken over by the one that reaps it: the
    world is online again on the survivor with no request asking for it."""
    store = Store(postgres_url)
    key = remember_secret(store.create_key("k")[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port_a = probe.getsockname()[1]
    # One public address for both, as behind a proxy (here A stands in for it): a world paired
    # with the relay is paired with every instance.
    shared = {
        "CREDENTIALS_KEY": remember_secret(new_key()),
        "CLIENT_GRACE_SECONDS": "1",
        "PUBLIC_URL": f"http://127.0.0.1:{port_a}",
    }
    redis_url = redis_server.url
    with (
        relay_process("a", tmp_path, redis_url, postgres_url, port_a, **shared) as (_, url_a),
        relay_process("b", tmp_path, redis_url, postgres_url, **shared) as (proc_b, url_b),
    ):
        async with (
            run_simulator(SimConfig(module_connect_delay=0.2)) as sim,
            AsyncRelayClient(
                url_b, key, http=httpx.AsyncClient(base_url=url_b, timeout=90)
            ) as on_b,
            AsyncRelayClient(
                url_a, key, http=httpx.AsyncClient(base_url=url_a, timeout=90)
            ) as on_a,
        ):
            info = await on_b.start_session(
                foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )
            await on_b.set_world_login(
                info.client_id, foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )
            assert (await on_b.set_auto_start(info.client_id, True))["autoStart"] is True

            proc_b.send_signal(signal.SIGKILL)
            proc_b.wait(10)

            async def back_on_a() -> bool:
                listed = await on_a.list_sessions()
                [world] = listed["alwaysOn"]
                return bool(world["online"] and world["restarts"] == 1)

            assert await wait_until(back_on_a, timeout=30, interval=0.25)
            listed = await on_a.list_sessions()
            [world] = listed["alwaysOn"]
            assert world["lastEndReason"] == "instance-lost"
            [session] = listed["activeSessions"]
            assert session["sessionId"] != info.session_id
            reply = await on_a.world_info(client_id=info.client_id)
            assert reply["data"]["world"]["id"] == "test-world"
    store.close()
