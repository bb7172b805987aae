"""The relay played against as an attacker would, on loopback (issue 17): every attack ends in a
bounded refusal, logged once per address, while a legitimate client on another address is
served as before."""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from foundry_relay.credentials import PAIRING_ALPHABET
from foundry_relay.store.schema import PAIRING_CODE_TTL

from ..conftest import LOG_LINES, RelayFactory, RelayHandle, recording_client, wait_until
from .test_cluster import module_on


def from_address(relay: RelayHandle, address: str, key: str | None = None) -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (any 127.x.y.z is this machine)."""
    headers = {"x-api-key": key} if key else {}
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return recording_client(base_url=relay.url, headers=headers, transport=transport, timeout=30)


def blocked_lines(address: str, since: int) -> list[str]:
    return [line for line in LOG_LINES[since:] if f"address {address} blocked" in line]


async def test_a_flood_of_wrong_keys_is_cut_off_and_others_are_served(
    relay_factory: RelayFactory,
) -> None:
    since = len(LOG_LINES)
    async with relay_factory(auth_failure_limit=10) as relay:  # a token back every 6 s
        _, key = relay.new_key()
        statuses: list[int] = []
        latencies: list[float] = []

        async def attacker() -> None:
            async with from_address(relay, "127.0.0.1") as http:
                for n in range(400):
                    reply = await http.get("/clients", headers={"x-api-key": f"frk_guess{n}"})
                    statuses.append(reply.status_code)

        async def visitor() -> None:
            async with from_address(relay, "127.0.0.2", key) as http:
                for _ in range(200):
                    began = time.perf_counter()
                    reply = await http.get("/clients")
                    latencies.append(time.perf_counter() - began)
                    assert reply.status_code == 200

        await asyncio.gather(attacker(), visitor())
        assert statuses[:10] == [401] * 10  # the limit's worth of wrong keys: 401
        assert set(statuses[10:]) == {429}  # then refused without a key lookup
        # Served all along, never starved (the p99 target itself is a benchmark's business,
        # not a timed assertion here: it is printed).
        p99 = statistics.quantiles(latencies, n=100)[98]
        print(f"visitor p99 during the flood: {p99 * 1000:.1f} ms")
        assert p99 < 0.5
        async with from_address(relay, "127.0.0.1", key) as http:
            refused = await http.get("/clients")  # even the right key, from that address
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert len(blocked_lines("127.0.0.1", since)) == 1  # one line, not 390
        assert relay.state.guard.hits >= 390
        # Module sockets and /ws/api from the blocked address are refused too.
        ws = await connect(relay.ws_url + "?id=x")
        await ws.wait_closed()  # closed before any credential is read
        assert ws.close_code == 1013


async def test_wrong_tokens_and_ws_api_keys_count_too(relay_factory: RelayFactory) -> None:
    since = len(LOG_LINES)
    async with relay_factory(auth_failure_limit=5) as relay:
        for n in range(5):
            ws = await connect(relay.ws_url + "?id=x")
            await ws.send(json.dumps({"type": "auth", "token": f"frt_wrong{n}"}))
            await ws.wait_closed()
            assert ws.close_code == 1008
        api = await connect(relay.url.replace("http://", "ws://") + "/ws/api")
        await api.send(json.dumps({"type": "auth", "token": "frk_wrong"}))
        await api.wait_closed()
        assert api.close_code == 4002
        async with relay.http("frk_other") as http:
            reply = await http.get("/clients")
            assert reply.status_code == 429
        assert len(blocked_lines("127.0.0.1", since)) == 1


async def test_forwarded_addresses_only_from_trusted_proxies(relay_factory: RelayFactory) -> None:
    since = len(LOG_LINES)
    async with relay_factory(auth_failure_limit=3, trusted_proxies=["127.0.0.1"]) as relay:
        _, key = relay.new_key()
        async with relay.http() as http:
            for _ in range(4):
                reply = await http.get(
                    "/clients",
                    headers={"x-api-key": "frk_bad", "x-forwarded-for": "203.0.113.7"},
                )
            assert reply.status_code == 429
            other = await http.get(
                "/clients", headers={"x-api-key": key, "x-forwarded-for": "203.0.113.8"}
            )
            assert other.status_code == 200  # the proxy's other clients are not blocked
        assert len(blocked_lines("203.0.113.7", since)) == 1
    async with relay_factory(auth_failure_limit=3) as relay:
        _, key = relay.new_key()
        async with relay.http() as http:
            for n in range(4):  # an untrusted peer cannot choose its address by a header
                reply = await http.get(
                    "/clients",
                    headers={"x-api-key": "frk_bad", "x-forwarded-for": f"198.51.100.{n}"},
                )
            assert reply.status_code == 429


async def test_pairing_codes_cannot_be_guessed_in_their_lifetime(
    relay_factory: RelayFactory,
) -> None:
    """A 6-character code from 36 symbols, alive 10 minutes, at 30 tries a minute per address
    (a burst of 30, then one every 2 s): at most 30 + 300 = 330 tries in its lifetime out of
    36^6 = 2,176,782,336 codes, a chance below 1 in 6.5 million per code."""
    since = len(LOG_LINES)
    async with relay_factory() as relay:
        limit = relay.settings.pairing_rate_limit
        tries = limit + limit * PAIRING_CODE_TTL / 60
        space = len(PAIRING_ALPHABET) ** 6
        assert (tries, space) == (330, 2_176_782_336) and tries / space < 1 / 6_500_000
        async with relay.http() as http:
            codes = []
            for n in range(limit + 3):
                reply = await http.post("/auth/pair", json={"code": f"ZZZZ{n:02d}", "worldId": "w"})
                codes.append(reply.status_code)
        assert codes[:limit] == [404] * limit
        assert codes[limit:] == [429] * 3
        throttled = [line for line in LOG_LINES[since:] if "throttled" in line]
        assert throttled == ["address 127.0.0.1 throttled: too many pairing requests"]


async def test_oversized_and_nested_inputs_are_refused(relay_factory: RelayFactory) -> None:
    async with relay_factory(allow_headless=True, foundry_url_allow=["127.0.0.1"]) as relay:
        key_id, key = relay.new_key()
        async with relay.http(key) as http:
            huge = await http.post(
                "/session-handshake",
                headers={"x-foundry-url": "http://127.0.0.1:9", "x-username": "u" * 100_000},
            )
            assert huge.status_code in (400, 431)
            long_name = await http.post(
                "/session-handshake",
                headers={"x-foundry-url": "http://127.0.0.1:9", "x-username": "u" * 300},
            )
            assert long_name.status_code == 400 and "x-username" in long_name.json()["error"]
            assert relay.state.headless.handshakes.pending("any", time.time()) == 0
            nested: object = "x"
            for _ in range(1000):
                nested = {"a": nested}
            deep = await http.post("/roll", content=_dumps(nested))
            assert deep.status_code == 400 and "nests deeper" in deep.json()["error"]
            wide = await http.get("/world-info", params={f"p{n}": "1" for n in range(101)})
            assert wide.status_code == 400
            long_query = await http.get("/world-info", params={"p": "q" * 20_000})
            assert long_query.status_code == 400 and "query string" in long_query.json()["error"]
            long_name = await http.post("/roll", json={"formula": "1d20", "n" * 2000: 1})
            assert long_name.status_code == 400 and "member name" in long_name.json()["error"]
        module = await module_on(relay, key_id, "world", "w")
        ws = await connect(relay.url.replace("http://", "ws://") + "/ws/api")
        await ws.send(json.dumps({"type": "auth", "token": key}))
        await ws.recv()  # auth-success
        await ws.recv()  # connected
        await ws.send(_dumps(nested).decode()[:-1] + ',"requestId":"deep"}')
        refusal = json.loads(await ws.recv())
        assert refusal["requestId"] == "deep" and "nests deeper" in refusal["error"]
        await ws.close()
        await module.close()
        assert module.requests == []


def _dumps(value: object) -> bytes:
    """JSON for a value deeper than Python's own encoder allows."""
    depth = 0
    while isinstance(value, dict):
        value = value["a"]
        depth += 1
    return ('{"a":' * depth + '"x"' + "}" * depth).encode()


async def test_slow_clients_and_idle_connections_are_bounded(
    relay_factory: RelayFactory,
) -> None:
    """A client that never finishes its request is cut off after REQUEST_READ_TIMEOUT; an
    address holding MAX_CONNECTIONS_PER_ADDRESS connections gets no more; another address is
    served meanwhile; 127.0.0.1 (the relay's own headless sessions) is not capped."""
    since = len(LOG_LINES)
    async with relay_factory(request_read_timeout=1, max_connections_per_address=20) as relay:
        _, key = relay.new_key()
        port = relay.running.port

        async def open_from(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            return await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))

        began = time.monotonic()
        reader, writer = await open_from("127.0.0.3")
        writer.write(b"GET /api/status HTTP/1.1\r\nHost: relay\r\nX-Slow: ")  # never finished
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the relay
        assert 0.9 < time.monotonic() - began < 4
        writer.close()
        idle = [await open_from("127.0.0.3") for _ in range(20)]
        extra_reader, extra_writer = await open_from("127.0.0.3")
        assert await asyncio.wait_for(extra_reader.read(), 5) == b""  # the 21st: closed at once
        extra_writer.close()
        latencies = []
        async with from_address(relay, "127.0.0.2", key) as http:
            for _ in range(100):
                t = time.perf_counter()
                assert (await http.get("/clients")).status_code == 200
                latencies.append(time.perf_counter() - t)
        p99 = statistics.quantiles(latencies, n=100)[98]
        print(f"other address p99 beside the idle connections: {p99 * 1000:.1f} ms")
        assert p99 < 0.5  # served, never starved (the 50 ms target: printed, not asserted)
        own = [await open_from("127.0.0.1") for _ in range(25)]  # past the cap: still served
        own[-1][1].write(b"GET /api/status HTTP/1.1\r\nHost: relay\r\n\r\n")
        assert (await asyncio.wait_for(own[-1][0].readline(), 5)).startswith(b"HTTP/1.1 200")
        for _, w in idle + own:
            w.close()
        assert await wait_until(lambda: relay.state.conn_limits.open["127.0.0.3"] == 0)
        async with from_address(relay, "127.0.0.3", key) as http:  # welcome again once it let go
            assert (await http.get("/clients")).status_code == 200
        lines = [line for line in LOG_LINES[since:] if line.startswith("address 127.0.0.3")]
        assert len(lines) == 2  # one for the slow request, one for the refused connections
        assert relay.state.conn_limits.too_slow >= 1 and relay.state.conn_limits.refused >= 1
        assert not [line for line in LOG_LINES[since:] if "address 127.0.0.1 holds" in line]


async def test_unauthenticated_websockets_are_capped(relay_factory: RelayFactory) -> None:
    """Sockets that never authenticate hold a slot each until WS_AUTH_TIMEOUT: at most
    MAX_UNAUTHENTICATED_WEBSOCKETS_PER_ADDRESS from one address and MAX_UNAUTHENTICATED_
    WEBSOCKETS in all (127.0.0.1, where the relay's own sessions connect from, only counts in
    all); more are refused 429 before the upgrade, logged once per address."""
    since = len(LOG_LINES)
    caps = {"max_unauthenticated_websockets": 33, "max_unauthenticated_websockets_per_address": 16}
    async with relay_factory(metrics="open", **caps) as relay:
        key_id, key = relay.new_key()
        module = await module_on(relay, key_id, "world", "w")  # authenticated: not counted
        api_url = relay.url.replace("http://", "ws://") + "/ws/api"

        async def silent(address: str, url: str = relay.ws_url + "?id=x") -> ClientConnection:
            return await connect(url, local_addr=(address, 0))

        async def refused(address: str, url: str = relay.ws_url + "?id=x") -> None:
            with pytest.raises(InvalidStatus) as caught:
                await silent(address, url)
            assert caught.value.response.status_code == 429
            assert caught.value.response.headers["retry-after"] == "1"

        held = [await silent("127.0.0.4") for _ in range(16)]
        await refused("127.0.0.4")
        await refused("127.0.0.4", api_url)  # /ws/api counts the same
        held += [await silent("127.0.0.1") for _ in range(17)]  # this machine: only the total
        await refused("127.0.0.3")  # 33 in all: no address gets another
        assert relay.state.pending_sockets.refused == 3
        async with from_address(relay, "127.0.0.3", key) as http:  # HTTP is served meanwhile
            assert (await http.get("/clients")).status_code == 200
        for ws in held[:2]:
            await ws.close()
        assert await wait_until(lambda: relay.state.pending_sockets.count == 31)
        api = await silent("127.0.0.3", api_url)  # a slot freed: a real client gets in
        await api.send(json.dumps({"type": "auth", "token": key}))
        assert json.loads(await api.recv())["type"] == "auth-success"
        assert await wait_until(lambda: relay.state.pending_sockets.count == 31)  # not pending
        await api.close()
        await module.close()
        for ws in held[2:]:
            await ws.close()
        assert await wait_until(lambda: relay.state.pending_sockets.count == 0)
        assert relay.state.pending_sockets.open == {}
        async with relay.http() as http:
            metrics = (await http.get("/metrics")).text
        assert 'foundry_relay_rate_limited_total{limit="unauthenticated-websocket"} 3.0' in metrics
    lines = [line for line in LOG_LINES[since:] if "WebSocket refused" in line]
    assert len(lines) == 2  # 127.0.0.4 once (two refusals), 127.0.0.3 once
