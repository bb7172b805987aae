"""The shared headless Chromium (SPEC 4.4): one browser, one isolated context per session.

Playwright for Python drives the system Chromium; Playwright's own browser download is never
used. Playwright exceptions never leave this package: they become :class:`LaunchError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from ..errors import LaunchError
from .chromium import chromium_args, find_chromium
from .scripts import SEED_SCRIPT, WEBSOCKET_GUARD
from .watchdog import marker_prefix, start_watchdog, stop_watchdog

log = logging.getLogger(__name__)


@dataclass
class SessionPage:
    """A session's context and page, with what it captured for diagnostics."""

    context: BrowserContext
    page: Page
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: str | None = None  # a navigation the URL policy refused
    closed: bool = False

    async def close(self) -> None:
        """Close the context (idempotent); its renderer process exits."""
        if self.closed:
            return
        self.closed = True
        try:
            await asyncio.wait_for(self.context.close(), 10)
        except (PlaywrightError, TimeoutError):
            log.debug("context close failed", exc_info=True)

    async def screenshot(self) -> bytes | None:
        if self.closed:
            return None
        try:
            return await self.page.screenshot(type="png", timeout=3000)
        except PlaywrightError:
            return None


NavigationGuard = Callable[[str], Awaitable[str | None]]  # None: allowed; else why not

_LEVELS = {
    "error": ("error",),
    "warn": ("error", "warning"),
    "debug": ("error", "warning", "info", "log", "debug"),
}


class BrowserEngine:
    """Owns Playwright and the one shared browser; restarts it after a crash."""

    def __init__(
        self,
        *,
        chrome_path: str | None,
        home: Path,
        on_crash: Callable[[], None],
        extra_args: list[str] | None = None,
        keep_spare: bool = True,
    ) -> None:
        self.chrome_path = chrome_path
        self.home = home
        self.extra_args = list(extra_args or [])
        self._on_crash = on_crash
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._browser_pid: int | None = None
        # Chromium ignores unknown switches; this one finds our process (and, after a crash of
        # the relay, the stale browsers of this data folder).
        self.marker = f"{marker_prefix(home)}{secrets.token_hex(4)}"
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._guard_tasks: set[asyncio.Task[None]] = set()
        self.keep_spare = keep_spare
        self._spare: tuple[BrowserContext, Page] | None = None
        self._spare_task: asyncio.Future[None] | None = None
        self._lock = asyncio.Lock()
        self._handles: list[SessionPage] = []
        self._stopping = False
        self.executable: str | None = None

    def set_crash_handler(self, on_crash: Callable[[], None]) -> None:
        """Who hears about a crash (a shared engine's current user)."""
        self._on_crash = on_crash

    @property
    def browser_pid(self) -> int | None:
        """The pid of the running browser's main process (None when none runs)."""
        if self._browser is None or not self._browser.is_connected():
            return None
        return self._browser_pid

    def _find_browser_pid(self) -> int | None:
        """Find our browser's main process by the marker switch on its command line."""
        for proc in psutil.process_iter(["cmdline"]):
            cmd = proc.info.get("cmdline") or []
            if (
                self.marker in cmd
                and cmd[0] == self.executable
                and not any(a.startswith("--type=") for a in cmd)
            ):
                return int(proc.pid)
        return None

    async def ensure_browser(self) -> Browser:
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            self.executable = find_chromium(self.chrome_path)
            try:
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                self.home.mkdir(parents=True, exist_ok=True)
                env: dict[str, str | float | bool] = dict(os.environ)
                env["HOME"] = str(self.home)
                browser = await self._playwright.chromium.launch(
                    executable_path=self.executable,
                    headless=True,
                    args=[*chromium_args(), *self.extra_args, self.marker],
                    env=env,
                    chromium_sandbox=False,
                    handle_sigint=False,
                    handle_sigterm=False,
                    handle_sighup=False,
                )
            except PlaywrightError as exc:
                raise LaunchError(
                    f"Chromium failed to start: {exc.message.splitlines()[0]}",
                    code="BROWSER_FAILED",
                    stage="browser",
                ) from exc
            browser.on("disconnected", lambda _b: self._disconnected(browser))
            self._browser = browser
            self._browser_pid = self._find_browser_pid()
            if self._watchdog is None or self._watchdog.poll() is not None:
                self._watchdog = start_watchdog(self.marker)
            log.info("browser started: %s %s", self.executable, browser.version)
            return browser

    def _disconnected(self, browser: Browser) -> None:
        if self._browser is browser:
            self._browser = None
            self._spare = None
        if not self._stopping:
            log.warning("the browser disconnected (crashed or killed)")
            self._on_crash()

    async def new_session_page(
        self,
        *,
        seed: dict[str, Any],
        capture_console: str,
        navigation_guard: NavigationGuard | None = None,
        allowed_ws_origins: list[str] | None = None,
    ) -> SessionPage:
        browser = await self.ensure_browser()
        spare, self._spare = self._spare, None
        try:
            if spare is not None and spare[0].browser is browser:
                context, page = spare
            else:
                context, page = await self._fresh_context(browser)
        except PlaywrightError as exc:
            raise LaunchError(
                f"could not open a browser context: {exc.message.splitlines()[0]}",
                code="BROWSER_FAILED",
                stage="browser",
            ) from exc
        handle = SessionPage(context=context, page=page)
        try:
            # Applies to every document the page loads from now on, before any page script.
            script = SEED_SCRIPT % json.dumps({k: json.dumps(v) for k, v in seed.items()})
            if allowed_ws_origins is not None:
                script = WEBSOCKET_GUARD % json.dumps(allowed_ws_origins) + script
            await context.add_init_script(script)  # one round trip for both
            if navigation_guard is not None:
                await self._guard_navigations(handle, navigation_guard)
        except BaseException as exc:
            # Failed or cancelled before the caller got the handle: nobody else can close it.
            await handle.close()
            if isinstance(exc, PlaywrightError):
                raise LaunchError(
                    f"could not prepare a browser context: {exc.message.splitlines()[0]}",
                    code="BROWSER_FAILED",
                    stage="browser",
                ) from exc
            raise
        self._handles = [h for h in self._handles if not h.closed] + [handle]
        levels = _LEVELS.get(capture_console, ())
        if levels:

            def on_console(msg: Any) -> None:
                if msg.type in levels and len(handle.console) < 500:
                    handle.console.append(f"[{msg.type}] {msg.text}"[:2000])

            page.on("console", on_console)

        def on_error(exc: Any) -> None:
            if len(handle.page_errors) < 50:
                handle.page_errors.append(str(exc)[:2000])

        page.on("pageerror", on_error)
        self._refill(browser)
        return handle

    @staticmethod
    async def _fresh_context(browser: Browser) -> tuple[BrowserContext, Page]:
        context = await browser.new_context(
            viewport={"width": 1280, "height": 720}, service_workers="block"
        )
        try:
            return context, await context.new_page()
        except BaseException:  # failed or cancelled: the context must not outlive this call
            with contextlib.suppress(PlaywrightError):
                await context.close()
            raise

    def _refill(self, browser: Browser) -> None:
        """Prepare the next session's context while idle (a start then skips creating one)."""
        if not self.keep_spare or self._spare is not None or self._stopping:
            return
        if self._spare_task is not None and not self._spare_task.done():
            return

        async def fill() -> None:
            try:
                context, page = await self._fresh_context(browser)
            except PlaywrightError:
                return
            if self._stopping or self._browser is not browser or self._spare is not None:
                with contextlib.suppress(PlaywrightError):
                    await context.close()
                return
            self._spare = (context, page)

        self._spare_task = asyncio.ensure_future(fill())

    @property
    def spare_context(self) -> BrowserContext | None:
        return self._spare[0] if self._spare is not None else None

    def context_count(self) -> int:
        """All open contexts of the running browser (sessions', and the spare or the one being
        prepared as the next spare)."""
        browser = self._browser
        return len(browser.contexts) if browser is not None and browser.is_connected() else 0

    def session_contexts(self) -> list[BrowserContext]:
        """Contexts handed to sessions and not closed yet (the spare one is the engine's)."""
        self._handles = [h for h in self._handles if not h.closed]
        return [h.context for h in self._handles]

    async def _guard_navigations(self, handle: SessionPage, guard: NavigationGuard) -> None:
        """Check every document request of the page, redirects included, before it is sent.

        Only documents are intercepted (CDP ``Fetch`` with ``resourceType: Document``), so the
        page's own subresources and scripts pay nothing.
        """
        try:
            cdp = await handle.context.new_cdp_session(handle.page)
        except PlaywrightError as exc:
            raise LaunchError(
                "could not watch the page's navigations", code="BROWSER_FAILED", stage="browser"
            ) from exc

        async def paused(event: dict[str, Any]) -> None:
            request_id, url = event["requestId"], event["request"]["url"]
            try:
                verdict = await guard(url)
            except Exception:
                verdict = "the relay could not check this address"
            try:
                if verdict is None:
                    await cdp.send("Fetch.continueRequest", {"requestId": request_id})
                else:
                    handle.blocked = f"{url.split('?')[0]}: {verdict}"
                    log.warning("blocked a navigation: %s", verdict)
                    await cdp.send(
                        "Fetch.failRequest",
                        {"requestId": request_id, "errorReason": "BlockedByClient"},
                    )
            except PlaywrightError:
                log.debug("navigation guard reply failed", exc_info=True)

        def on_paused(event: dict[str, Any]) -> None:
            task = asyncio.ensure_future(paused(event))
            self._guard_tasks.add(task)
            task.add_done_callback(self._guard_tasks.discard)

        cdp.on("Fetch.requestPaused", on_paused)
        pattern = {"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}
        try:
            await cdp.send("Fetch.enable", {"patterns": [pattern]})
        except PlaywrightError as exc:
            raise LaunchError(
                "could not watch the page's navigations", code="BROWSER_FAILED", stage="browser"
            ) from exc

    async def release(self) -> None:
        """Close the browser, its spare context and the driver while idle; the next session
        starts them again (``ensure_browser``)."""
        async with self._lock:
            await self.stop()
            self._stopping = False

    async def stop(self) -> None:
        self._stopping = True
        if self._spare_task is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self._spare_task, 5)
        self._spare = None
        browser, self._browser = self._browser, None
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), 10)
            except (PlaywrightError, TimeoutError):
                log.debug("browser close failed", exc_info=True)
        stop_watchdog(self._watchdog)
        self._watchdog = None
        if self._playwright is not None:
            try:
                await self._playwright.stop()
            except Exception:
                log.debug("playwright stop failed", exc_info=True)
            self._playwright = None
