"""Several workers as one relay (``serve --workers N``), in one process for determinism: each
worker listens on its own port here, so a test chooses which worker the module and the REST
caller reach. The link between them (Unix sockets), the directory, the passing on of requests
to the primary and the browser are the real ones; ``test_cli`` runs the real processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from websockets.asyncio.client import connect

from foundry_relay.browser.engine import BrowserEngine
from foundry_relay.server.cluster import ClusterSpec
from foundry_relay.server.runner import run_relay
from foundry_relay.settings import Settings
from foundry_relay.simulator import SimConfig, run_simulator
from foundry_relay.store import Store
from foundry_relay.vault import new_key

from ..conftest import RelayHandle, remember_secret, wait_until
from .event_helpers import subscribe
from .headless_helpers import GM_PASSWORD, client, paired_client, start
from .module_client import FakeModule


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextlib.asynccontextmanager
async def cluster(
    tmp_path: Path,
    engine: BrowserEngine,
    count: int = 2,
    *,
    sessions_via: int | None = None,
    **overrides: Any,
) -> AsyncIterator[list[RelayHandle]]:
    """``count`` workers of one relay; ``sessions_via``: the worker whose address the primary
    gives its sessions' browsers (their modules connect there)."""
    socks = [_listening_socket() for _ in range(count)]
    urls = [f"http://127.0.0.1:{s.getsockname()[1]}" for s in socks]
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "session_rate_limit": 0,
        "key_rate_limit": 0,
    }
    values.update(overrides)
    store = Store(Settings(_env_file=None, **values).db_path)  # type: ignore[call-arg]
    # A short private path: a Unix socket's path is limited to ~100 bytes.
    run_dir = Path(tempfile.mkdtemp(prefix="fr-"))
    handles: list[RelayHandle] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            for index in range(count):
                worker_values = dict(values)
                if index == 0 and sessions_via is not None:
                    worker_values["public_url"] = urls[sessions_via]
                settings = Settings(_env_file=None, **worker_values)  # type: ignore[call-arg]
                spec = ClusterSpec(index=index, count=count, run_dir=run_dir, name="relay-test")
                running = await stack.enter_async_context(
                    run_relay(settings, engine=engine, cluster=spec, sockets=[socks[index]])
                )
                handles.append(RelayHandle(running, settings, store))
            yield handles
    finally:
        store.close()
        for sock in socks:
            sock.close()


def echo(worker_tag: str) -> Any:
    async def handler(frame: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": frame["type"] + "-result",
            "requestId": frame["requestId"],
            "data": {"served": worker_tag, "params": {k: frame.get(k) for k in ("uuid", "data")}},
        }

    return handler


async def module_on(relay: RelayHandle, key_id: str, client_id: str, tag: str) -> FakeModule:
    _, token = relay.new_token(key_id, client_id)
    module = FakeModule(relay.ws_url, client_id, token=token)
    assert (await module.connect())["type"] == "auth-success"
    module.serve(echo(tag))
    return module


async def test_any_worker_reaches_a_client_held_by_another(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    async with cluster(tmp_path, shared_engine, allow_headless=False) as (w0, w1):
        key_id, key = w0.new_key()
        on0 = await module_on(w0, key_id, "client-a", "a")
        on1 = await module_on(w1, key_id, "client-b", "b")
        # The directory reaches every worker once the sockets authenticated.
        assert await wait_until(lambda: w1.state.hub.registry.get("client-a") is not None)
        assert await wait_until(lambda: w0.state.hub.registry.get("client-b") is not None)
        for caller in (w0, w1):
            async with caller.http(key) as http:
                for client_id, tag in (("client-a", "a"), ("client-b", "b")):
                    reply = await http.get(
                        "/get", params={"clientId": client_id, "uuid": "Actor.x"}
                    )
                    assert reply.status_code == 200, reply.text
                    assert reply.json()["data"]["served"] == tag
                    assert reply.json()["data"]["params"]["uuid"] == "Actor.x"
                # Listings are the primary's: every worker's clients, one answer everywhere.
                listed = (await http.get("/clients")).json()["clients"]
                assert {(c["clientId"], c["instanceId"]) for c in listed} == {
                    ("client-a", "relay-test-w0"),
                    ("client-b", "relay-test-w1"),
                }
        # Each request went to its module once, with its own random id.
        ids = [f["requestId"] for f in on0.requests + on1.requests]
        assert len(ids) == 4 and len(set(ids)) == 4
        # A client that leaves is gone for every worker.
        await on1.close()
        assert await wait_until(lambda: w0.state.hub.registry.get("client-b") is None)
        async with w0.http(key) as http:
            gone = await http.get("/get", params={"clientId": "client-b", "uuid": "Actor.x"})
            assert (gone.status_code, gone.json()["code"]) == (404, "CLIENT_NOT_FOUND")
        await on0.close()


async def test_one_client_id_per_key_across_workers(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    async with cluster(tmp_path, shared_engine, allow_headless=False) as (w0, w1):
        key_a, key = w0.new_key("a")
        key_b, _ = w0.new_key("b")
        first = await module_on(w0, key_a, "world-1", "first")
        # Another key may not take the clientId on another worker.
        _, token_b = w1.new_token(key_b, "thief")
        thief = FakeModule(w1.ws_url, "world-1", token=token_b)
        await thief.open()
        assert await thief.closed_with() == (4004, "Client ID already connected")
        # The same key reconnecting on another worker replaces the old socket.
        second = await module_on(w1, key_a, "world-1", "second")
        assert first.ws is not None  # its reader is the serving loop: watch the close code
        assert await wait_until(lambda: first.ws.close_code is not None)
        assert (first.ws.close_code, first.ws.close_reason) == (1000, "Replaced by reconnect")
        assert await wait_until(
            lambda: (
                getattr(w0.state.hub.registry.get("world-1"), "instance_id", "") == "relay-test-w1"
            )
        )
        async with w0.http(key) as http:
            reply = await http.get("/get", params={"clientId": "world-1", "uuid": "Actor.x"})
            assert reply.json()["data"]["served"] == "second"
        await second.close()


async def test_timeouts_and_drops_across_workers(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    async with cluster(tmp_path, shared_engine, allow_headless=False, request_timeout=0.5) as (
        w0,
        w1,
    ):
        key_id, key = w0.new_key()
        _, token = w1.new_token(key_id, "silent")
        silent = FakeModule(w1.ws_url, "silent", token=token)
        await silent.connect()
        assert await wait_until(lambda: w0.state.hub.registry.get("silent") is not None)
        async with w0.http(key) as http:
            late = await http.get("/get", params={"clientId": "silent", "uuid": "Actor.x"})
            assert (late.status_code, late.json()["code"]) == (408, "REQUEST_TIMEOUT")
            # The module goes away while a request from the other worker waits on it: 503.
            pending = asyncio.create_task(
                http.get("/world-info", params={"clientId": "silent"}, timeout=10)
            )
            assert await wait_until(lambda: w1.state.hub.correlator.pending != {})
            await silent.close()
            dropped = await pending
            assert (dropped.status_code, dropped.json()["code"]) == (503, "CLIENT_GONE")
        assert w0.state.hub.correlator.pending == {} and w1.state.hub.correlator.pending == {}


async def test_revoked_token_closes_the_socket_on_its_worker(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    async with cluster(tmp_path, shared_engine, allow_headless=False) as (w0, w1):
        key_id, key = w0.new_key()
        token_id, token = w1.new_token(key_id, "world")
        module = FakeModule(w1.ws_url, "world", token=token)
        await module.connect()
        assert await wait_until(lambda: w0.state.hub.registry.get("world") is not None)
        async with w0.http(key) as http:  # revoked through the primary's API
            listed = (await http.get("/clients")).json()["clients"]
            assert [c["clientId"] for c in listed] == ["world"]
        w0.store.revoke_token(token_id)
        assert await module.closed_with() == (1008, "Authentication failed")
        assert await wait_until(lambda: w0.state.hub.registry.get("world") is None)


async def test_a_worker_that_goes_away_takes_its_clients(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    async with cluster(tmp_path, shared_engine, allow_headless=False) as (w0, w1):
        key_id, key = w0.new_key()
        module = await module_on(w1, key_id, "world", "w1")
        assert await wait_until(lambda: w0.state.hub.registry.get("world") is not None)
        # Worker 1's link dies without a goodbye (as when its process is killed).
        link = w1.state.hub.cluster.link
        link._closing = True
        for writer in list(link._incoming) + [o.writer for o in link._out.values()]:
            writer.transport.abort()
        assert await wait_until(lambda: w0.state.hub.registry.get("world") is None)
        async with w0.http(key) as http:
            reply = await http.get("/world-info", params={"clientId": "world"})
            assert reply.status_code == 404
        await module.close()


async def test_headless_session_through_another_worker(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    """Start, use and end a session through worker 1; the primary runs the browser, whose
    module connects to worker 1 too."""
    sim_config = SimConfig(module_connect_delay=0.2)
    async with (
        cluster(
            tmp_path,
            shared_engine,
            sessions_via=1,
            allow_headless=True,
            navigation_timeout=10,
            world_launch_timeout=10,
            game_ready_timeout=10,
            module_connect_timeout=10,
        ) as (w0, w1),
        run_simulator(sim_config) as sim,
    ):
        _, key = w0.new_key()
        info = await start(w1, sim, key)
        assert info.client_id == paired_client(sim)
        entry = w0.state.hub.registry.get(info.client_id)
        assert entry is not None and entry.instance_id == "relay-test-w1"
        assert w0.state.headless.holdings().sessions == 1 and w1.state.headless is None
        for worker in (w0, w1):
            async with client(worker, key) as c:
                world = await c.world_info(client_id=info.client_id)
                assert world["data"]["world"]["id"] == "test-world"
                listed = await c.list_sessions()
                assert [s["sessionId"] for s in listed["activeSessions"]] == [info.session_id]
        async with client(w1, key) as c:
            await c.end_session(info.session_id)
        assert await wait_until(lambda: w1.state.hub.registry.get(info.client_id) is None)
        assert await wait_until(lambda: w0.state.hub.registry.get(info.client_id) is None)
        assert await wait_until(lambda: w0.state.headless.holdings().sessions == 0)


async def test_the_callers_address_reaches_the_primary(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    """Per-address limits hold for requests another worker passes on, by the caller's address."""
    async with cluster(tmp_path, shared_engine, allow_headless=False, probe_rate_limit=2) as (
        w0,
        w1,
    ):
        async with w1.http() as http:
            codes = [
                (await http.get("/auth/pair-request/ABCDEF/status")).status_code for _ in range(3)
            ]
        assert codes == [404, 404, 429], codes
        assert set(w0.state.throttles.probe._buckets) == {"127.0.0.1"}


async def test_events_reach_listeners_on_every_worker(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    """A module on one worker, listeners on the primary (event streams are served there) and
    on another worker (/ws/api): the module hears one switch-on and one switch-off, and every
    listener gets every event."""
    async with cluster(tmp_path, shared_engine, allow_headless=False) as (w0, w1):
        key_id, key = w0.new_key()
        module = await module_on(w1, key_id, "world", "w1")
        assert await wait_until(lambda: w0.state.hub.registry.get("world") is not None)
        async with w1.http(key) as http, subscribe(http, "/rolls/subscribe") as stream:
            assert (await stream.next())[0] == "connected"  # passed on to the primary
            assert await wait_until(lambda: _switches(module) == [("roll-events", 1)])
            ws = await connect(w1.url.replace("http://", "ws://") + "/ws/api")
            await ws.send(json.dumps({"type": "auth", "token": key}))
            assert json.loads(await ws.recv())["type"] == "auth-success"
            await ws.recv()  # connected
            await ws.send(json.dumps({"type": "subscribe", "channel": "roll-events"}))
            assert json.loads(await ws.recv())["type"] == "subscribed"
            await module.send({"type": "roll-data", "data": {"id": "r", "rollTotal": 11}})
            assert (await stream.next())[1]["rollTotal"] == 11
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (frame["type"], frame["data"]["rollTotal"]) == ("roll-event", 11)
        # The stream through worker 1 closed: the primary let go of its listener, but worker 1
        # still has one, so the channel stays on.
        assert await wait_until(lambda: w0.state.events.total == 0)
        # The primary decided on the spot: worker 1's listener keeps the sum above zero.
        assert w0.state.events._count("world", "roll-events") == 1
        assert _switches(module) == [("roll-events", 1)]
        await ws.close()
        assert await wait_until(
            lambda: _switches(module) == [("roll-events", 1), ("roll-events", 0)]
        )
        # A module on the primary, a listener on worker 1 only.
        other = await module_on(w0, key_id, "world-2", "w0")
        assert await wait_until(lambda: w1.state.hub.registry.get("world-2") is not None)
        ws = await connect(w1.url.replace("http://", "ws://") + "/ws/api?clientId=world-2")
        await ws.send(json.dumps({"type": "auth", "token": key}))
        await ws.recv()
        await ws.recv()
        await ws.send(json.dumps({"type": "subscribe", "channel": "chat-events"}))
        await ws.recv()
        assert await wait_until(lambda: _switches(other) == [("chat-events", 1)])
        await other.send({"type": "chat-event", "data": {"eventType": "create", "data": {}}})
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (frame["type"], frame["event"], frame["clientId"]) == (
            "chat-event",
            "chat-create",
            "world-2",
        )
        await ws.close()
        await module.close()
        await other.close()


def _switches(module: FakeModule) -> list[tuple[str, int]]:
    return [
        (f["channel"], f["count"])
        for f in module.notices
        if f.get("type") == "event-subscription-update"
    ]


async def test_an_always_on_world_starts_from_any_worker(
    tmp_path: Path, shared_engine: BrowserEngine
) -> None:
    """A request at worker 1 for an offline always-on world: the primary (which has the
    browser) starts it, and worker 1 answers once the world is back."""
    async with (
        cluster(
            tmp_path,
            shared_engine,
            sessions_via=1,
            allow_headless=True,
            credentials_key=SecretStr(remember_secret(new_key())),
            navigation_timeout=10,
            world_launch_timeout=10,
            game_ready_timeout=10,
            module_connect_timeout=10,
        ) as (w0, w1),
        run_simulator(SimConfig(module_connect_delay=0.2)) as sim,
    ):
        _, key = w0.new_key()
        info = await start(w1, sim, key)
        async with client(w1, key) as c:
            await c.end_session(info.session_id)
            assert await wait_until(lambda: w1.state.hub.registry.get(info.client_id) is None)
            await c.set_world_login(
                info.client_id, foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
            )
            await c.set_auto_start(info.client_id, True)
            world = await c.world_info(client_id=info.client_id)
            assert world["data"]["world"]["id"] == "test-world"
        assert w0.state.headless.holdings().sessions == 1
