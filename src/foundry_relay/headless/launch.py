"""Launching one headless session (SPEC 4.3): the per-session token, the browser context, the
login, the pairing step and the wait for the module; a failure at any step releases all of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..browser.login import LoginTarget, login
from ..core.pairing import ws_origin
from ..errors import LaunchError, NotFound, RelayError
from .live import LiveSession

if TYPE_CHECKING:
    from playwright.async_api import Page

    from .service import HeadlessService

log = logging.getLogger(__name__)

MODULE_HINT = (
    "the Foundry module did not connect to this relay within {timeout:g} s although the world is"
    " paired with it ({url}): is foundry-rest-api enabled for this world, and can the Foundry page"
    " reach {url}? The session log and screenshot show the page."
)


@dataclass(frozen=True)
class StartRequest:
    """A validated ``POST /start-session`` body."""

    handshake_token: str
    encrypted_password: str
    world_name: str | None = None
    capture_console: str = ""
    repair: bool = False


class Launcher:
    def __init__(self, service: HeadlessService) -> None:
        self.service = service

    async def run(self, live: LiveSession, credentials: Any, request: StartRequest) -> str:
        """Launch ``live``; its clientId once the module connected, else a LaunchError (the
        session failed and released everything it held)."""
        try:
            return await self._steps(live, credentials, request)
        except asyncio.CancelledError:
            error = self._cancelled(live)
            await self._fail(live, error)
            if error.code == "BROWSER_FAILED":
                raise error from None
            raise
        except Exception as exc:
            error = self._as_launch_error(live, exc)
            await self._fail(live, error)
            if error is exc:
                raise
            raise error from exc
        finally:
            if live.token_id is not None:  # still live (activated): stop waiting for it
                self.service.state.hub.forget_token(live.token_id)

    async def _steps(self, live: LiveSession, credentials: Any, request: StartRequest) -> str:
        session, store = live.session, self.service.state.store
        # Inside the try of _launch: a store failure here releases the slot like any failure.
        await store.off_loop(
            store.record_session_start,
            session_id=live.id,
            key_id=session.key_id,
            foundry_url=session.foundry_url,
            username=session.username,
            world_name=session.world_name,
            started_at=session.started_at,
            instance_id=self.service.state.instance_id,
        )
        record, plaintext = await store.off_loop(
            store.create_token, session.key_id, session_id=live.id
        )
        live.token_id = record.id
        waiter = self.service.state.hub.wait_for_token(record.id)
        self.service.enter_stage_of(session, "browser")
        page = await self._open_page(live, plaintext, request.capture_console)
        target = LoginTarget(session.foundry_url, session.username, session.world_name)
        game = await login(
            page,
            target=target,
            credentials=credentials,
            timeouts=self.service.timeouts,
            on_stage=lambda st: self.service.enter_stage_of(session, st),
        )
        await self.service.pairing.run(live, page, target, repair=request.repair, state=game.state)
        self.service.enter_stage_of(session, "module-connect")
        timeout = self.service.settings.module_connect_timeout
        try:
            entry = await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError as exc:
            hint = MODULE_HINT.format(timeout=timeout, url=self.service.state.relay_ws_url)
            raise LaunchError(hint, code="MODULE_NOT_CONNECTED", stage="module-connect") from exc
        if session.state != "launching":
            raise asyncio.CancelledError
        session.activate(entry.client_id, time.time())
        self.service.changed(session)
        await store.off_loop(
            store.record_session_state, live.id, "active", client_id=entry.client_id
        )
        self.service.arm_timer(live)
        log.info("session %s active (client %s)", live.id, entry.client_id)
        return entry.client_id

    async def _open_page(self, live: LiveSession, token: str, capture: str) -> Page:
        # Only client-scope settings live in localStorage: the token (and no canvas). The relay
        # URL and clientId are world settings, handled once the game is ready (PairingStep).
        seed: dict[str, Any] = {"foundry-rest-api.connectionToken": token}
        if not self.service.settings.headless_canvas:
            seed["core.noCanvas"] = True
        origins = {ws_origin(url) for url in self.service.state.own_relay_urls()}
        live.page = await self.service.engine.new_session_page(
            seed=seed,
            capture_console=capture,
            navigation_guard=self.service.urls.verdict,
            allowed_ws_origins=sorted(o for o in origins if o),
        )
        return live.page.page

    def _cancelled(self, live: LiveSession) -> LaunchError:
        stage = live.session.stage
        if live.crash_cancelled:
            live.crash_cancelled = False
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            return LaunchError(
                "the browser crashed during the launch", code="BROWSER_FAILED", stage=stage
            )
        return LaunchError("the launch was cancelled", code="LAUNCH_CANCELLED", stage=stage)

    def _as_launch_error(self, live: LiveSession, exc: Exception) -> LaunchError:
        stage = live.session.stage
        blocked = live.page.blocked if live.page is not None else None
        if isinstance(exc, RelayError) and exc.code == "FOUNDRY_URL_FORBIDDEN":
            blocked = None
        if blocked and isinstance(exc, LaunchError):
            return LaunchError(
                f"the Foundry URL led (by redirect) to an address the relay's policy forbids:"
                f" {blocked}",
                code="FOUNDRY_URL_FORBIDDEN",
                stage=exc.stage,
            )
        if isinstance(exc, LaunchError):
            return exc
        if isinstance(exc, RelayError):
            return LaunchError(exc.message, code=exc.code, stage=stage, **exc.extra)
        log.exception("session %s: unexpected launch error", live.id)
        return LaunchError(
            f"the launch failed unexpectedly: {type(exc).__name__}", code="INTERNAL", stage=stage
        )

    async def _fail(self, live: LiveSession, error: LaunchError) -> None:
        """Record a failed launch and release everything it held."""
        session, now = live.session, time.time()
        diag = live.diagnostics
        diag.failure = {
            "code": error.code,
            "stage": error.stage or session.stage,
            "error": error.message,
        }
        if live.page is not None:
            if error.code not in ("LAUNCH_CANCELLED", "BROWSER_FAILED"):
                diag.screenshot = await live.page.screenshot()
            live.keep_page_output()
            await live.page.close()
            live.page = None
        diag.kept_until = now + self.service.settings.diagnostics_ttl_seconds
        await self.release_token(live)
        if session.state == "launching":
            session.fail(error.code, now)
            state, reason = "failed", error.code
        else:  # ended by its owner or by shutdown while launching
            if session.state == "ending":
                session.finish(now)
            state, reason = "ended", session.reason or error.code
        live.client_claim = None
        store = self.service.state.store
        try:  # its history is final before its slot is free
            await store.off_loop(
                store.record_session_state, live.id, state, reason=reason, ended_at=now
            )
        finally:
            self.service.sessions.release(session)
            self.service.changed(session)
        log.info("session %s %s: %s at stage %s", live.id, state, reason, error.stage)
        live.done.set()

    async def release_token(self, live: LiveSession) -> None:
        """Revoke the session's token and close the socket that authenticated with it."""
        token_id, live.token_id = live.token_id, None
        if token_id is None:
            return
        self.service.state.hub.forget_token(token_id)
        with contextlib.suppress(NotFound):
            await self.service.state.store.off_loop(self.service.state.store.revoke_token, token_id)
        hub = self.service.state.hub
        for entry in hub.registry.for_key(live.key_id):
            if entry.token_id == token_id:
                conn = entry.connection
                hub.unregister(entry)
                close = getattr(conn, "close", None)
                if close is not None:
                    await close("session-ended")
