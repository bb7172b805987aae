"""The module's world settings in a ready game (SPEC 4.3 step 4, 4.5): read the user's role and
the module's pairing, write a new pairing as the GM, reload so the module reads it."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from ..errors import LaunchError
from .login import GameInfo, LoginTarget, Timeouts, evaluate_step, origin_of, wait_game_ready

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


_READ_WORLD = """
(id) => {
  const mod = game.modules && typeof game.modules.get === 'function' ? game.modules.get(id) : null;
  const out = {role: Number(game.user?.role ?? 0), userName: String(game.user?.name ?? ''),
               installed: !!(mod && mod.active), origin: location.origin,
               worldId: String(game.world?.id ?? ''), worldTitle: String(game.world?.title ?? ''),
               wsRelayUrl: '', clientId: '', pairedRelayUrl: ''};
  if (!out.installed) return out;
  for (const key of ['wsRelayUrl', 'clientId', 'pairedRelayUrl']) {
    try { const v = game.settings.get(id, key); out[key] = v == null ? '' : String(v); }
    catch (e) { out.installed = false; }
  }
  return out;
}
"""

_WRITE_PAIRING = """
async ([id, values]) => {
  for (const [key, value] of Object.entries(values)) await game.settings.set(id, key, value);
  return Object.keys(values).map((key) => String(game.settings.get(id, key) ?? ''));
}
"""


async def read_world(page: Page, *, timeout: float) -> WorldState:
    info = await evaluate_step(page, _READ_WORLD, MODULE_ID, stage="game-ready", timeout=timeout)
    return WorldState(
        role=int(info["role"]),
        user_name=str(info["userName"]),
        installed=bool(info["installed"]),
        origin=str(info["origin"]),
        world_id=str(info["worldId"]),
        world_title=str(info["worldTitle"]),
        ws_relay_url=str(info["wsRelayUrl"]),
        client_id=str(info["clientId"]),
        paired_relay_url=str(info["pairedRelayUrl"]),
    )


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
