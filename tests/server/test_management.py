"""The management API (SPEC 15): an admin key manages every key over HTTP, any other key sees
only itself and its own tokens and worlds; monthly quotas. Each operation round-trips through
the real store and changes what the relay does at once."""

from __future__ import annotations

from typing import Any

from ..conftest import RelayFactory, RelayHandle, remember_minted, wait_until
from .module_client import FakeModule
from .test_cluster import module_on


async def _call(relay: RelayHandle, key: str, method: str, path: str, **kwargs: Any) -> Any:
    async with relay.http(key) as http:
        return await http.request(method, path, **kwargs)


async def test_an_admin_key_manages_keys(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay:
        admin_id, admin = relay.new_key("admin", admin=True)
        user_id, user = relay.new_key("user")
        body = {
            "name": "bot",
            "scopes": ["world:info", "roll:read"],
            "clientIds": ["fvtt_one"],
            "expiresAt": "2099-01-01T00:00:00Z",
            "rateLimit": 100,
            "monthlyQuota": 1000,
        }
        made = await _call(relay, admin, "POST", "/auth/api-keys", json=body)
        assert made.status_code == 201, made.text
        created = made.json()
        bot = remember_minted(made, created["key"])
        assert created["scopes"] == ["roll:read", "world:info"]
        assert created["clientIds"] == created["scopedClientIds"] == ["fvtt_one"]
        assert (created["expiresAt"], created["rateLimit"]) == ("2099-01-01T00:00:00Z", 100)
        assert created["monthlyQuota"] == 1000 and created["admin"] is False
        # The new key works as made: its scopes and its one world.
        denied = await _call(relay, bot, "GET", "/clients")
        assert (denied.status_code, denied.json()["scope"]) == (403, "clients:read")
        elsewhere = await _call(relay, bot, "GET", "/world-info", params={"clientId": "other"})
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "CLIENT_NOT_FOUND")
        # Lists: the admin sees every key, another key only itself; never a secret.
        listed = (await _call(relay, admin, "GET", "/auth/api-keys")).json()["keys"]
        assert {k["id"] for k in listed} == {admin_id, user_id, created["id"]}
        assert all("key" not in k for k in listed)
        own = (await _call(relay, user, "GET", "/auth/api-keys")).json()["keys"]
        assert [k["id"] for k in own] == [user_id]
        # Only an admin key changes anything.
        key_path = f"/auth/api-keys/{created['id']}"
        for method, path in (
            ("POST", "/auth/api-keys"),
            ("PATCH", key_path),
            ("DELETE", key_path),
            ("POST", key_path + "/regenerate"),
        ):
            refused = await _call(
                relay, user, method, path, json={"name": "x", "scopes": ["search"]}
            )
            assert (refused.status_code, refused.json()["code"]) == (403, "ADMIN_REQUIRED")
        # Update: wider scopes at once; disabled at once.
        patch = {"scopes": ["clients:read"], "clientIds": None}
        changed = await _call(relay, admin, "PATCH", key_path, json=patch)
        assert changed.status_code == 200 and changed.json()["clientIds"] is None
        assert (await _call(relay, bot, "GET", "/clients")).status_code == 200
        await _call(relay, admin, "PATCH", key_path, json={"enabled": False})
        assert (await _call(relay, bot, "GET", "/clients")).status_code == 401
        await _call(relay, admin, "PATCH", key_path, json={"enabled": True})
        # Regenerate: same key, a new secret; the old one stops.
        renewed = await _call(relay, admin, "POST", key_path + "/regenerate")
        fresh = remember_minted(renewed, renewed.json()["key"])
        assert (await _call(relay, bot, "GET", "/clients")).status_code == 401
        assert (await _call(relay, fresh, "GET", "/clients")).status_code == 200
        # Revoke.
        gone = await _call(relay, admin, "DELETE", key_path)
        assert gone.json() == {"success": True, "message": "API key revoked"}
        assert (await _call(relay, fresh, "GET", "/clients")).status_code == 401
        again = await _call(relay, admin, "DELETE", key_path)
        assert again.status_code == 404
        # Bad input: 400, not a key.
        for bad in (
            {"name": "x"},
            {"name": "x", "scopes": []},
            {"name": "x", "scopes": ["roll:everything"]},
            {"name": "x", "scopes": ["search"], "expiresAt": "soon"},
            {"name": "x", "scopes": ["search"], "rateLimit": -1},
        ):
            reply = await _call(relay, admin, "POST", "/auth/api-keys", json=bad)
            assert reply.status_code == 400, (bad, reply.text)


async def test_tokens_and_known_worlds(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay:
        _, admin = relay.new_key("admin", admin=True)
        key_id, key = relay.new_key("owner")
        other_id, other = relay.new_key("other")
        module = await module_on(relay, key_id, "fvtt_world", "w")
        relay.store.remember_client(key_id, "fvtt_world", world_id="w", world_title="World")
        tokens = (await _call(relay, key, "GET", "/auth/connection-tokens")).json()
        assert tokens["total"] == 1 and tokens["tokens"][0]["keyId"] == key_id
        token_id = tokens["tokens"][0]["id"]
        assert (await _call(relay, other, "GET", "/auth/connection-tokens")).json()["total"] == 0
        assert (await _call(relay, admin, "GET", "/auth/connection-tokens")).json()["total"] == 1
        stranger = await _call(relay, other, "DELETE", f"/auth/connection-tokens/{token_id}")
        assert stranger.status_code == 404  # another key's token: not found
        renamed = await _call(
            relay, key, "PATCH", f"/auth/connection-tokens/{token_id}", json={"name": "GM laptop"}
        )
        assert renamed.json() == {"success": True}
        listed = (await _call(relay, key, "GET", "/auth/connection-tokens")).json()["tokens"]
        assert listed[0]["name"] == "GM laptop"
        # Known worlds: a name of the owner's choosing shows in /clients.
        known = (await _call(relay, key, "GET", "/auth/known-clients")).json()
        assert [(c["clientId"], c["isOnline"]) for c in known["clients"]] == [("fvtt_world", True)]
        await _call(relay, key, "PATCH", "/auth/known-clients/fvtt_world", json={"name": "Strahd"})
        assert relay.store.known_client(key_id, "fvtt_world").custom_name == "Strahd"
        # Revoking the token closes the world's socket at once.
        revoked = await _call(relay, key, "DELETE", f"/auth/connection-tokens/{token_id}")
        assert revoked.json()["disconnectedClients"] == 1
        assert await closed(module) == (1008, "Authentication failed")
        # Forgetting a world revokes its other tokens too.
        second = await module_on(relay, key_id, "fvtt_world", "w2")
        forgotten = await _call(relay, key, "DELETE", "/auth/known-clients/fvtt_world")
        assert forgotten.json()["disconnectedClients"] == 1
        assert await closed(second) == (1008, "Authentication failed")
        assert relay.store.known_client(key_id, "fvtt_world") is None
        missing = await _call(relay, key, "DELETE", "/auth/known-clients/fvtt_world")
        assert (missing.status_code, missing.json()["code"]) == (404, "CLIENT_NOT_FOUND")
        assert other_id != key_id


async def test_monthly_quota(relay_factory: RelayFactory) -> None:
    async with relay_factory() as relay:
        key_id, key = relay.new_key("metered", monthly_quota=3)
        statuses = [(await _call(relay, key, "GET", "/clients")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = await _call(relay, key, "GET", "/clients")
        assert refused.json()["code"] == "QUOTA_EXCEEDED"
        assert int(refused.headers["retry-after"]) >= 1
        usage = relay.state.usage
        await usage.flush()
        assert relay.store.usage(key_id, usage.month) == 3  # refused requests do not count
        _, admin = relay.new_key("admin", admin=True)
        listed = (await _call(relay, admin, "GET", "/auth/api-keys")).json()["keys"]
        assert [k["requestsThisMonth"] for k in listed if k["id"] == key_id] == [3]


async def closed(module: FakeModule) -> tuple[int | None, str | None]:
    """How a serving module's socket was closed (its reader is the serving loop)."""
    ws = module.ws
    assert ws is not None
    assert await wait_until(lambda: ws.close_code is not None)
    return ws.close_code, ws.close_reason
