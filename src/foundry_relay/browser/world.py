"""The module's world settings in a ready game (SPEC 4.3 step 4, 4.5): read the user's role and
the module's pairing, write a new pairing as the GM, reload so the module reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from ..errors import LaunchError
from .login import GameInfo, LoginTarget, Timeouts, wait_game_ready
from .pagesteps import WORLD_STATE_JS, evaluate_step, origin_of

MODULE_ID = "foundry-rest-api"
GM_ROLE = 4


@dataclass(frozen=True)
class WorldState:
    """What the ready game says about its user and the module's pairing."""

    role: int
    user_name: str
    installed: bool
    origin: str
    world_id: str
    world_title: str
    ws_relay_url: str
    client_id: str
    paired_relay_url: str


_READ_WORLD = WORLD_STATE_JS

_WRITE_PAIRING = """
async ([id, values]) => {
  for (const [key, value] of Object.entries(values)) await game.settings.set(id, key, value);
  return Object.keys(values).map((key) => String(game.settings.get(id, key) ?? ''));
}
"""


def world_state(info: dict[str, Any]) -> WorldState:
    """A :data:`WORLD_STATE_JS` answer as a record."""
    return WorldState(
        role=int(info.get("role") or 0),
        user_name=str(info.get("userName") or ""),
        installed=bool(info.get("installed")),
        origin=str(info.get("origin") or ""),
        world_id=str(info.get("worldId") or ""),
        world_title=str(info.get("worldTitle") or ""),
        ws_relay_url=str(info.get("wsRelayUrl") or ""),
        client_id=str(info.get("clientId") or ""),
        paired_relay_url=str(info.get("pairedRelayUrl") or ""),
    )


async def read_world(page: Page, *, timeout: float) -> WorldState:
    info = await evaluate_step(page, _READ_WORLD, MODULE_ID, stage="game-ready", timeout=timeout)
    return world_state(info)


async def write_world_settings(page: Page, values: dict[str, str], *, timeout: float) -> None:
    """Set module world settings as the GM (Foundry stores them in the world's database)."""
    stored = await evaluate_step(
        page, _WRITE_PAIRING, [MODULE_ID, values], stage="game-ready", timeout=timeout
    )
    if list(stored) != list(values.values()):
        raise LaunchError(
            "Foundry did not keep the module's pairing settings",
            code="BROWSER_FAILED",
            stage="game-ready",
        )


async def reload_game(page: Page, *, target: LoginTarget, timeouts: Timeouts) -> GameInfo:
    """Reload the game page (the module reads its settings at start-up) and wait until ready."""
    try:
        await page.reload(wait_until="domcontentloaded", timeout=timeouts.navigation * 1000)
    except PlaywrightError as exc:
        raise LaunchError(
            f"could not reload {page.url}: {exc.message.splitlines()[0]}",
            code="FOUNDRY_UNREACHABLE",
            stage="game-ready",
            foundryUrl=origin_of(page.url),
        ) from exc
    return await wait_game_ready(page, target, timeouts)
