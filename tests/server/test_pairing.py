"""Pairing a world over HTTP (SPEC 12): codes, the browser device flow, self-unpair, known
clients, throttling, and revocation that closes sockets at once (SPEC 5.2)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from foundry_relay.server.runner import run_relay
from foundry_relay.settings import Settings

from ..conftest import RelayFactory, RelayHandle, remember_minted, remember_secret
from ..processes import CLI
from .module_client import FakeModule

WORLD = {
    "worldId": "w1",
    "worldTitle": "World One",
    "serverFingerprint": "fp-0123456789abcdefghijklmnopqrst",
    "serverOrigin": "http://127.0.0.1:30000",
}


async def new_code(relay: RelayHandle, key: str, **body: Any) -> str:
    async with relay.http(key) as http:
        r = await http.post("/auth/connection-tokens", json=body)
    assert r.status_code == 201, r.text
    reply = r.json()
    assert set(reply) == {"code", "expiresAt", "expiresIn"} and reply["expiresIn"] == 600
    code: str = reply["code"]
    assert len(code) == 6 and code.isalnum() and code == code.upper()
    return code


def minted(r: Any) -> Any:
    """A /auth/pair reply: its token is a secret that may appear in this body only."""
    if r.status_code == 200:
        remember_minted(r, r.json()["token"])
    return r


async def pair(relay: RelayHandle, **body: Any) -> Any:
    async with relay.http() as http:
        return minted(await http.post("/auth/pair", json=body))


async def test_pair_by_code_then_the_module_connects(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    code = await new_code(relay, key)
    r = await pair(relay, code=code.lower(), **WORLD)  # the module upper-cases; so do we
    assert r.status_code == 200, r.text
    paired = r.json()
    token = paired["token"]
    assert paired["relayUrl"] == relay.url.replace("http://", "ws://")
    assert paired["clientId"].startswith("fvtt_") and len(paired["clientId"]) == 21
    [stored] = [t for t in relay.store.list_tokens(key_id)]
    assert stored.client_id == paired["clientId"] and stored.session_id is None
    module = FakeModule(relay.ws_url, paired["clientId"], token=token)
    assert (await module.connect())["type"] == "auth-success"
    async with relay.http(key) as http:
        listed = (await http.get("/clients")).json()
        [client] = listed["clients"]
        assert (client["clientId"], client["isOnline"], client["worldTitle"]) == (
            paired["clientId"],
            True,
            "World One",
        )
    await module.close()
    # The same code never works twice.
    again = await pair(relay, code=code, **WORLD)
    assert (again.status_code, again.json()["code"]) == (410, "PAIRING_CODE_USED")


async def test_pair_errors(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    unknown = await pair(relay, code="ZZZZZZ", **WORLD)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "PAIRING_CODE_INVALID")
    missing = await pair(relay, worldId="w1")
    assert (missing.status_code, missing.json()["code"]) == (400, "BAD_REQUEST")
    code = await new_code(relay, key)
    no_world = await pair(relay, code=code)
    assert (no_world.status_code, no_world.json()["code"]) == (400, "BAD_REQUEST")
    assert (await pair(relay, code=code, **WORLD)).status_code == 200  # not consumed by the 400
    expired = relay.store.create_pairing_code(key_id, ttl=-1)
    gone = await pair(relay, code=expired.code, **WORLD)
    assert (gone.status_code, gone.json()["code"]) == (410, "PAIRING_CODE_EXPIRED")
    async with relay.http() as http:
        bad = await http.post("/auth/pair", content=b"[1, 2]")
        assert bad.status_code == 400
        typed = await http.post("/auth/pair", json={"code": 123456})
        assert typed.status_code == 400
    async with relay.http(key) as http:
        foreign = await http.post("/auth/connection-tokens", json={"clientId": "fvtt_nobody"})
        assert foreign.status_code == 404
    async with relay.http() as http:
        assert (await http.post("/auth/connection-tokens")).status_code == 401


async def test_twenty_concurrent_pairs_with_one_code_give_one_token(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    code = await new_code(relay, key)
    async with relay.http() as http:
        replies = await asyncio.gather(
            *(http.post("/auth/pair", json={"code": code, **WORLD}) for _ in range(20))
        )
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] + [410] * 19
    for r in replies:
        minted(r)
    assert len(relay.store.list_tokens(key_id)) == 1


async def test_repairing_keeps_the_clientid(relay: RelayHandle) -> None:
    _, key = relay.new_key()
    first = (await pair(relay, code=await new_code(relay, key), **WORLD)).json()
    # Same world asking again with its stored clientId (same server): same client.
    again = await pair(
        relay, code=await new_code(relay, key), existingClientId=first["clientId"], **WORLD
    )
    assert again.json()["clientId"] == first["clientId"]
    # Settings lost, but the fingerprint is the same: same client.
    by_fp = await pair(relay, code=await new_code(relay, key), **WORLD)
    assert by_fp.json()["clientId"] == first["clientId"]
    # A copy of the world on another server is another client.
    other = {**WORLD, "serverFingerprint": "fp-other", "serverOrigin": "http://127.0.0.1:30001"}
    copy = await pair(
        relay, code=await new_code(relay, key), existingClientId=first["clientId"], **other
    )
    assert copy.json()["clientId"] != first["clientId"]
    # "Add this browser": a code bound to the known client needs no world id.
    bound = await new_code(relay, key, clientId=first["clientId"])
    added = await pair(relay, code=bound)
    assert added.status_code == 200 and added.json()["clientId"] == first["clientId"]


async def test_a_paired_token_works_only_for_its_clientid(relay: RelayHandle) -> None:
    _, key = relay.new_key()
    paired = (await pair(relay, code=await new_code(relay, key), **WORLD)).json()
    token = paired["token"]
    module = FakeModule(relay.ws_url, "fvtt_someone_else", token=token)
    await module.open()
    assert await module.closed_with() == (1008, "Authentication failed")


async def test_device_flow_over_http(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    async with relay.http() as http:
        r = await http.post(
            "/auth/pair-request",
            json={
                "worldId": "w1",
                "worldTitle": "World <One>",
                "systemId": "dnd5e",
                "systemTitle": "D&D 5e",
                "systemVersion": "4.3.0",
                "foundryVersion": "13.345",
                "serverFingerprint": WORLD["serverFingerprint"],
            },
        )
        assert r.status_code == 201, r.text
        request = r.json()
        code = request["code"]
        assert len(code) == 8 and request["expiresIn"] == 600
        assert request["pairUrl"] == f"{relay.url}/pair/{code}"
        status = await http.get(f"/auth/pair-request/{code}/status")
        assert status.json() == {"status": "pending"}
        page = await http.get(f"/pair/{code}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "World &lt;One&gt;" in page.text and "<One>" not in page.text
        assert "D&amp;D 5e 4.3.0" in page.text and "cdn" not in page.text.lower()
        unauth = await http.post(f"/auth/pair-request/{code}/approve")
        assert unauth.status_code == 401
    async with relay.http(key) as owner:
        details = (await owner.get(f"/auth/pair-request/{code}")).json()
        assert details["worldTitle"] == "World <One>" and details["status"] == "pending"
        ok = await owner.post(f"/auth/pair-request/{code}/approve")
        assert ok.status_code == 200 and ok.json()["success"] is True
        twice = await owner.post(f"/auth/pair-request/{code}/approve")
        assert (twice.status_code, twice.json()["code"]) == (410, "PAIRING_CODE_USED")
    async with relay.http() as http:
        approved = (await http.get(f"/auth/pair-request/{code}/status")).json()
        assert approved["status"] == "approved" and len(approved["pairingCode"]) == 6
        # The pairing code is handed out once.
        assert (await http.get(f"/auth/pair-request/{code}/status")).json()["status"] == (
            "exchanged"
        )
        page = await http.get(f"/pair/{code}")
        assert "exchanged" in page.text and "api-key" not in page.text
        r = minted(
            await http.post(
                "/auth/pair",
                json={
                    "code": approved["pairingCode"],
                    "worldId": "w1",
                    "worldTitle": "World <One>",
                },
            )
        )
        assert r.status_code == 200
    [known] = relay.store.known_clients(key_id)
    assert (known.client_id, known.world_id) == (r.json()["clientId"], "w1")


async def test_device_flow_deny_expire_unknown(relay: RelayHandle) -> None:
    _key_id, key = relay.new_key()
    async with relay.http() as http:
        missing = await http.post("/auth/pair-request", json={"worldTitle": "x"})
        assert missing.status_code == 400
        code = (await http.post("/auth/pair-request", json={"worldId": "w1"})).json()["code"]
        unknown = await http.get("/auth/pair-request/NOPE1234/status")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "PAIRING_CODE_INVALID")
        assert (await http.get("/pair/NOPE1234")).status_code == 404
    async with relay.http(key) as owner:
        denied = await owner.post(f"/auth/pair-request/{code}/deny")
        assert denied.json() == {"success": True, "message": "Pair request denied"}
    async with relay.http() as http:
        assert (await http.get(f"/auth/pair-request/{code}/status")).json() == {"status": "denied"}
    expired = relay.store.create_pair_request({"worldId": "w2"}, ttl=-1)
    async with relay.http() as http:
        r = await http.get(f"/auth/pair-request/{expired.code}/status")
        assert r.status_code == 410 and r.json()["status"] == "expired"
    async with relay.http(key) as owner:
        late = await owner.post(f"/auth/pair-request/{expired.code}/approve")
        assert (late.status_code, late.json()["code"]) == (410, "PAIRING_CODE_EXPIRED")


async def test_self_unpair_revokes_and_disconnects(relay: RelayHandle) -> None:
    _key_id, key = relay.new_key()
    paired = (await pair(relay, code=await new_code(relay, key), **WORLD)).json()
    token = paired["token"]
    module = FakeModule(relay.ws_url, paired["clientId"], token=token)
    await module.connect()
    async with relay.http() as http:
        r = await http.post("/api/self-unpair", json={"token": token})
        assert r.json() == {"success": True, "message": "Unpaired successfully"}
        assert await module.closed_with(timeout=5) == (1008, "Authentication failed")
        again = await http.post("/api/self-unpair", json={"token": token})
        assert again.status_code == 200 and again.json()["success"] is True
        assert (await http.post("/api/self-unpair", json={})).status_code == 400
    assert relay.store.authenticate_token(token) is None
    # The world stays known (offline): its module's probe must not wipe its pairing.
    async with relay.http() as http:
        probe = await http.get(f"/api/clients/{paired['clientId']}/active")
        assert probe.json() == {"active": False}
    async with relay.http(key) as http:
        [client] = (await http.get("/clients")).json()["clients"]
        assert client["isOnline"] is False and client["worldId"] == "w1"


async def test_unauthenticated_endpoints_are_throttled_per_address(
    relay_factory: RelayFactory,
) -> None:
    async with relay_factory(pairing_rate_limit=3, probe_rate_limit=2) as relay:
        async with relay.http() as http:
            codes = [
                (await http.post("/auth/pair", json={"code": "ZZZZZZ", "worldId": "w"})).status_code
                for _ in range(4)
            ]
            assert codes == [404, 404, 404, 429]
            limited = await http.post("/api/self-unpair", json={"token": "x"})
            assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
            assert limited.json()["code"] == "RATE_LIMITED"
            probes = [(await http.get("/api/clients/fvtt_x/active")).status_code for _ in range(3)]
            assert probes == [404, 404, 429]


async def test_revoking_closes_sockets_at_once_without_a_request(
    relay: RelayHandle, tmp_path: Path
) -> None:
    key_id, _ = relay.new_key()
    token_id, token = relay.new_token(key_id)
    module = FakeModule(relay.ws_url, "fvtt_revoked_by_cli", token=token)
    await module.connect()
    # The CLI is another process writing the same store file.
    proc = await asyncio.create_subprocess_exec(
        *CLI, "tokens", "revoke", token_id, "--data-dir", str(relay.settings.data_dir)
    )
    assert await proc.wait() == 0
    revoked_at = time.monotonic()
    assert await module.closed_with(timeout=5) == (1008, "Authentication failed")
    print(f"socket closed {time.monotonic() - revoked_at:.2f} s after the CLI revoked its token")
    assert relay.state.hub.registry.get("fvtt_revoked_by_cli") is None


async def test_revoking_a_key_closes_its_legacy_and_token_sockets(relay: RelayHandle) -> None:
    key_id, key = relay.new_key()
    _, token = relay.new_token(key_id)
    with_token = FakeModule(relay.ws_url, "fvtt_tok", token=token)
    legacy = FakeModule(relay.ws_url, "fvtt_leg", legacy_key=key)
    await with_token.connect()
    await legacy.open(send_auth=False)
    assert await legacy.recv() == {"type": "auth-success"}
    proc = await asyncio.create_subprocess_exec(
        *CLI, "keys", "revoke", key_id, "--data-dir", str(relay.settings.data_dir)
    )
    assert await proc.wait() == 0
    assert await with_token.closed_with(timeout=5) == (1008, "Authentication failed")
    assert await legacy.closed_with(timeout=5) == (1008, "Authentication failed")


async def test_shutdown_closes_module_sockets_with_1001(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay:
        key_id, _ = relay.new_key()
        _, token = relay.new_token(key_id)
        module = FakeModule(relay.ws_url, "fvtt_bye", token=token)
        await module.connect()
        stopping = asyncio.create_task(module.closed_with(timeout=30))
    assert await stopping == (1001, "Relay shutting down")


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--data-dir", str(data)], capture_output=True, text=True, check=False
    )


async def test_cli_pair_code_and_request_decisions(relay: RelayHandle) -> None:
    key_id, _ = relay.new_key()
    data = relay.settings.data_dir
    printed = _cli("pair", "--key-id", key_id, "--json", data=data)
    assert printed.returncode == 0, printed.stderr
    code = json.loads(printed.stdout)["code"]
    r = await pair(relay, code=code, **WORLD)
    assert r.status_code == 200
    assert _cli("pair", data=data).returncode == 2  # which key?
    human = _cli("pair", "--key-id", key_id, data=data)
    assert "pairing code" in human.stdout
    async with relay.http() as http:
        requests = [
            (await http.post("/auth/pair-request", json={"worldId": f"w{i}"})).json()["code"]
            for i in range(2)
        ]
    approved = _cli("pair", "approve", requests[0], "--key-id", key_id, "--json", data=data)
    assert json.loads(approved.stdout) == {"code": requests[0], "status": "approved"}
    denied = _cli("pair", "deny", requests[1].lower(), "--key-id", key_id, data=data)
    assert denied.returncode == 0 and "denied" in denied.stdout
    again = _cli("pair", "approve", requests[1], "--key-id", key_id, data=data)
    assert again.returncode == 1 and "PAIRING_CODE_USED" in again.stderr
    unknown_key = _cli("pair", "approve", requests[0], "--key-id", "nope", data=data)
    assert unknown_key.returncode == 1
    async with relay.http() as http:
        status = (await http.get(f"/auth/pair-request/{requests[0]}/status")).json()
        assert status["status"] == "approved" and len(status["pairingCode"]) == 6


@pytest.mark.parametrize("public_url", ["https://relay.example.org/", None])
async def test_relay_url_given_to_the_module(
    relay_factory: RelayFactory, public_url: str | None
) -> None:
    async with relay_factory(public_url=public_url) as relay:
        _, key = relay.new_key()
        r = await pair(relay, code=await new_code(relay, key), **WORLD)
        expected = "wss://relay.example.org" if public_url else relay.url.replace("http", "ws")
        assert r.json()["relayUrl"] == expected
        async with relay.http() as http:
            created = await http.post("/auth/pair-request", json={"worldId": "w"})
            assert created.json()["pairUrl"].startswith(
                "https://relay.example.org/pair/" if public_url else relay.url + "/pair/"
            )


async def test_self_unpair_forgets_the_worlds_stored_login(tmp_path: Path) -> None:
    """A GM unpairing the world: no stored login may start (and re-pair) it afterwards."""
    import base64

    from foundry_relay.store import Store
    from foundry_relay.vault import Vault, new_key

    store = Store(tmp_path / "relay.db")
    record, _ = store.create_key("k")
    store.remember_client(record.id, "fvtt_0123456789abcdef", world_id="w", world_title="W")
    token_record, token = store.create_token(record.id, "w", client_id="fvtt_0123456789abcdef")
    remember_secret(token)
    vault = Vault(base64.b64decode(new_key()))
    bound = f"{record.id}:fvtt_0123456789abcdef"
    store.save_login(
        record.id,
        "fvtt_0123456789abcdef",
        foundry_url="http://f",
        username="GM",
        world_name=None,
        sealed=vault.seal({"password": "x"}, bound),
    )
    settings = Settings(_env_file=None, port=0, data_dir=tmp_path, allow_headless=False)  # type: ignore[call-arg]
    async with run_relay(settings) as running:
        async with httpx.AsyncClient(base_url=running.url) as http:
            r = await http.post("/api/self-unpair", json={"token": token})
            assert r.json()["message"] == "Unpaired successfully"
    assert store.world_login(record.id, "fvtt_0123456789abcdef") is None
    assert token_record.client_id == "fvtt_0123456789abcdef"
    store.close()
