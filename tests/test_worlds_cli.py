"""``foundry-relay worlds``: stored logins from the command line, sealed with the operator's key
(and re-sealed when it rotates), auto-start on and off, never the password in the store."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

from foundry_relay.settings import Settings
from foundry_relay.store import Store
from foundry_relay.vault import Vault, VaultError, fingerprint, new_key

from .conftest import files_contain, remember_secret
from .processes import CLI

PASSWORD = remember_secret("a-stored-foundry-password")


def worlds(
    *args: str, data: Path, key: str | None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDENTIALS_")}
    if key is not None:
        env["CREDENTIALS_KEY"] = key
    return subprocess.run(
        [*CLI, "worlds", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        check=False,
        env=env,
    )


def _known_world(data: Path) -> tuple[Store, str]:
    store = Store(Settings(_env_file=None, data_dir=data).db_path)  # type: ignore[call-arg]
    record, key = store.create_key("k")
    remember_secret(key)
    store.remember_client(record.id, "fvtt_0123456789abcdef", world_id="w", world_title="W")
    return store, record.id


def test_a_login_stored_from_the_cli_opens_only_with_the_operator_key(tmp_path: Path) -> None:
    operator = remember_secret(new_key())
    store, key_id = _known_world(tmp_path)
    made = worlds(
        "login",
        "set",
        "fvtt_0123456789abcdef",
        "--key-id",
        key_id,
        "--foundry-url",
        "http://foundry.lan:30000",
        "--username",
        "Gamemaster",
        "--password-stdin",
        data=tmp_path,
        key=operator,
        stdin=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr
    assert (
        worlds(
            "auto-start",
            "fvtt_0123456789abcdef",
            "on",
            "--key-id",
            key_id,
            data=tmp_path,
            key=operator,
        ).returncode
        == 0
    )
    listed = worlds("list", "--key-id", key_id, "--json", data=tmp_path, key=operator)
    [world] = json.loads(listed.stdout)
    assert world["login"]["autoStart"] is True and world["login"]["username"] == "Gamemaster"
    assert PASSWORD not in listed.stdout
    login = store.world_login(key_id, "fvtt_0123456789abcdef")
    assert login is not None
    vault = Vault(base64.b64decode(operator))
    assert vault.open(login.sealed, login.bound_to)["password"] == PASSWORD
    # Bound to its world: the same sealed bytes do not open for another.
    try:
        vault.open(login.sealed, f"{key_id}:fvtt_other")
    except VaultError as exc:
        assert exc.code == "CREDENTIALS_UNREADABLE"
    else:
        raise AssertionError("a login opened for another world")
    assert files_contain(tmp_path, "relay.db*", PASSWORD) == []
    # Off, then forgotten.
    assert (
        worlds(
            "auto-start",
            "fvtt_0123456789abcdef",
            "off",
            "--key-id",
            key_id,
            data=tmp_path,
            key=operator,
        ).returncode
        == 0
    )
    assert store.world_login(key_id, "fvtt_0123456789abcdef").auto_start is False  # type: ignore[union-attr]
    cleared = worlds(
        "login", "clear", "fvtt_0123456789abcdef", "--key-id", key_id, data=tmp_path, key=operator
    )
    assert cleared.returncode == 0 and store.world_login(key_id, "fvtt_0123456789abcdef") is None
    store.close()


def test_rotating_the_operator_key_reseals_at_start(tmp_path: Path) -> None:
    import asyncio

    from pydantic import SecretStr

    from foundry_relay.server.runner import run_relay

    old, new = remember_secret(new_key()), remember_secret(new_key())
    store, key_id = _known_world(tmp_path)
    sealed = Vault(base64.b64decode(old)).seal(
        {"password": PASSWORD, "adminPassword": None}, f"{key_id}:fvtt_0123456789abcdef"
    )
    store.save_login(
        key_id,
        "fvtt_0123456789abcdef",
        foundry_url="http://f",
        username="GM",
        world_name=None,
        sealed=sealed,
    )

    async def serve() -> None:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            port=0,
            data_dir=tmp_path,
            allow_headless=True,
            credentials_key=SecretStr(new),
            credentials_key_previous=SecretStr(old),
        )
        async with run_relay(settings):
            pass

    asyncio.run(serve())
    login = store.world_login(key_id, "fvtt_0123456789abcdef")
    assert login is not None and login.sealed.key_id == fingerprint(base64.b64decode(new))
    assert Vault(base64.b64decode(new)).open(login.sealed, login.bound_to)["password"] == PASSWORD
    store.close()


def test_revoking_the_key_deletes_its_logins(tmp_path: Path) -> None:
    store, key_id = _known_world(tmp_path)
    vault = Vault(base64.b64decode(new_key()))
    store.save_login(
        key_id,
        "fvtt_0123456789abcdef",
        foundry_url="http://f",
        username="GM",
        world_name=None,
        sealed=vault.seal({"password": PASSWORD}, "x"),
    )
    store.revoke_key(key_id)
    assert store.world_logins() == []
    store.close()


def test_without_the_operator_key_the_cli_says_so(tmp_path: Path) -> None:
    store, key_id = _known_world(tmp_path)
    refused = worlds(
        "login",
        "set",
        "fvtt_0123456789abcdef",
        "--key-id",
        key_id,
        "--foundry-url",
        "http://f",
        "--username",
        "GM",
        "--password-stdin",
        data=tmp_path,
        key=None,
        stdin=PASSWORD + "\n",
    )
    assert refused.returncode == 1 and "CREDENTIALS_DISABLED" in refused.stderr
    store.close()


def test_new_key_prints_a_fresh_operator_key() -> None:
    first, second = (
        subprocess.run([*CLI, "worlds", "new-key"], capture_output=True, text=True, check=True)
        for _ in range(2)
    )
    keys = [remember_secret(p.stdout.strip()) for p in (first, second)]
    assert keys[0] != keys[1] and all(len(base64.b64decode(k)) == 32 for k in keys)
