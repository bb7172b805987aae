"""Headless sessions end to end: real Chromium, the simulator as Foundry, a real relay."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
from typing import Any

import httpx
import pytest

from foundry_relay.client import RelayClientError
from foundry_relay.core.handshake import seal_envelope
from foundry_relay.simulator import Faults, SimConfig, SimWorld

from ..conftest import RelayFactory, remember_secret, wait_until
from .headless_helpers import (
    GM_PASSWORD,
    client,
    headless_stack,
    nothing_left,
    paired_client,
    renderer_pids,
    session_cli,
    start,
    start_args,
    start_error,
)


async def test_happy_path_world_running(relay_factory: RelayFactory) -> None:
    # Its own browser: it watches the session's renderer process exit.
    async with headless_stack(relay_factory, own_browser=True) as (relay, sim):
        key_id, key = relay.new_key()
        before = renderer_pids(relay)
        info = await start(relay, sim, key)
        assert info.client_id == paired_client(sim)
        async with client(relay, key) as c:
            clients = (await c.clients())["clients"]
            assert [(x["clientId"], x["sessionId"]) for x in clients] == [
                (info.client_id, info.session_id)
            ]
            listed = await c.list_sessions()
            assert listed["pendingSessions"] == []
            [active] = listed["activeSessions"]
            assert active["sessionId"] == info.session_id and active["clientId"] == info.client_id
            assert active["worldId"] == "test-world" and active["systemId"] == "dnd5e"
            assert active["foundryVersion"] == "13.345" and active["username"] == "Gamemaster"
            assert isinstance(active["startedAt"], int) and active["startedAt"] > 1e12
            roll = await c.roll("1d20+1", client_id=info.client_id)
            assert 2 <= roll["data"]["roll"]["total"] <= 21
            log = await c.session_log(info.session_id)
            stages = [e["detail"] for e in log["timeline"] if e["event"] == "stage"]
            assert stages == ["browser", "navigate", "login", "game-ready", "module-connect"]
            session_renderers = renderer_pids(relay) - before
            assert session_renderers
            token_ids = [t.id for t in relay.store.list_tokens(key_id)]
            assert (await c.end_session(info.session_id)) == {
                "status": "ok",
                "message": "Session ended",
            }
            # Its renderer exits and its token is revoked.
            # (The spare context prepared for the next start has a renderer of its own that
            # stays; the session's exits.)
            assert await wait_until(lambda: bool(session_renderers - renderer_pids(relay)), 5)
            assert all(t.revoked_at for t in relay.store.list_tokens(key_id) if t.id in token_ids)
            with pytest.raises(RelayClientError) as err:
                await c.end_session(info.session_id)
            assert (err.value.status, err.value.code) == (404, "SESSION_NOT_FOUND")
            # The world stays a known client of the key, offline now.
            listed = await c.clients()
            assert [(x["clientId"], x["isOnline"]) for x in listed["clients"]] == [
                (info.client_id, False)
            ]
        record = relay.store.get_session_record(info.session_id)
        assert record is not None and (record.state, record.end_reason) == (
            "ended",
            "ended-by-user",
        )
        async with relay.http(key) as http:  # the owner keeps the log and the last page
            log = (await http.get(f"/session/{info.session_id}/log")).json()
            assert log["state"] == "ended" and log["reason"] == "ended-by-user"
            shot = await http.get(f"/session/{info.session_id}/screenshot")
            assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG")
        nothing_left(relay)


@pytest.mark.parametrize("major", [12, 13, 14])
async def test_setup_screen_with_world_name_each_version(
    relay_factory: RelayFactory, major: int
) -> None:
    config = SimConfig(
        active_world=None,
        launch_delay=0.3,
        foundry_version=major,
        worlds=[SimWorld("other", "Other"), SimWorld("test-world", "Test World")],
    )
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key, world="test world")  # by title, any case
        assert info.client_id == paired_client(sim)
        assert sim.state.active_world == "test-world"
        async with client(relay, key) as c:
            log = await c.session_log(info.session_id)
            stages = [e["detail"] for e in log["timeline"] if e["event"] == "stage"]
            assert stages == [
                "browser",
                "navigate",
                "world-launch",
                "login",
                "game-ready",
                "module-connect",
            ]
            info_reply = await c.world_info(client_id=info.client_id)
            assert info_reply["data"]["foundryVersion"].startswith(f"{major}.")
            await c.end_session(info.session_id)
        nothing_left(relay)


async def test_setup_behind_admin_gate(relay_factory: RelayFactory) -> None:
    admin = remember_secret("adm1n-pw")
    config = SimConfig(active_world=None, admin_password=admin, launch_delay=0.2)
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, key = relay.new_key()
        missing = await start_error(relay, sim, key, world="test-world")
        assert (missing.status, missing.code) == (422, "FOUNDRY_ADMIN_REQUIRED")
        wrong = await start_error(relay, sim, key, world="test-world", admin="nope")
        assert (wrong.status, wrong.code) == (401, "FOUNDRY_ADMIN_REJECTED")
        nothing_left(relay)
        info = await start(relay, sim, key, world="test-world", admin=admin)
        assert info.client_id == paired_client(sim)
        async with client(relay, key) as c:
            await c.end_session(info.session_id)
        nothing_left(relay)


FAILURES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], int, str, str]] = [
    ("world-required", {"active_world": None}, {}, {}, 422, "WORLD_REQUIRED", "world-launch"),
    (
        "world-not-found",
        {"active_world": None},
        {"world": "Atlantis"},
        {},
        422,
        "WORLD_NOT_FOUND",
        "world-launch",
    ),
    ("wrong-world", {}, {"world": "elsewhere"}, {}, 422, "WRONG_WORLD", "game-ready"),
    ("user-not-found", {}, {"username": "Nobody"}, {}, 422, "FOUNDRY_USER_NOT_FOUND", "login"),
    ("login-rejected", {}, {"password": "wrong-pass"}, {}, 401, "FOUNDRY_LOGIN_REJECTED", "login"),
    (
        "launch-never-completes",
        {"active_world": None, "faults": Faults(launch_never_completes=True)},
        {"world": "test-world"},
        {"world_launch_timeout": 1},
        504,
        "GAME_LOAD_TIMEOUT",
        "world-launch",
    ),
    (
        "game-throws",
        {"faults": Faults(game_throws=True)},
        {},
        {"game_ready_timeout": 1},
        504,
        "GAME_LOAD_TIMEOUT",
        "game-ready",
    ),
    (
        "module-never-connects",
        {"faults": Faults(module_never_connects=True)},
        {},
        {"module_connect_timeout": 1},
        504,
        "MODULE_NOT_CONNECTED",
        "module-connect",
    ),
    (
        "slow-foundry",
        {"faults": Faults(slow_pages=3)},
        {},
        {"navigation_timeout": 1},
        502,
        "FOUNDRY_UNREACHABLE",
        "navigate",
    ),
]


@pytest.mark.parametrize(
    ("sim", "call", "settings", "status", "code", "stage"),
    [f[1:] for f in FAILURES],
    ids=[f[0] for f in FAILURES],
)
async def test_launch_failures_name_their_stage_and_leave_nothing(
    relay_factory: RelayFactory,
    sim: dict[str, Any],
    call: dict[str, Any],
    settings: dict[str, Any],
    status: int,
    code: str,
    stage: str,
) -> None:
    config = SimConfig(**sim)
    async with headless_stack(relay_factory, config, **settings) as (relay, simulator):
        _, key = relay.new_key()
        error = await start_error(relay, simulator, key, **call)
        assert (error.status, error.code, error.body.get("stage")) == (status, code, stage)
        if code == "MODULE_NOT_CONNECTED":
            assert "module" in error.message and "relay" in error.message
        if code == "FOUNDRY_LOGIN_REJECTED":
            # Foundry's message key becomes a sentence; the key stays in a field.
            assert error.body["foundryMessage"] == "JOIN.ErrorInvalidPassword"
            assert "password is wrong for user 'Gamemaster'" in error.message
        if code == "FOUNDRY_UNREACHABLE":
            assert error.body["foundryUrl"].startswith(simulator.url)
            assert simulator.url in error.message
        nothing_left(relay)
        [sid] = list(relay.state.headless.live)
        assert error.session_id == sid  # its owner can read the log and screenshot
        record = relay.store.get_session_record(sid)
        assert record is not None and (record.state, record.end_reason) == ("failed", code)
        async with relay.http(key) as http:
            log = (await http.get(f"/session/{sid}/log")).json()
            assert log["failure"]["code"] == code and log["failure"]["stage"] == stage
            if stage != "navigate":  # a page that never loaded has nothing to show
                shot = await http.get(f"/session/{sid}/screenshot")
                assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG")
        if code == "GAME_LOAD_TIMEOUT" and stage == "game-ready":
            assert any("Simulated failure" in line for line in log["console"])


async def test_foundry_down_is_502(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory) as (relay, _sim):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            with pytest.raises(RelayClientError) as err:
                await c.start_session(
                    foundry_url="http://127.0.0.1:9", username="Gamemaster", password=GM_PASSWORD
                )
        assert (err.value.status, err.value.code) == (502, "FOUNDRY_UNREACHABLE")
        nothing_left(relay)


async def test_user_already_logged_in_is_409(relay_factory: RelayFactory, browser: Any) -> None:
    from ..simulator.helpers import login_with_form

    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()
        ctx = await browser.new_context()
        try:
            await login_with_form(await ctx.new_page(), sim.url)
            gm = sim.state.user_by_name("Gamemaster")
            assert gm is not None and await wait_until(lambda: sim.state.user_active(gm.id))
            error = await start_error(relay, sim, key)
            assert (error.status, error.code) == (409, "FOUNDRY_USER_ACTIVE")
        finally:
            await ctx.close()
        nothing_left(relay)


async def test_handshake_abuse(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, handshake_ttl_seconds=0.5) as (relay, sim):
        _, key_a = relay.new_key("a")
        _, key_b = relay.new_key("b")
        async with relay.http(key_a) as a, relay.http(key_b) as b:
            headers = {"x-foundry-url": sim.url, "x-username": "Gamemaster"}

            async def handshake() -> dict[str, Any]:
                r = await a.post("/session-handshake", headers=headers)
                assert r.status_code == 200, r.text
                return r.json()

            def body(hs: dict[str, Any], **kw: Any) -> dict[str, Any]:
                nonce = kw.pop("nonce", hs["nonce"])
                return {
                    "handshakeToken": hs["token"],
                    "encryptedPassword": seal_envelope(
                        hs["publicKey"], password=GM_PASSWORD, nonce=nonce, **kw
                    ),
                }

            hs = await handshake()
            assert len(hs["token"]) == 64 and len(hs["nonce"]) == 32
            assert hs["publicKey"].startswith("-----BEGIN PUBLIC KEY-----")
            assert hs["expires"].endswith("Z") and hs["foundryUrl"] == sim.url
            # Another key's token: same error as unknown, and it burns nothing of A's.
            r = await b.post("/start-session", json=body(hs))
            assert (r.status_code, r.json()["code"]) == (400, "HANDSHAKE_INVALID")
            # Wrong nonce: 401, and the token is consumed.
            r = await a.post("/start-session", json=body(hs, nonce="f" * 32))
            assert (r.status_code, r.json()["code"]) == (401, "NONCE_MISMATCH")
            r = await a.post("/start-session", json=body(hs))  # replay
            assert (r.status_code, r.json()["code"]) == (400, "HANDSHAKE_INVALID")
            hs = await handshake()
            r = await a.post(
                "/start-session",
                json={"handshakeToken": hs["token"], "encryptedPassword": "%%%not base64"},
            )
            assert (r.status_code, r.json()["code"]) == (400, "DECRYPT_FAILED")
            hs = await handshake()
            junk = base64.b64encode(os.urandom(384)).decode()
            r = await a.post(
                "/start-session", json={"handshakeToken": hs["token"], "encryptedPassword": junk}
            )
            assert (r.status_code, r.json()["code"]) == (400, "DECRYPT_FAILED")
            hs = await handshake()
            await asyncio.sleep(0.7)
            r = await a.post("/start-session", json=body(hs))  # expired
            assert (r.status_code, r.json()["code"]) == (400, "HANDSHAKE_INVALID")
            for bad in ({}, {"handshakeToken": 5, "encryptedPassword": "x"}, [1]):
                r = await a.post("/start-session", json=bad)
                assert (r.status_code, r.json()["code"]) == (400, "BAD_REQUEST")
            r = await a.post("/session-handshake", headers={"x-username": "GM"})
            assert (r.status_code, r.json()["code"]) == (400, "BAD_REQUEST")
            r = await a.post("/session-handshake", headers={"x-foundry-url": sim.url})
            assert (r.status_code, r.json()["code"]) == (400, "BAD_REQUEST")
            for url in ("file:///etc/passwd", "http://169.254.169.254/latest/"):
                r = await a.post(
                    "/session-handshake", headers={"x-foundry-url": url, "x-username": "GM"}
                )
                assert (r.status_code, r.json()["code"]) == (400, "FOUNDRY_URL_FORBIDDEN")
            # An old client using OAEP with SHA-1 still gets a session.
            hs = await handshake()
            r = await a.post("/start-session", json=body(hs, sha1=True))
            assert r.status_code == 200, r.text
            await a.delete("/end-session", params={"sessionId": r.json()["sessionId"]})
        nothing_left(relay)


async def test_handshake_pending_cap(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, handshake_max_pending=2) as (relay, sim):
        _, key = relay.new_key()
        headers = {"x-foundry-url": sim.url, "x-username": "Gamemaster"}
        async with relay.http(key) as http:
            codes = [
                (await http.post("/session-handshake", headers=headers)).status_code
                for _ in range(3)
            ]
        assert codes == [200, 200, 429]


async def test_session_rate_limit(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, session_rate_limit=2) as (relay, sim):
        _, key = relay.new_key()
        headers = {"x-foundry-url": sim.url, "x-username": "Gamemaster"}
        async with relay.http(key) as http:
            rs = [await http.post("/session-handshake", headers=headers) for _ in range(3)]
        assert [r.status_code for r in rs] == [200, 200, 429]
        assert rs[2].json()["code"] == "RATE_LIMITED" and int(rs[2].headers["retry-after"]) > 0


async def test_ownership(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory) as (relay, sim):
        _, key_a = relay.new_key("a")
        _, key_b = relay.new_key("b")
        info = await start(relay, sim, key_a)
        async with relay.http(key_b) as b:
            listed = (await b.get("/session")).json()
            assert listed == {"activeSessions": [], "pendingSessions": [], "alwaysOn": []}
            for r in (
                await b.delete("/end-session", params={"sessionId": info.session_id}),
                await b.get(f"/session/{info.session_id}/log"),
                await b.get(f"/session/{info.session_id}/screenshot"),
                await b.delete("/end-session", params={"sessionId": "nonexistent"}),
            ):
                assert (r.status_code, r.json()["code"]) == (404, "SESSION_NOT_FOUND")
            r = await b.get("/world-info", params={"clientId": info.client_id})
            assert (r.status_code, r.json()["code"]) == (404, "CLIENT_NOT_FOUND")
            assert (await b.get("/clients")).json()["total"] == 0
        async with relay.http(key_a) as a:
            assert len((await a.get("/session")).json()["activeSessions"]) == 1
            shot = await a.get(f"/session/{info.session_id}/screenshot")
            assert shot.status_code == 200 and shot.content.startswith(b"\x89PNG")
            r = await a.request("DELETE", "/end-session", json={"sessionId": info.session_id})
            assert r.status_code == 200
            r = await a.delete("/end-session")
            assert (r.status_code, r.json()["code"]) == (400, "BAD_REQUEST")
        nothing_left(relay)


async def test_concurrent_starts_never_exceed_the_cap(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, max_headless_sessions=2) as (relay, sim):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            handshakes = [
                await c.handshake(foundry_url=sim.url, username="Gamemaster") for _ in range(5)
            ]

            async def go(hs: dict[str, Any]) -> tuple[int, float]:
                body = {
                    "handshakeToken": hs["token"],
                    "encryptedPassword": seal_envelope(
                        hs["publicKey"], password=GM_PASSWORD, nonce=hs["nonce"]
                    ),
                }
                async with relay.http(key) as http:
                    r = await http.post("/start-session", json=body)
                return r.status_code, r.json()

            # One world, one GM: the second success would be FOUNDRY_USER_ACTIVE, so only the
            # cap is under test here: at most 2 slots, the rest refused before browser work.
            results = await asyncio.gather(*(go(hs) for hs in handshakes))
        statuses = sorted(s for s, _ in results)
        assert statuses.count(429) == 3
        # Refused before any browser work: no session was ever reserved for them.
        assert all("sessionId" not in body for s, body in results if s == 429)
        assert len([s for s in statuses if s != 429]) == 2


async def test_idle_timeout_and_activity(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, headless_session_timeout=1.5) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        async with client(relay, key) as c:
            for _ in range(6):  # 3 s of activity: kept alive past the 1.5 s idle timeout
                await asyncio.sleep(0.5)
                await c.world_info(client_id=info.client_id)
            assert len((await c.list_sessions())["activeSessions"]) == 1
            assert await wait_until(lambda: relay.state.headless.sessions.all() == [], 5)
        record = relay.store.get_session_record(info.session_id)
        assert record is not None and record.end_reason == "idle-timeout"
        nothing_left(relay)


async def test_client_drop_within_grace_keeps_the_session(relay_factory: RelayFactory) -> None:
    config = SimConfig(faults=Faults(module_drop_after=0.5, module_reconnect=True))
    async with headless_stack(relay_factory, config, client_grace_seconds=10) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        service = relay.state.headless
        [session] = service.sessions.all()
        assert await wait_until(lambda: session.dropped_at is not None, 5)
        async with relay.http(key) as http:
            r = await http.get("/world-info", params={"clientId": info.client_id})
            assert (r.status_code, r.json()["code"]) == (503, "CLIENT_GONE")
        assert await wait_until(lambda: session.dropped_at is None, 5)
        async with client(relay, key) as c:
            assert (await c.world_info(client_id=info.client_id))["data"]["world"][
                "id"
            ] == "test-world"
            await c.end_session(info.session_id)
        events = [e for _, e, _ in session.timeline]
        assert "client-dropped" in events and "client-returned" in events


async def test_client_drop_past_grace_ends_the_session(relay_factory: RelayFactory) -> None:
    config = SimConfig(faults=Faults(module_drop_after=0.3, module_reconnect=False))
    async with headless_stack(relay_factory, config, client_grace_seconds=1) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        assert await wait_until(lambda: relay.state.headless.sessions.all() == [], 6)
        record = relay.store.get_session_record(info.session_id)
        assert record is not None and record.end_reason == "client-disconnected"
        nothing_left(relay)


async def test_browser_sigkill_ends_sessions_and_next_start_works(
    relay_factory: RelayFactory,
) -> None:
    config = SimConfig(worlds=[SimWorld("test-world", "Test World")])
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, key = relay.new_key()
        info = await start(relay, sim, key)
        pid = relay.state.headless.engine.browser_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert await wait_until(lambda: relay.state.headless.sessions.all() == [], 5)
        record = relay.store.get_session_record(info.session_id)
        assert record is not None and record.end_reason == "browser-crashed"
        # The simulator still counts the dead page's user as logged in until its socket times
        # out; a fresh start must get a new browser either way.
        assert await wait_until(
            lambda: not sim.state.user_active(sim.state.user_by_name("Gamemaster").id), 10
        )
        again = await start(relay, sim, key)
        assert relay.state.headless.engine.browser_pid not in (None, pid)
        async with client(relay, key) as c:
            await c.end_session(again.session_id)
        nothing_left(relay)


async def test_caller_disconnect_cancels_the_launch(relay_factory: RelayFactory) -> None:
    config = SimConfig(faults=Faults(slow_pages=4))
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, key = relay.new_key()
        async with client(relay, key) as c:
            hs = await c.handshake(foundry_url=sim.url, username="Gamemaster")
        body = {
            "handshakeToken": hs["token"],
            "encryptedPassword": seal_envelope(
                hs["publicKey"], password=GM_PASSWORD, nonce=hs["nonce"]
            ),
        }
        async with httpx.AsyncClient(base_url=relay.url, timeout=1.0) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.post("/start-session", json=body, headers={"x-api-key": key})
        assert await wait_until(lambda: relay.state.headless.sessions.all() == [], 3)
        [sid] = list(relay.state.headless.live)
        record = relay.store.get_session_record(sid)
        assert record is not None and (record.state, record.end_reason) == (
            "failed",
            "LAUNCH_CANCELLED",
        )
        nothing_left(relay)


async def test_end_during_launch(relay_factory: RelayFactory) -> None:
    config = SimConfig(faults=Faults(slow_pages=2))
    async with headless_stack(relay_factory, config) as (relay, sim):
        _, key = relay.new_key()
        launch = asyncio.create_task(start(relay, sim, key))
        service = relay.state.headless
        assert await wait_until(lambda: len(service.sessions.all()) == 1, 5)
        [session] = service.sessions.all()
        async with relay.http(key) as http:
            pending = (await http.get("/session")).json()["pendingSessions"]
            assert [p["sessionId"] for p in pending] == [session.session_id]
            assert pending[0]["stage"] in ("browser", "navigate")
            r = await http.delete("/end-session", params={"sessionId": session.session_id})
            assert r.status_code == 200
        with pytest.raises(RelayClientError):
            await launch
        record = relay.store.get_session_record(session.session_id)
        assert record is not None and (record.state, record.end_reason) == (
            "ended",
            "ended-by-user",
        )
        nothing_left(relay)


async def test_headless_disabled_is_503(relay: Any) -> None:
    _, key = relay.new_key()
    async with relay.http(key) as http:
        r = await http.post(
            "/session-handshake",
            headers={"x-foundry-url": "http://127.0.0.1:1", "x-username": "GM"},
        )
    assert (r.status_code, r.json()["code"]) == (503, "HEADLESS_DISABLED")


def test_demo_runs_and_exits_zero() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "foundry_relay.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in (
        "start a headless session",
        "world info",
        "search 'goblin'",
        "roll 2d20kh1+5",
        "list sessions",
        "end the session",
        "demo finished",
    ):
        assert step in proc.stdout
    assert "gm-password" not in proc.stdout + proc.stderr


async def test_user_by_id_and_hard_lifetime(relay_factory: RelayFactory) -> None:
    async with headless_stack(relay_factory, headless_max_lifetime=2) as (relay, sim):
        _, key = relay.new_key()
        user_id = sim.state.user_by_name("Gamemaster").id
        info = await start(relay, sim, key, username=user_id)
        async with client(relay, key) as c:
            for _ in range(3):  # activity does not extend a hard lifetime
                await c.world_info(client_id=info.client_id)
                await asyncio.sleep(0.3)
        assert await wait_until(lambda: relay.state.headless.sessions.all() == [], 5)
        record = relay.store.get_session_record(info.session_id)
        assert record is not None and record.end_reason == "max-lifetime"
        nothing_left(relay)


async def test_sync_client(relay_factory: RelayFactory) -> None:
    from foundry_relay.client import RelayClient

    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()

        def flow() -> tuple[Any, ...]:
            with RelayClient(relay.url, key, timeout=60) as c:
                info = c.start_session(
                    foundry_url=sim.url, username="Gamemaster", password=GM_PASSWORD
                )
                world = c.world_info(client_id=info.client_id)
                found = c.search("dragon", client_id=info.client_id)
                listed = c.list_sessions()
                c.end_session(info.session_id)
                try:
                    c.end_session(info.session_id)
                except RelayClientError as exc:
                    return info, world, found, listed, exc
                raise AssertionError("second end succeeded")

        info, world, found, listed, error = await asyncio.to_thread(flow)
        assert world["data"]["world"]["title"] == "Test World"
        assert [r["name"] for r in found["results"]] == ["Young Red Dragon"]
        assert listed["activeSessions"][0]["sessionId"] == info.session_id
        assert (error.status, error.code) == (404, "SESSION_NOT_FOUND")
        nothing_left(relay)


async def test_cli_session_start_list_end(relay_factory: RelayFactory) -> None:
    import json

    async with headless_stack(relay_factory) as (relay, sim):
        _, key = relay.new_key()

        async def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
            return await session_cli(key, *args, stdin=stdin)

        code, out, err = await cli(*start_args(relay, sim), stdin=GM_PASSWORD + "\n")
        assert code == 0, err
        started = json.loads(out)
        assert started["clientId"] == paired_client(sim)
        code, out, _ = await cli("list", "--relay", relay.url, "--json")
        assert [s["sessionId"] for s in json.loads(out)["activeSessions"]] == [started["sessionId"]]
        code, out, _ = await cli("end", started["sessionId"], "--relay", relay.url, "--json")
        assert code == 0 and json.loads(out)["status"] == "ok"
        code, out, _ = await cli("end", started["sessionId"], "--relay", relay.url, "--json")
        assert code == 1 and json.loads(out)["code"] == "SESSION_NOT_FOUND"
        code, out, err = await cli(
            "start",
            "--relay",
            relay.url,
            "--foundry-url",
            sim.url,
            "--username",
            "Gamemaster",
            "--password-stdin",
            stdin="wrong-password\n",
        )
        assert code == 1 and "FOUNDRY_LOGIN_REJECTED" in err
        assert "wrong-password" not in out + err and GM_PASSWORD not in out + err
        nothing_left(relay)
