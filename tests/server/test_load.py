"""Load: many concurrent starts against per-key caps, then many concurrent forwarded requests."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from foundry_relay.core.handshake import seal_envelope
from foundry_relay.simulator import SimConfig, SimUser

from ..conftest import RelayFactory
from .headless_helpers import GM_PASSWORD, headless_stack, nothing_left

KEYS = 5
STARTS_PER_KEY = 10


async def test_fifty_starts_five_keys_cap_two_then_two_hundred_requests(
    relay_factory: RelayFactory,
) -> None:
    users = [
        SimUser(f"GM{k}-{i}", GM_PASSWORD, 4) for k in range(KEYS) for i in range(STARTS_PER_KEY)
    ]
    config = SimConfig(users=users, client_id_per_user=True)
    async with headless_stack(
        relay_factory,
        config,
        max_headless_sessions=2,
        module_connect_timeout=30,
        navigation_timeout=30,
        game_ready_timeout=30,
    ) as (relay, sim):
        keys = [relay.new_key(f"k{k}")[1] for k in range(KEYS)]
        bodies: list[tuple[int, dict[str, Any]]] = []
        async with relay.http() as http:
            for k, key in enumerate(keys):
                for i in range(STARTS_PER_KEY):
                    r = await http.post(
                        "/session-handshake",
                        headers={
                            "x-api-key": key,
                            "x-foundry-url": sim.url,
                            "x-username": f"GM{k}-{i}",
                        },
                    )
                    assert r.status_code == 200, r.text
                    hs = r.json()
                    bodies.append(
                        (
                            k,
                            {
                                "handshakeToken": hs["token"],
                                "encryptedPassword": seal_envelope(
                                    hs["publicKey"], password=GM_PASSWORD, nonce=hs["nonce"]
                                ),
                            },
                        )
                    )

            async def go(k: int, body: dict[str, Any]) -> tuple[int, int, Any]:
                r = await http.post(
                    "/start-session", json=body, headers={"x-api-key": keys[k]}, timeout=120
                )
                return k, r.status_code, r.json()

            results = await asyncio.gather(*(go(k, b) for k, b in bodies))
        ok = Counter(k for k, status, _ in results if status == 200)
        refused = [body for _, status, body in results if status == 429]
        assert ok == {k: 2 for k in range(KEYS)}, [(s, b) for _, s, b in results if s != 429]
        assert len(refused) == KEYS * (STARTS_PER_KEY - 2)
        assert all(body["code"] == "SESSION_LIMIT" for body in refused)
        # Refused before any browser work: no session was ever reserved for them.
        assert all("sessionId" not in body for body in refused)
        sessions = [(keys[k], body) for k, status, body in results if status == 200]
        assert len(relay.state.headless.sessions.all()) == 10

        async with relay.http() as http:

            async def ask(n: int) -> tuple[str, dict[str, Any]]:
                key, body = sessions[n % len(sessions)]
                r = await http.get(
                    "/world-info", params={"clientId": body["clientId"]}, headers={"x-api-key": key}
                )
                assert r.status_code == 200, r.text
                return body["clientId"], r.json()

            replies = await asyncio.gather(*(ask(n) for n in range(200)))
            assert all(reply["data"]["clientId"] == cid for cid, reply in replies)
            assert len({cid for cid, _ in replies}) == 10

            for key, body in sessions:
                r = await http.delete(
                    "/end-session",
                    params={"sessionId": body["sessionId"]},
                    headers={"x-api-key": key},
                )
                assert r.status_code == 200
        nothing_left(relay)
