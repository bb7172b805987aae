"""The command line: keys and tokens round trips, serve start-up and clean shutdown."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import httpx

from foundry_relay.core.scopes import LEGACY_SCOPES
from foundry_relay.store import Store

from .conftest import remember_secret
from .processes import CLI, spawn_listening


def run(*args: str, data: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        check=False,
    )


def test_keys_create_list_revoke_roundtrip(tmp_path: Path) -> None:
    created = run("keys", "create", "--name", "bot", "--json", data=tmp_path)
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)  # exactly one JSON object on stdout
    assert set(key) == {
        "id",
        "name",
        "key",
        "createdAt",
        "revoked",
        "allowExecuteJs",
        "scopes",
        "clientIds",
        "expiresAt",
        "rateLimit",
        "monthlyQuota",
        "enabled",
        "admin",
    }
    assert key["name"] == "bot" and key["allowExecuteJs"] is False
    assert key["scopes"] == sorted(LEGACY_SCOPES) and key["clientIds"] is None
    remember_secret(key["key"])
    listed = json.loads(run("keys", "list", "--json", data=tmp_path).stdout)
    assert listed == [{k: v for k, v in key.items() if k != "key"}]
    assert key["key"] not in run("keys", "list", data=tmp_path).stdout
    # Only the hash is stored.
    assert key["key"].encode() not in (tmp_path / "relay.db").read_bytes()
    store = Store(tmp_path / "relay.db")
    assert store.authenticate_key(key["key"]) is not None
    assert run("keys", "revoke", key["id"], data=tmp_path).returncode == 0
    assert store.authenticate_key(key["key"]) is None  # at once, no restart
    assert json.loads(run("keys", "list", "--json", data=tmp_path).stdout)[0]["revoked"] is True
    again = run("keys", "revoke", key["id"], data=tmp_path)
    assert again.returncode == 1 and "NOT_FOUND" in again.stderr
    store.close()


def test_a_key_with_scopes_worlds_expiry_and_rate_limit(tmp_path: Path) -> None:
    args = ["--scope", "world:info", "--scope", "roll:read", "--client-id", "fvtt_a"]
    args += ["--expires", "2030-01-02", "--rate-limit", "60"]
    made = run("keys", "create", "--name", "bot", "--json", *args, data=tmp_path)
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    remember_secret(key["key"])
    assert key["scopes"] == ["roll:read", "world:info"] and key["clientIds"] == ["fvtt_a"]
    assert key["expiresAt"] == 1893542400.0 and key["rateLimit"] == 60
    table = run("keys", "list", data=tmp_path).stdout
    assert "2 of 32" in table and "fvtt_a" in table
    bad = run("keys", "create", "--name", "x", "--scope", "roll:everything", data=tmp_path)
    assert bad.returncode == 1 and "unknown scope(s): roll:everything" in bad.stderr
    admin = run(
        "keys",
        "create",
        "--name",
        "ops",
        "--admin",
        "--monthly-quota",
        "5",
        "--json",
        data=tmp_path,
    )
    made_admin = json.loads(admin.stdout)
    remember_secret(made_admin["key"])
    assert made_admin["admin"] is True and made_admin["monthlyQuota"] == 5
    scopes = subprocess.run([*CLI, "keys", "scopes"], capture_output=True, text=True, check=False)
    assert scopes.returncode == 0 and "POST /roll" in scopes.stdout


def test_a_key_may_be_allowed_to_run_code(tmp_path: Path) -> None:
    made = run("keys", "create", "--name", "ops", "--allow-execute-js", "--json", data=tmp_path)
    key = json.loads(made.stdout)
    remember_secret(key["key"])
    assert key["allowExecuteJs"] is True
    store = Store(tmp_path / "relay.db")
    found = store.authenticate_key(key["key"])
    assert found is not None and found.allow_execute_js is True
    store.close()


def test_tokens_create_list_revoke_roundtrip(tmp_path: Path) -> None:
    key = json.loads(run("keys", "create", "--name", "k", "--json", data=tmp_path).stdout)
    remember_secret(key["key"])
    made = run(
        "tokens", "create", "--key-id", key["id"], "--name", "my world", "--json", data=tmp_path
    )
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)
    assert set(token) == {"id", "name", "token"} and token["name"] == "my world"
    remember_secret(token["token"])
    listed = json.loads(run("tokens", "list", "--json", data=tmp_path).stdout)
    assert [t["id"] for t in listed] == [token["id"]] and listed[0]["keyId"] == key["id"]
    store = Store(tmp_path / "relay.db")
    assert store.authenticate_token(token["token"]) is not None
    assert run("tokens", "revoke", token["id"], data=tmp_path).returncode == 0
    assert store.authenticate_token(token["token"]) is None
    bad = run("tokens", "create", "--key-id", "nope", data=tmp_path)
    assert bad.returncode == 1 and "NOT_FOUND" in bad.stderr
    store.close()


def test_a_token_may_name_the_worlds_and_scopes_it_may_call(tmp_path: Path) -> None:
    created = run("keys", "create", "--name", "k", "--json", data=tmp_path)
    key_id = json.loads(created.stdout)["id"]
    remember_secret(json.loads(created.stdout)["key"])
    for args, targets, scopes in (
        ([], None, None),
        (["--remote-target", "fvtt_a", "--remote-target", "fvtt_b"], ["fvtt_a", "fvtt_b"], None),
        (["--no-remote"], [], None),
        (
            ["--remote-scope", "world:info", "--remote-scope", "roll:execute"],
            None,
            ["world:info", "roll:execute"],
        ),
    ):
        made = run("tokens", "create", "--key-id", key_id, "--json", *args, data=tmp_path)
        assert made.returncode == 0, made.stderr
        remember_secret(json.loads(made.stdout)["token"])
        listed = run("tokens", "list", "--json", data=tmp_path)
        token_id = json.loads(made.stdout)["id"]
        [record] = [t for t in json.loads(listed.stdout) if t["id"] == token_id]
        assert (record["remoteTargets"], record["remoteScopes"]) == (targets, scopes)
    limited = run(
        "tokens", "create", "--key-id", key_id, "--remote-per-hour", "5", "--json", data=tmp_path
    )
    remember_secret(json.loads(limited.stdout)["token"])
    listed = json.loads(run("tokens", "list", "--json", data=tmp_path).stdout)
    [record] = [t for t in listed if t["id"] == json.loads(limited.stdout)["id"]]
    assert record["remoteRequestsPerHour"] == 5
    unknown = run("tokens", "create", "--key-id", key_id, "--remote-scope", "x:y", data=tmp_path)
    assert unknown.returncode == 1 and "unknown scope" in unknown.stderr


def test_schema_is_versioned(tmp_path: Path) -> None:
    from foundry_relay.store import MIGRATIONS

    store = Store(tmp_path / "relay.db")
    assert store.schema_version == len(MIGRATIONS) == 8
    store.close()
    assert Store(tmp_path / "relay.db").schema_version == 8  # reopening migrates nothing


def test_a_version_1_file_migrates_in_place(tmp_path: Path) -> None:
    import sqlite3

    from foundry_relay.credentials import hash_secret
    from foundry_relay.store import MIGRATIONS

    path = tmp_path / "relay.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO api_keys (id, name, key_hash, created_at) VALUES ('k1', 'old', ?, 1)",
        (hash_secret("frk_old-key"),),
    )
    db.execute(
        "INSERT INTO known_clients (key_id, client_id, first_seen, last_seen)"
        " VALUES ('k1', 'fvtt_0000000000000001', 1, 2)"
    )
    db.execute(
        "INSERT INTO session_history (session_id, key_id, foundry_url, username, state,"
        " started_at) VALUES ('s1', 'k1', 'http://f', 'GM', 'active', 1)"
    )
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = Store(path)
    assert store.schema_version == 8
    # A session of a process before instances were recorded: no live instance can own it.
    assert store.mark_unfinished_sessions("relay-shutdown", alive=["relay-live"]) == 1
    ended = store.get_session_record("s1")
    assert ended is not None and (ended.state, ended.instance_id) == ("ended", None)
    old = store.authenticate_key("frk_old-key")
    assert old is not None and old.allow_execute_js is False  # keys made before: not allowed
    assert old.scopes == set(LEGACY_SCOPES) and old.client_ids is None and old.enabled
    key = store.authenticate_key("frk_old-key")
    assert key is not None and key.id == "k1"
    [known] = store.known_clients("k1")
    assert (known.client_id, known.world_id, known.last_seen) == ("fvtt_0000000000000001", None, 2)
    assert store.client_known("fvtt_0000000000000001")
    code = store.create_pairing_code("k1")
    assert len(code.code) == 6 and code.code.isalnum() and code.code == code.code.upper()
    record, _ = store.create_token("k1", "world")
    assert store.get_token(record.id) == record and record.remote_targets is None
    store.close()


def test_serve_port_zero_logs_port_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    proc, url, _ = spawn_listening(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
        env={"LOG_LEVEL": "INFO", "ALLOW_HEADLESS": "false"},
    )
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    assert httpx.get(url + "/api/status").json()["status"] == "ok"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert proc.stdout is not None
    assert "stopped" in proc.stdout.read()


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "not-a-port"}
    proc = subprocess.run(
        [*CLI, "serve", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "invalid configuration" in proc.stderr


def test_every_setting_is_a_serve_option() -> None:
    import inspect

    from foundry_relay.cli import serve
    from foundry_relay.settings import Settings

    # Secrets only from the environment or a file, never a command line (ps shows those).
    secrets = {
        "credentials_key",
        "credentials_key_previous",
        "metrics_token",
        "database_url",
        "redis_url",
    }
    assert set(Settings.model_fields) - secrets <= set(inspect.signature(serve).parameters)
    assert not secrets & set(inspect.signature(serve).parameters)


def test_simulate_command_serves_on_port_zero(tmp_path: Path) -> None:
    proc, url, _ = spawn_listening(
        "simulate",
        "--port",
        "0",
        "--no-active-world",
        "--world",
        "w1:World One:pf2e",
        "--user",
        "Boss:pw:4",
        "--foundry-version",
        "14",
        "--slow-pages",
        "0",
    )
    try:
        status = httpx.get(url + "/api/status").json()
        assert status["active"] is False and status["version"].startswith("14.")
        page = httpx.get(url + "/setup").text
        assert '"id": "w1"' in page and '"title": "World One"' in page
        r = httpx.post(url + "/setup", json={"action": "launchWorld", "world": "w1"})
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_simulate_unpaired_by_default_or_paired_with_a_relay(tmp_path: Path) -> None:
    def world_settings(url: str) -> dict[str, str]:
        with httpx.Client(base_url=url) as http:
            http.get("/join")
            user = http.get("/join").text
            user_id = json.loads(user.split('type="application/json">')[1].split("</script>")[0])[
                "users"
            ][0]["id"]
            http.post(
                "/join", json={"action": "join", "userid": user_id, "password": "gm-password"}
            )
            page = http.get("/game").text
        data = json.loads(page.split('type="application/json">')[1].split("</script>")[0])
        return {k.split(".")[1]: v for k, v in data["worldSettings"].items()}

    proc, url, line = spawn_listening("simulate", "--port", "0")
    try:
        assert "unpaired" in line
        assert world_settings(url)["clientId"] == ""
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    args = ["--paired-with", "ws://127.0.0.1:3999", "--client-id", "fvtt_00112233445566aa"]
    data_dir = ["--data-dir", str(tmp_path / "sim")]
    proc, url, line = spawn_listening("simulate", "--port", "0", *args, *data_dir)
    try:
        assert "paired with ws://127.0.0.1:3999" in line
        settings = world_settings(url)
        assert settings["clientId"] == "fvtt_00112233445566aa"
        assert settings["wsRelayUrl"] == settings["pairedRelayUrl"] == "ws://127.0.0.1:3999"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    # The pairing is kept in the data folder across restarts.
    proc, url, _ = spawn_listening("simulate", "--port", "0", *data_dir)
    try:
        assert world_settings(url)["clientId"] == "fvtt_00112233445566aa"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_access_log_at_info(tmp_path: Path) -> None:
    proc, url, _ = spawn_listening(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
        "--access-log",
        "--log-level",
        "INFO",
        env={"ALLOW_HEADLESS": "false"},
    )
    try:
        assert httpx.get(url + "/api/status?token=frk_not-a-real-key").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    lines = [line for line in out.splitlines() if "GET /api/status" in line]
    assert lines and "token=***" in lines[0] and "frk_not-a-real-key" not in out


def test_json_log_format(tmp_path: Path) -> None:
    proc, _, line = spawn_listening(
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path),
        env={"LOG_FORMAT": "json", "ALLOW_HEADLESS": "false"},
    )
    try:
        record = json.loads(line)
        assert record["level"] == "INFO" and "listening on" in record["message"]
        assert record["logger"] == "foundry_relay.cli" and record["time"].endswith("Z")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_serve_help_gives_each_options_meaning_and_default() -> None:
    """Every option of `serve --help` says what it means and its default, as the README's
    settings table (which the help is kept equal to)."""
    import re

    from foundry_relay.settings import Settings
    from foundry_relay.settings_help import MEANING

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table: dict[str, str] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 3:
            for name in re.findall(r"`([A-Z_0-9]+)`", cells[0]):
                table[name.lower()] = cells[2].replace("`", "")
    assert MEANING == {k: v for k, v in table.items() if k in Settings.model_fields}
    shown = subprocess.run(
        [*CLI, "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "(env SESSION_RATE_LIMIT, default 30)" in shown
    assert "(env HEADLESS_PREWARM, default off)" in shown
    assert "--headless-prewarm" in shown and "--no-headless-prewarm" in shown  # a flag
    assert shown.count("(env ") >= 50


def test_session_list_fits_80_columns_and_end_takes_its_number() -> None:
    from rich.console import Console

    from foundry_relay.cli_session import pick_session, sessions_table
    from foundry_relay.client import RelayClientError

    body = {
        "activeSessions": [
            {
                "sessionId": "0f0c2a4e-2b1d-4b7e-9a51-7f3e0d9c1a2b",
                "clientId": "fvtt_9f2c1e0a7b3d4c55",
                "worldTitle": "Curse of Strahd",
                "foundryUrl": "http://foundry.lan:30000",
                "username": "Gamemaster",
            }
        ],
        "pendingSessions": [
            {
                "sessionId": "0f0c9999-0000-4000-8000-000000000000",
                "foundryUrl": "http://foundry.lan:30000",
                "username": "Gamemaster",
                "worldName": "lmop",
                "stage": "login",
            }
        ],
    }
    console = Console(width=80, record=True)
    console.print(sessions_table(body))
    text = console.export_text()
    assert "0f0c2a4e-2b1d-4b7e-9a51-7f3e0d9c1a2b" in text  # whole, on one line
    assert "0f0c9999-0000-4000-8000-000000000000" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert pick_session(body, "1") == "0f0c2a4e-2b1d-4b7e-9a51-7f3e0d9c1a2b"
    assert pick_session(body, "2") == "0f0c9999-0000-4000-8000-000000000000"
    assert pick_session(body, "0f0c2") == "0f0c2a4e-2b1d-4b7e-9a51-7f3e0d9c1a2b"
    for ref in ("0f0c", "3", "zz"):
        try:
            pick_session(body, ref)
        except RelayClientError as exc:
            assert exc.code == "SESSION_NOT_FOUND"
        else:
            raise AssertionError(ref)


def test_session_start_help_names_the_admin_password() -> None:
    shown = subprocess.run(
        [*CLI, "session", "start", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    assert "FOUNDRY_ADMIN_PASSWORD" in shown and "--ask-admin-password" in shown
    assert "FOUNDRY_PASSWORD" in shown
