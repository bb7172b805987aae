"""The headless login flow (SPEC 4.3, steps 3 and 4): from the Foundry URL to ``game.ready``.

Finds where Foundry put the page (``/auth``, ``/setup``, ``/join``, ``/game``) and acts there.
Requests are made from inside the page (``fetch``) so cookies, origin and route prefix are the
page's own; each failure is a :class:`LaunchError` naming its stage and the SPEC's code.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from ..core.handshake import Credentials
from ..errors import LaunchError
from .messages import foundry_sentence
from .pagesteps import (
    FETCH_JS,
    GAME_READY_JS,
    JOIN_FORM_JS,
    SETUP_WORLDS_JS,
    evaluate_step,
    goto,
    page_base,
    page_kind,
    wait_for_function,
)

USER_ID_LENGTH = 16


@dataclass(frozen=True)
class LoginTarget:
    foundry_url: str
    username: str
    world: str | None


@dataclass(frozen=True)
class Timeouts:
    navigation: float
    world_launch: float
    game_ready: float


@dataclass(frozen=True)
class GameInfo:
    world_id: str
    world_title: str
    user_id: str
    state: dict[str, Any] = field(default_factory=dict)  # WORLD_STATE_JS's answer


async def login(
    page: Page,
    *,
    target: LoginTarget,
    credentials: Credentials,
    timeouts: Timeouts,
    on_stage: Callable[[str], None],
) -> GameInfo:
    """Drive ``page`` from the Foundry URL to a ready game; return what the game reports."""
    base = page_base(target.foundry_url)
    on_stage("navigate")
    await goto(page, base, stage="navigate", timeout=timeouts.navigation)
    deadline = time.monotonic() + timeouts.navigation + timeouts.world_launch + 30
    seen_auth = seen_setup = seen_join = False
    while time.monotonic() < deadline:
        where = page_kind(page.url)
        if where == "auth":
            if seen_auth:
                raise LaunchError(
                    "Foundry rejected the admin password",
                    code="FOUNDRY_ADMIN_REJECTED",
                    stage="admin-auth",
                )
            seen_auth = True
            on_stage("admin-auth")
            await _admin_auth(page, base, credentials, timeouts)
        elif where == "setup":
            if seen_setup:
                raise LaunchError(
                    "Foundry stayed on its setup screen",
                    code="WORLD_NOT_FOUND",
                    stage="world-launch",
                )
            seen_setup = True
            on_stage("world-launch")
            await _launch_world(page, base, target, timeouts)
        elif where in ("join", "players"):
            if seen_join:
                raise LaunchError(
                    "Foundry did not accept the login", code="FOUNDRY_LOGIN_REJECTED", stage="login"
                )
            seen_join = True
            on_stage("login")
            await _join(page, base, target, credentials, timeouts)
        elif where == "game":
            on_stage("game-ready")
            return await wait_game_ready(page, target, timeouts)
        else:
            raise LaunchError(
                f"{target.foundry_url} did not lead to a Foundry page (ended at"
                f" {urlsplit(page.url).path or '/'})",
                code="FOUNDRY_UNREACHABLE",
                stage="navigate",
            )
    raise LaunchError(
        "the login did not reach the game in time", code="GAME_LOAD_TIMEOUT", stage="game-ready"
    )


async def _admin_auth(page: Page, base: str, creds: Credentials, timeouts: Timeouts) -> None:
    if creds.admin_password is None:
        raise LaunchError(
            "the Foundry server asks for its admin password; send adminPassword in the encrypted"
            " payload",
            code="FOUNDRY_ADMIN_REQUIRED",
            stage="admin-auth",
        )
    result = await evaluate_step(
        page,
        FETCH_JS,
        [
            urljoin(base, "auth"),
            "POST",
            {"action": "adminAuth", "adminPassword": creds.admin_password},
            True,
        ],
        stage="admin-auth",
        timeout=timeouts.navigation,
    )
    if page_kind(result["url"]) != "setup" or result["status"] >= 400:
        raise LaunchError(
            "Foundry rejected the admin password", code="FOUNDRY_ADMIN_REJECTED", stage="admin-auth"
        )
    await goto(page, urljoin(base, "setup"), stage="admin-auth", timeout=timeouts.navigation)


async def _launch_world(page: Page, base: str, target: LoginTarget, timeouts: Timeouts) -> None:
    if not target.world:
        raise LaunchError(
            "Foundry is on its setup screen; say which world to launch (worldName)",
            code="WORLD_REQUIRED",
            stage="world-launch",
        )
    await wait_for_function(
        page,
        "() => !!document.querySelector('#worlds-list') && (document.querySelector("
        "'li.package.world') !== null || document.readyState === 'complete')",
        timeout=timeouts.navigation,
        stage="world-launch",
        code="FOUNDRY_UNREACHABLE",
        message="the setup screen did not render its world list",
    )
    worlds = await evaluate_step(
        page, SETUP_WORLDS_JS, None, stage="world-launch", timeout=timeouts.navigation
    )
    wanted = target.world.casefold()
    match = next((w for w in worlds if w["id"].casefold() == wanted), None) or next(
        (w for w in worlds if w["title"].casefold() == wanted), None
    )
    if match is None:
        seen = ", ".join(f"{w['title']} ({w['id']})" for w in worlds) or "none"
        raise LaunchError(
            f"no world '{target.world}' on the setup screen; worlds: {seen}",
            code="WORLD_NOT_FOUND",
            stage="world-launch",
            worlds=worlds,
        )
    result = await evaluate_step(
        page,
        FETCH_JS,
        [urljoin(base, "setup"), "POST", {"action": "launchWorld", "world": match["id"]}, False],
        stage="world-launch",
        timeout=timeouts.navigation,
    )
    if result["status"] >= 400:
        raise LaunchError(
            f"Foundry refused to launch the world (HTTP {result['status']})",
            code="WORLD_NOT_FOUND",
            stage="world-launch",
        )
    deadline = time.monotonic() + timeouts.world_launch
    status_url = urljoin(base, "api/status")
    while True:
        status = await evaluate_step(
            page,
            FETCH_JS,
            [status_url, "GET", None, False],
            stage="world-launch",
            timeout=timeouts.navigation,
        )
        if status["status"] == 200 and '"active":true' in status["text"].replace(" ", ""):
            break
        if time.monotonic() >= deadline:
            raise LaunchError(
                f"the world '{match['title']}' did not finish launching within"
                f" {timeouts.world_launch:g} s",
                code="GAME_LOAD_TIMEOUT",
                stage="world-launch",
            )
        await asyncio.sleep(0.2)
    await goto(page, urljoin(base, "join"), stage="world-launch", timeout=timeouts.navigation)


def _join_user(form: dict[str, Any], target: LoginTarget) -> dict[str, str]:
    """The join form's user fields for ``target.username`` (a name or a user id)."""
    if form["kind"] != "select":
        if len(target.username) == USER_ID_LENGTH and target.username.isalnum():
            return {"username": target.username, "userid": target.username}
        return {"username": target.username}
    users = form["users"]
    wanted = target.username.casefold()
    user = next((u for u in users if u["id"] == target.username), None) or next(
        (u for u in users if u["name"].casefold() == wanted), None
    )
    if user is None:
        raise LaunchError(
            f"Foundry has no user '{target.username}' in this world",
            code="FOUNDRY_USER_NOT_FOUND",
            stage="login",
        )
    if user["disabled"]:
        raise LaunchError(
            f"user '{user['name']}' is already logged in to Foundry",
            code="FOUNDRY_USER_ACTIVE",
            stage="login",
        )
    return {"userid": user["id"]}


def _join_refused(status: int, key: str, base: str, target: LoginTarget) -> LaunchError:
    """Foundry's answer to a failed join, as the SPEC's code."""
    sentence = foundry_sentence(key, target.username)
    if "ErrorUserDoesNotExist" in key:
        return LaunchError(
            sentence, code="FOUNDRY_USER_NOT_FOUND", stage="login", foundryMessage=key
        )
    if "ErrorUserActive" in key or status == 409:
        return LaunchError(sentence, code="FOUNDRY_USER_ACTIVE", stage="login", foundryMessage=key)
    if status in (401, 403):
        return LaunchError(
            f"Foundry rejected the login: {sentence}",
            code="FOUNDRY_LOGIN_REJECTED",
            stage="login",
            foundryMessage=key,
        )
    return LaunchError(
        f"Foundry at {base} answered the login with HTTP {status}",
        code="FOUNDRY_UNREACHABLE",
        stage="login",
        foundryUrl=base,
    )


async def _join(
    page: Page, base: str, target: LoginTarget, creds: Credentials, timeouts: Timeouts
) -> None:
    await wait_for_function(
        page,
        "() => !!(document.querySelector('select[name=userid]') ||"
        " document.querySelector('input[name=username]'))",
        timeout=timeouts.navigation,
        stage="login",
        code="FOUNDRY_UNREACHABLE",
        message="the join page did not render its login form",
    )
    form = await evaluate_step(page, JOIN_FORM_JS, None, stage="login", timeout=timeouts.navigation)
    body: dict[str, Any] = {"action": "join", "password": creds.password}
    body.update(_join_user(form, target))
    result = await evaluate_step(
        page,
        FETCH_JS,
        [urljoin(base, "join"), "POST", body, False],
        stage="login",
        timeout=timeouts.navigation,
    )
    status, text = result["status"], result["text"].strip()
    if status == 200:
        try:
            redirect = json.loads(text).get("redirect") or "game"
        except ValueError:
            redirect = "game"
        await goto(
            page, urljoin(result["url"], redirect), stage="login", timeout=timeouts.navigation
        )
        return
    raise _join_refused(status, text[:200], base, target)


async def wait_game_ready(page: Page, target: LoginTarget, timeouts: Timeouts) -> GameInfo:
    try:
        info = await asyncio.wait_for(page.evaluate(GAME_READY_JS), timeouts.game_ready)
    except TimeoutError as exc:
        raise LaunchError(
            f"the game did not become ready within {timeouts.game_ready:g} s",
            code="GAME_LOAD_TIMEOUT",
            stage="game-ready",
        ) from exc
    except PlaywrightError as exc:
        raise LaunchError(
            f"the game page failed: {exc.message.splitlines()[0]}",
            code="GAME_LOAD_TIMEOUT",
            stage="game-ready",
        ) from exc
    game = GameInfo(
        world_id=str(info["worldId"]),
        world_title=str(info["worldTitle"]),
        user_id=str(info["userId"]),
        state=info.get("state") if isinstance(info.get("state"), dict) else {},
    )
    if target.world:
        wanted = target.world.casefold()
        if wanted not in (game.world_id.casefold(), game.world_title.casefold()):
            raise LaunchError(
                f"Foundry is running world '{game.world_title}' ({game.world_id}), not"
                f" '{target.world}'; return it to the setup screen first",
                code="WRONG_WORLD",
                stage="game-ready",
            )
    return game
