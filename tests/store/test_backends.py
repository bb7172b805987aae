"""The store's behaviour on both of its databases: SQLite (the default) and PostgreSQL
(``DATABASE_URL``), through the same calls — keys, tokens, known worlds, pairing codes, session
history, stored logins, the schema, and two stores (two processes) seeing each other's writes."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest

from foundry_relay.errors import NotFound, RelayError
from foundry_relay.store import Store
from foundry_relay.vault import Vault, new_key

from ..conftest import remember_secret


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "sqlite":
        return tmp_path / "relay.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_schema_migrates_once(target: str | Path) -> None:
    from foundry_relay.store import MIGRATIONS

    store = Store(target)
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    again = Store(target)  # reopening migrates nothing
    assert again.schema_version == len(MIGRATIONS)
    again.close()


def test_keys_and_tokens(target: str | Path) -> None:
    store = Store(target)
    record, key = store.create_key("bot", allow_execute_js=True)
    remember_secret(key)
    found = store.authenticate_key(key)
    assert found is not None and found.id == record.id and found.allow_execute_js is True
    assert store.authenticate_key(key + "x") is None
    token_record, token = store.create_token(record.id, "world", remote_targets=["fvtt_a"])
    remember_secret(token)
    authed = store.authenticate_token(token)
    assert authed is not None and authed[0].remote_targets == ("fvtt_a",)
    assert store.is_token_active(token_record.id)
    store.revoke_token(token_record.id)
    assert store.authenticate_token(token) is None and not store.is_token_active(token_record.id)
    store.revoke_key(record.id)
    assert store.authenticate_key(key) is None
    with pytest.raises(NotFound):
        store.revoke_key(record.id)
    store.close()


def test_another_process_sees_a_revocation_at_once(target: str | Path) -> None:
    relay, cli = Store(target), Store(target)  # a relay and the CLI on one database
    record, key = relay.create_key("k")
    remember_secret(key)
    assert relay.authenticate_key(key) is not None  # cached now
    cli.revoke_key(record.id)
    assert relay.authenticate_key(key) is None  # the change counter moved: cache dropped
    relay.close()
    cli.close()


def test_known_worlds_pairing_and_history(target: str | Path) -> None:
    store = Store(target)
    record, key = store.create_key("k")
    remember_secret(key)
    store.remember_client(
        record.id,
        "fvtt_0123456789abcdef",
        world_id="w",
        world_title="W",
        metadata={"systemId": "dnd5e"},
    )
    [known] = store.known_clients(record.id)
    assert (known.client_id, known.world_id, known.metadata["systemId"]) == (
        "fvtt_0123456789abcdef",
        "w",
        "dnd5e",
    )
    assert store.client_known("fvtt_0123456789abcdef")
    code = store.create_pairing_code(record.id)
    claimed = store.claim_pairing_code(code.code, world_id="w")
    assert claimed.key_id == record.id
    with pytest.raises(RelayError) as used:
        store.claim_pairing_code(code.code, world_id="w")
    assert used.value.code == "PAIRING_CODE_USED"
    store.record_session_start(
        session_id="s1",
        key_id=record.id,
        foundry_url="http://f",
        username="GM",
        world_name=None,
        started_at=1.0,
        instance_id="relay-a",
    )
    store.record_session_start(
        session_id="s2",
        key_id=record.id,
        foundry_url="http://f",
        username="GM",
        world_name=None,
        started_at=2.0,
        instance_id="relay-b",
    )
    # An instance starting on a shared database ends the sessions of instances that are gone.
    assert store.mark_unfinished_sessions("relay-shutdown", alive=["relay-b"]) == 1
    kept, ended = store.get_session_record("s2"), store.get_session_record("s1")
    assert kept is not None and kept.state == "launching" and kept.instance_id == "relay-b"
    assert ended is not None and (ended.state, ended.end_reason) == ("failed", "relay-shutdown")
    assert store.mark_unfinished_sessions("relay-shutdown") == 1
    store.close()


def test_a_pairing_code_is_claimed_once_under_concurrency(target: str | Path) -> None:
    stores = [Store(target) for _ in range(4)]
    record, key = stores[0].create_key("k")
    remember_secret(key)
    code = stores[0].create_pairing_code(record.id)
    wins: list[str] = []
    errors: list[str] = []

    def claim(store: Store) -> None:
        try:
            store.claim_pairing_code(code.code, world_id="w")
            wins.append("won")
        except RelayError as exc:
            errors.append(exc.code)

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins == ["won"] and set(errors) <= {"PAIRING_CODE_USED", "STORE_UNAVAILABLE"}
    for store in stores:
        store.close()


def test_stored_logins_keep_their_seal(target: str | Path) -> None:
    store = Store(target)
    record, key = store.create_key("k")
    remember_secret(key)
    vault = Vault(base64.b64decode(new_key()))
    sealed = vault.seal({"password": "pw"}, f"{record.id}:fvtt_1")
    store.save_login(
        record.id, "fvtt_1", foundry_url="http://f", username="GM", world_name="w", sealed=sealed
    )
    store.set_auto_start(record.id, "fvtt_1", True)
    login = store.world_login(record.id, "fvtt_1")
    assert login is not None and login.auto_start and login.sealed == sealed
    assert vault.open(login.sealed, login.bound_to) == {"password": "pw"}
    store.clear_login(record.id, "fvtt_1")
    assert store.world_logins(record.id) == []
    store.close()


async def test_two_relays_share_one_postgresql_database(postgres_url: str, tmp_path: Path) -> None:
    """Relays on one database: a key made on one works on the other, and revoking it on one
    closes the sockets the other holds (each watches the database's change counter)."""
    from pydantic import SecretStr

    from foundry_relay.server.runner import run_relay
    from foundry_relay.settings import Settings

    from ..conftest import wait_until
    from ..server.module_client import FakeModule, echo

    def settings(name: str) -> Settings:
        return Settings(  # type: ignore[call-arg]
            _env_file=None,
            port=0,
            data_dir=tmp_path / name,
            allow_headless=False,
            database_url=SecretStr(postgres_url),
        )

    async with run_relay(settings("a")) as a, run_relay(settings("b")) as b:
        store_a, store_b = a.app.state.relay.store, b.app.state.relay.store
        record, key = store_a.create_key("shared")
        remember_secret(key)
        _, token = store_b.create_token(record.id, "world")
        remember_secret(token)
        module = FakeModule(a.url.replace("http://", "ws://") + "/relay", "world-1", token=token)
        assert (await module.connect())["type"] == "auth-success"
        module.serve(echo)
        import httpx

        async with httpx.AsyncClient(base_url=a.url, headers={"x-api-key": key}) as http:
            reply = await http.get("/world-info", params={"clientId": "world-1"})
            assert reply.status_code == 200
        async with httpx.AsyncClient(base_url=b.url, headers={"x-api-key": key}) as http:
            known = (await http.get("/clients")).json()["clients"]
            assert [c["clientId"] for c in known] == ["world-1"]  # known on B (offline there)
        store_b.revoke_key(record.id)
        ws = module.ws
        assert ws is not None  # its reader is the serving loop: watch the close code
        assert await wait_until(lambda: ws.close_code is not None)
        assert (ws.close_code, ws.close_reason) == (1008, "Authentication failed")
        assert await wait_until(lambda: a.app.state.relay.hub.registry.get("world-1") is None)
