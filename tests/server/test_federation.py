"""Several relay instances sharing a real Redis and a real PostgreSQL (``REDIS_URL``,
``DATABASE_URL``; SPEC 11), in one process so a test chooses which instance the module and the
REST caller reach. The Redis link, claims, heartbeats and the store are the real ones;
``test_federation_process`` kills a real instance."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from websockets.asyncio.client import connect

from foundry_relay.browser.engine import BrowserEngine
from foundry_relay.client import RelayClientError
from foundry_relay.client.common import start_request
from foundry_relay.server.runner import run_relay
from foundry_relay.settings import Settings
from foundry_relay.simulator import SimConfig, run_simulator
from foundry_relay.store import Store

from ..conftest import RelayHandle, wait_until
from ..services import RedisServer
from .event_helpers import subscribe
from .headless_helpers import GM_PASSWORD, client, paired_client
from .module_client import FakeModule
from .test_cluster import _listening_socket, module_on

HEADLESS = {
    "allow_headless": True,
    "navigation_timeout": 10,
    "world_launch_timeout": 10,
    "game_ready_timeout": 10,
    "module_connect_timeout": 10,
}


@contextlib.asynccontextmanager
async def instances(
    tmp_path: Path,
    redis_url: str,
    postgres_url: str,
    engine: BrowserEngine,
    count: int = 2,
    *,
    public_via: int | None = None,
    **overrides: Any,
) -> AsyncIterator[list[RelayHandle]]:
    """``count`` relay instances on one Redis and one database, each on its own port;
    ``public_via``: the instance whose address is everyone's PUBLIC_URL (as a proxy's would be),
    so every session's module connects there."""
    values: dict[str, Any] = {
        "port": 0,
        "session_rate_limit": 0,
        "key_rate_limit": 0,
        "allow_headless": False,
        "redis_url": SecretStr(redis_url),
        "database_url": SecretStr(postgres_url),
    }
    values.update(overrides)
    socks = [_listening_socket() for _ in range(count)]
    if public_via is not None:
        values["public_url"] = f"http://127.0.0.1:{socks[public_via].getsockname()[1]}"
    store = Store(postgres_url)
    handles: list[RelayHandle] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            for index in range(count):
                settings = Settings(  # type: ignore[call-arg]
                    _env_file=None, data_dir=tmp_path / f"i{index}", **values
                )
                engine_here = engine if settings.allow_headless else None
                running = await stack.enter_async_context(
                    run_relay(settings, engine=engine_here, sockets=[socks[index]])
                )
                handles.append(RelayHandle(running, settings, store))
            yield handles
    finally:
        store.close()
        for sock in socks:
            sock.close()


def test_workers_and_redis_do_not_combine() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="do not combine"):
        Settings(_env_file=None, workers=2, redis_url=SecretStr("redis://127.0.0.1:1/0"))  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="REDIS_URL must be"):
        Settings(_env_file=None, redis_url=SecretStr("http://127.0.0.1:1"))  # type: ignore[call-arg]


def sealed(hs: Any, password: str) -> Any:
    return start_request(
        hs, password=password, admin_password=None, capture_console=None, sha1=False, repair=False
    )


def sees(relay: RelayHandle, client_id: str, instance: str | None = None) -> bool:
    entry = relay.state.hub.registry.get(client_id)
    return entry is not None and (instance is None or entry.instance_id == instance)


async def test_a_request_on_any_instance_reaches_the_module(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    async with instances(tmp_path, redis_server.url, postgres_url, shared_engine, 3) as relays:
        a, b, c = relays
        key_id, key = a.new_key()
        on_a = await module_on(a, key_id, "client-a", "a")
        on_b = await module_on(b, key_id, "client-b", "b")
        for relay in relays:
            assert await wait_until(lambda r=relay: sees(r, "client-a") and sees(r, "client-b"))
        for caller in relays:
            async with caller.http(key) as http:
                for client_id, tag in (("client-a", "a"), ("client-b", "b")):
                    reply = await http.get(
                        "/get", params={"clientId": client_id, "uuid": "Actor.x"}
                    )
                    assert reply.status_code == 200, reply.text
                    assert reply.json()["data"]["served"] == tag
                listed = (await http.get("/clients")).json()["clients"]
                assert {(x["clientId"], x["instanceId"], x["isOnline"]) for x in listed} == {
                    ("client-a", a.state.instance_id, True),
                    ("client-b", b.state.instance_id, True),
                }
        ids = [f["requestId"] for f in on_a.requests + on_b.requests]
        assert len(ids) == 6 and len(set(ids)) == 6
        # A module that leaves is gone on every instance.
        await on_b.close()
        assert await wait_until(lambda: not sees(c, "client-b"))
        async with c.http(key) as http:
            gone = await http.get("/get", params={"clientId": "client-b", "uuid": "Actor.x"})
            assert (gone.status_code, gone.json()["code"]) == (404, "CLIENT_NOT_FOUND")
        await on_a.close()


async def test_one_client_id_per_key_across_instances(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    async with instances(tmp_path, redis_server.url, postgres_url, shared_engine) as (a, b):
        key_a, key = a.new_key("a")
        key_b, _ = a.new_key("b")
        first = await module_on(a, key_a, "world-1", "first")
        _, token_b = b.new_token(key_b, "thief")
        thief = FakeModule(b.ws_url, "world-1", token=token_b)
        await thief.open()
        assert await thief.closed_with() == (4004, "Client ID already connected")
        second = await module_on(b, key_a, "world-1", "second")
        assert first.ws is not None
        assert await wait_until(lambda: first.ws.close_code is not None)
        assert (first.ws.close_code, first.ws.close_reason) == (1000, "Replaced by reconnect")
        assert await wait_until(lambda: sees(a, "world-1", b.state.instance_id))
        async with a.http(key) as http:
            reply = await http.get("/get", params={"clientId": "world-1", "uuid": "Actor.x"})
            assert reply.json()["data"]["served"] == "second"
        await second.close()


async def test_timeouts_and_drops_across_instances(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    async with instances(
        tmp_path, redis_server.url, postgres_url, shared_engine, request_timeout=0.5
    ) as (a, b):
        key_id, key = a.new_key()
        _, token = b.new_token(key_id, "silent")
        silent = FakeModule(b.ws_url, "silent", token=token)
        await silent.connect()
        assert await wait_until(lambda: sees(a, "silent"))
        async with a.http(key) as http:
            late = await http.get("/get", params={"clientId": "silent", "uuid": "Actor.x"})
            assert (late.status_code, late.json()["code"]) == (408, "REQUEST_TIMEOUT")
            pending = asyncio.create_task(
                http.get("/world-info", params={"clientId": "silent"}, timeout=10)
            )
            assert await wait_until(lambda: b.state.hub.correlator.pending != {})
            await silent.close()
            dropped = await pending
            assert (dropped.status_code, dropped.json()["code"]) == (503, "CLIENT_GONE")
        assert a.state.hub.correlator.pending == {} and b.state.hub.correlator.pending == {}


async def test_events_reach_listeners_on_other_instances(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    """The instance holding the module adds up every instance's listeners: one switch-on for
    listeners on two other instances, one switch-off when both are gone."""
    async with instances(tmp_path, redis_server.url, postgres_url, shared_engine, 3) as relays:
        a, b, c = relays
        key_id, key = a.new_key()
        module = await module_on(b, key_id, "world", "b")
        assert await wait_until(lambda: sees(a, "world") and sees(c, "world"))
        async with a.http(key) as http, subscribe(http, "/rolls/subscribe") as stream:
            assert (await stream.next())[0] == "connected"
            assert await wait_until(lambda: _switches(module) == [("roll-events", 1)])
            ws = await connect(c.url.replace("http://", "ws://") + "/ws/api")
            await ws.send(json.dumps({"type": "auth", "token": key}))
            assert json.loads(await ws.recv())["type"] == "auth-success"
            await ws.recv()  # connected
            await ws.send(json.dumps({"type": "subscribe", "channel": "roll-events"}))
            assert json.loads(await ws.recv())["type"] == "subscribed"
            assert await wait_until(lambda: b.state.events._count("world", "roll-events") == 2)
            await module.send({"type": "roll-data", "data": {"id": "r", "rollTotal": 11}})
            assert (await stream.next())[1]["rollTotal"] == 11
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert (frame["type"], frame["data"]["rollTotal"]) == ("roll-event", 11)
        assert await wait_until(lambda: b.state.events._count("world", "roll-events") == 1)
        assert _switches(module) == [("roll-events", 1)]
        await ws.close()
        assert await wait_until(
            lambda: _switches(module) == [("roll-events", 1), ("roll-events", 0)]
        )
        await module.close()


def _switches(module: FakeModule) -> list[tuple[str, int]]:
    return [
        (f["channel"], f["count"])
        for f in module.notices
        if f.get("type") == "event-subscription-update"
    ]


async def test_handshake_on_one_instance_start_on_another(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    """The handshake's private key stays on A: B passes the start to A. Then every instance
    lists the session, reaches its world, and can end it."""
    async with (
        instances(tmp_path, redis_server.url, postgres_url, shared_engine, **HEADLESS) as (a, b),
        run_simulator(SimConfig(module_connect_delay=0.2)) as sim,
    ):
        _, key = a.new_key()
        async with client(a, key) as on_a, client(b, key) as on_b:
            hs = await on_a.handshake(foundry_url=sim.url, username="Gamemaster")
            assert hs["instanceId"] == a.state.instance_id
            started = await on_b.call(sealed(hs, GM_PASSWORD))
            session_id, client_id = started["sessionId"], started["clientId"]
            assert client_id == paired_client(sim)
            assert session_id in a.state.headless.live and b.state.headless.live == {}
            for caller in (on_a, on_b):
                listed = await caller.list_sessions()
                assert [s["sessionId"] for s in listed["activeSessions"]] == [session_id]
                assert listed["activeSessions"][0]["clientId"] == client_id
                world = await caller.world_info(client_id=client_id)
                assert world["data"]["world"]["id"] == "test-world"
            log = await on_b.session_log(session_id)
            assert log["state"] == "active" and log["sessionId"] == session_id
            await on_b.end_session(session_id)
            assert await wait_until(lambda: a.state.headless.holdings().sessions == 0)
            for caller in (on_a, on_b):
                listed = await caller.list_sessions()
                assert listed["activeSessions"] == [] and listed["pendingSessions"] == []
            assert (await on_b.session_log(session_id))["reason"] == "ended-by-user"
            record = a.store.get_session_record(session_id)
            assert record is not None and record.instance_id == a.state.instance_id


async def test_a_sessions_module_may_connect_to_another_instance(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    """Behind a proxy the module of A's session may land on B: A hears it authenticate through
    Redis, its idle timer hears the requests B serves, and ending it on A closes it on B."""
    async with (
        instances(
            tmp_path, redis_server.url, postgres_url, shared_engine, public_via=1, **HEADLESS
        ) as (a, b),
        run_simulator(SimConfig(module_connect_delay=0.2)) as sim,
    ):
        _, key = a.new_key()
        async with client(a, key) as on_a, client(b, key) as on_b:
            hs = await on_a.handshake(foundry_url=sim.url, username="Gamemaster")
            started = await on_a.call(sealed(hs, GM_PASSWORD))
            session_id, client_id = started["sessionId"], started["clientId"]
            entry = b.state.hub.registry.get(client_id)
            assert entry is not None and entry.instance_id == b.state.instance_id
            assert entry.session_id == session_id
            session = a.state.headless.live[session_id].session
            assert session.state == "active" and session.client_id == client_id
            before = session.last_activity
            world = await on_b.world_info(client_id=client_id)
            assert world["data"]["world"]["id"] == "test-world"
            assert await wait_until(lambda: session.last_activity > before)
            await on_a.end_session(session_id)
            assert await wait_until(lambda: not sees(b, client_id) and not sees(a, client_id))
            assert (await on_b.list_sessions())["activeSessions"] == []


async def _hanging_foundry() -> tuple[asyncio.AbstractServer, str]:
    """A "Foundry" that accepts connections and never answers: launches stay in progress."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def test_caps_hold_under_concurrent_starts_over_instances(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    """50 starts at once over three instances, two keys: never more than the per-key cap of
    one key, nor the relay's total, hold slots; every other start is refused SESSION_LIMIT."""
    foundry, foundry_url = await _hanging_foundry()
    limits = {"max_headless_sessions": 2, "max_total_headless_sessions": 3}
    headless = {**HEADLESS, "navigation_timeout": 4, **limits}
    async with (
        foundry,
        instances(tmp_path, redis_server.url, postgres_url, shared_engine, 3, **headless) as relays,
    ):
        keys = [relays[0].new_key(name)[1] for name in ("k1", "k2")]
        handshakes = []
        for n in range(50):
            relay, key = relays[n % 3], keys[n % 2]
            async with client(relay, key) as c:
                hs = await c.handshake(foundry_url=foundry_url, username="Gamemaster")
                handshakes.append((relays[(n + 1) % 3], key, hs))  # started elsewhere

        async def start(relay: RelayHandle, key: str, hs: Any) -> str:
            async with client(relay, key) as c:
                try:
                    await c.call(sealed(hs, "pw"))
                except RelayClientError as exc:
                    return exc.code if exc.status == 429 or exc.code != "SESSION_LIMIT" else ""
                return "started"

        tasks = [asyncio.create_task(start(*h)) for h in handshakes]
        # Refusals come back at once; the three holders wait on the silent Foundry (4 s).
        assert await wait_until(lambda: sum(t.done() for t in tasks) == 47, timeout=10)
        assert {t.result() for t in tasks if t.done()} == {"SESSION_LIMIT"}  # each a 429
        assert await relays[0].state.federation.redis.hlen("fr:sessions") == 3
        for relay in relays:  # and no instance holds more than the relay's cap among them
            assert len(relay.state.headless.sessions.all()) <= 3
        codes = await asyncio.gather(*tasks)
        assert codes.count("SESSION_LIMIT") == 47, codes
        # The three that held slots waited on the silent Foundry and failed on their own.
        others = {c for c in codes if c != "SESSION_LIMIT"}
        assert others <= {"FOUNDRY_UNREACHABLE", "GAME_LOAD_TIMEOUT"}, codes
        assert await relays[0].state.federation.redis.hlen("fr:sessions") == 0


async def test_session_rate_limit_counts_every_instance(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    headless = {**HEADLESS, "session_rate_limit": 4}
    async with (
        instances(tmp_path, redis_server.url, postgres_url, shared_engine, 2, **headless) as (a, b),
        run_simulator() as sim,
    ):
        _, key = a.new_key()
        statuses = []
        for n in range(6):
            async with (a if n % 2 else b).http(key) as http:
                reply = await http.post(
                    "/session-handshake",
                    headers={"x-foundry-url": sim.url, "x-username": "Gamemaster"},
                )
                statuses.append((reply.status_code, reply.json().get("code")))
        assert statuses[:4] == [(200, None)] * 4
        assert statuses[4:] == [(429, "RATE_LIMITED")] * 2


async def test_redis_down_then_back(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    """Redis stops: health says 503 and a request for another instance's client fails with
    REDIS_DOWN (one for a local client still works). Redis comes back empty: the instances
    write their state again and route as before, without a restart."""
    async with instances(tmp_path, redis_server.url, postgres_url, shared_engine) as (a, b):
        key_id, key = a.new_key()
        module = await module_on(b, key_id, "world", "b")
        local = await module_on(a, key_id, "home", "a")
        assert await wait_until(lambda: sees(a, "world"))
        async with a.http(key) as http:
            assert (await http.get("/api/health")).json()["redis"] == "ok"
            redis_server.stop()
            health = await http.get("/api/health")
            assert health.status_code == 503
            assert (health.json()["status"], health.json()["redis"]) == (
                "unavailable",
                "REDIS_DOWN",
            )
            failed = await http.get("/get", params={"clientId": "world", "uuid": "Actor.x"})
            assert (failed.status_code, failed.json()["code"]) == (503, "REDIS_DOWN")
            listed = await http.get("/session")
            assert listed.status_code == 503
            here = await http.get("/get", params={"clientId": "home", "uuid": "Actor.x"})
            assert here.status_code == 200
            redis_server.start()

            async def recovered() -> bool:
                health = await http.get("/api/health")
                if health.status_code != 200:
                    return False
                reply = await http.get("/get", params={"clientId": "world", "uuid": "Actor.x"})
                return reply.status_code == 200 and reply.json()["data"]["served"] == "b"

            assert await wait_until(recovered, timeout=15)
            owners = await a.state.federation.redis.hgetall("fr:clients")
            assert {k.decode() for k in owners} == {"world", "home"}
        await module.close()
        await local.close()


async def test_unauthenticated_endpoints_and_failed_keys_are_throttled_across_instances(
    tmp_path: Path, redis_server: RedisServer, postgres_url: str, shared_engine: BrowserEngine
) -> None:
    limits = {"pairing_rate_limit": 4, "auth_failure_limit": 4}
    async with instances(tmp_path, redis_server.url, postgres_url, shared_engine, **limits) as (
        a,
        b,
    ):
        statuses = []
        for n in range(6):
            async with (a if n % 2 else b).http() as http:
                reply = await http.post("/auth/pair", json={"code": "ZZZZZZ", "worldId": "w"})
                statuses.append(reply.status_code)
        assert statuses == [404] * 4 + [429] * 2
        failures = []
        for n in range(5):
            async with (a if n < 3 else b).http("frk_wrong") as http:
                failures.append((await http.get("/clients")).status_code)
        assert failures == [401] * 5  # A saw three, B two: neither past 4 on its own
        # Redis counted five: B blocks the address (the count runs beside the reply).
        assert await wait_until(lambda: "127.0.0.1" in b.state.guard._blocked)
        async with b.http("frk_other") as http:
            assert (await http.get("/clients")).status_code == 429
