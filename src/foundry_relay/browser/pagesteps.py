"""Steps on the Foundry page that the login flow and the world reader share: navigation,
in-page ``fetch`` and evaluation with their failures mapped to :class:`LaunchError`, and the
page scripts that read Foundry's forms and the world's state."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from ..errors import LaunchError


def page_base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def page_kind(page_url: str) -> str:
    path = urlsplit(page_url).path.rstrip("/")
    for name in ("auth", "setup", "join", "game", "players"):
        if path.endswith("/" + name) or path == name:
            return name
    return "other"


async def evaluate_step(page: Page, script: str, arg: Any, *, stage: str, timeout: float) -> Any:
    origin = origin_of(page.url)
    try:
        return await asyncio.wait_for(page.evaluate(script, arg), timeout)
    except TimeoutError as exc:
        raise LaunchError(
            f"Foundry at {origin} did not answer during {stage}",
            code="FOUNDRY_UNREACHABLE",
            stage=stage,
            foundryUrl=origin,
        ) from exc
    except PlaywrightError as exc:
        raise LaunchError(
            f"the page of {origin} failed during {stage}: {exc.message.splitlines()[0]}",
            code="FOUNDRY_UNREACHABLE",
            stage=stage,
            foundryUrl=origin,
        ) from exc


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


async def goto(page: Page, url: str, *, stage: str, timeout: float) -> None:
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    except PlaywrightError as exc:
        first = exc.message.splitlines()[0]
        raise LaunchError(
            f"could not load {url}: {first}",
            code="FOUNDRY_UNREACHABLE",
            stage=stage,
            foundryUrl=url,
        ) from exc


FETCH_JS = """
async ([url, method, body, form]) => {
  const init = {method, credentials: 'same-origin', redirect: 'follow', headers: {}};
  if (form) { init.body = new URLSearchParams(body); }
  else if (body !== null) { init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json'; }
  const r = await fetch(url, init);
  return {status: r.status, url: r.url, text: await r.text()};
}
"""

SETUP_WORLDS_JS = """
() => Array.from(document.querySelectorAll('li.package.world')).map(li => ({
  id: li.dataset.packageId || '',
  title: (li.querySelector('.package-title')?.textContent || '').trim(),
}))
"""

JOIN_FORM_JS = """
() => {
  const select = document.querySelector('select[name=userid]');
  if (select) return {kind: 'select', users: Array.from(select.options)
      .filter(o => o.value).map(o => ({id: o.value, name: o.textContent.trim(),
                                       disabled: o.disabled}))};
  if (document.querySelector('input[name=username]')) return {kind: 'username', users: []};
  return null;
}
"""

# The user's role and the module's pairing settings (SPEC 4.3 step 4), read in the same round
# trip as the game-ready wait; browser/world.py reads them again after a reload.
WORLD_STATE_JS = """
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

GAME_READY_JS = """
() => new Promise((resolve) => {
  const readWorld = __READ_WORLD__;
  const done = () => resolve({worldId: game.world?.id ?? '', worldTitle: game.world?.title ?? '',
                              userId: game.user?.id ?? game.userId ?? '',
                              state: readWorld('foundry-rest-api')});
  if (window.game && window.game.ready === true) return done();
  let fired = false;
  const once = () => { if (!fired) { fired = true; done(); } };
  if (window.Hooks && typeof Hooks.once === 'function') Hooks.once('ready', () => once());
  const timer = setInterval(() => {
    if (window.game && window.game.ready === true) { clearInterval(timer); once(); }
  }, 500);
})
""".replace("__READ_WORLD__", WORLD_STATE_JS.strip())


async def wait_for_function(
    page: Page, script: str, *, timeout: float, stage: str, code: str, message: str
) -> None:
    try:
        await page.wait_for_function(script, timeout=timeout * 1000, polling=100)
    except PlaywrightError as exc:
        raise LaunchError(message, code=code, stage=stage) from exc
