"""The headless session service: handshakes, launches, timers, ending (SPEC 3, 4).

Drives the pure state machine of :mod:`foundry_relay.core.sessions` with the browser engine and
the hub's events; each session's resources live in one :class:`LiveSession`. Every launch
releases its context, slot and token whatever happens; every await is bounded. Wire formats are
the routes' business.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from ..browser.engine import BrowserEngine
from ..browser.login import Timeouts
from ..browser.watchdog import reap_stale
from ..core.clients import ClientEntry
from ..core.handshake import (
    Credentials,
    Handshake,
    InProcessHandshakeStore,
    check_headers,
    open_envelope,
)
from ..core.ratelimit import RateLimiter
from ..core.sessions import InProcessSessionRegistry, Session, Timing
from ..core.urlpolicy import UrlPolicy
from ..errors import NotFound, RelayError
from ..server.keypool import KeyPool
from ..store import ApiKey
from .always_on import AlwaysOn
from .launch import Launcher, StartRequest
from .live import Holdings, LiveSession
from .pairing import PairingStep
from .urlguard import FoundryUrlGuard

if TYPE_CHECKING:
    from playwright.async_api import Page

    from ..server.shared_sessions import SharedSessions
    from ..server.state import RelayState

log = logging.getLogger(__name__)

MAX_KEPT_LOGS = 500


class HeadlessService:
    """Everything about headless sessions in this process."""

    def __init__(self, state: RelayState, *, engine: BrowserEngine | None = None) -> None:
        s = state.settings
        self.state = state
        self.settings = s
        self.timing = Timing(
            idle_timeout=s.headless_session_timeout,
            max_lifetime=s.headless_max_lifetime,
            client_grace=s.client_grace_seconds,
        )
        self.timeouts = Timeouts(
            navigation=s.navigation_timeout,
            world_launch=s.world_launch_timeout,
            game_ready=s.game_ready_timeout,
        )
        self.handshakes = InProcessHandshakeStore()
        self.sessions = InProcessSessionRegistry()
        self.keys = KeyPool()
        self.rate = RateLimiter(s.session_rate_limit)
        self.urls = FoundryUrlGuard(UrlPolicy.from_lists(s.foundry_url_allow, s.foundry_url_deny))
        # An engine handed in (tests share one browser per test session) is borrowed: this
        # service hears its crashes while it runs, and neither reaps nor stops it.
        self._own_engine = engine is None
        self.engine = engine or BrowserEngine(
            chrome_path=s.chrome_path,
            extra_args=s.chrome_args,
            keep_spare=s.headless_spare_context,
            home=s.data_dir / "browser-home",
            on_crash=self._crashed,
        )
        self.engine.set_crash_handler(self._crashed)
        self.live: dict[str, LiveSession] = {}  # live sessions, and finished ones' kept logs
        self.pairing = PairingStep(state, self.timeouts, lambda: list(self.live.values()))
        self.launcher = Launcher(self)
        self.always_on: AlwaysOn | None = None  # set by AlwaysOn itself (SPEC 16)
        self.shared: SharedSessions | None = None  # with Redis: every instance's sessions
        self._sweeper: asyncio.Task[None] | None = None
        self._idle: asyncio.TimerHandle | None = None  # closes the browser when nothing runs
        self._background: set[asyncio.Task[Any]] = set()
        self._stopping = False
        state.hub.hooks = self

    # -- lifecycle of the service ---------------------------------------------------------------

    async def open(self) -> None:
        if self._own_engine:
            reap_stale(self.engine.home)
        await self.keys.start()
        store = self.state.store
        alive = await self.shared.alive_instances() if self.shared is not None else []
        marked = await store.off_loop(store.mark_unfinished_sessions, "relay-shutdown", alive=alive)
        if marked:
            log.info("marked %d session(s) of a previous run as ended", marked)
        await AlwaysOn(self).open()
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="headless-sweeper")
        if self.settings.headless_prewarm:
            await self.engine.ensure_browser()

    async def close(self) -> None:
        """Stop accepting, end every session (``relay-shutdown``), close the browser."""
        self._stopping = True
        if self.always_on is not None:
            await self.always_on.close()
        await asyncio.gather(
            *(self._end(live, "relay-shutdown") for live in self._unfinished()),
            return_exceptions=True,
        )
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._idle is not None:
            self._idle.cancel()
        if self._own_engine:
            await self.engine.stop()
        else:
            self.engine.set_crash_handler(lambda: None)
        await self.keys.stop()

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(15)
            now = time.time()
            self.handshakes.sweep(now)
            for sid, live in list(self.live.items()):
                kept = live.diagnostics.kept_until
                if kept is not None and now >= kept:
                    del self.live[sid]

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _unfinished(self) -> list[LiveSession]:
        return [live for live in self.live.values() if not live.done.is_set()]

    def holdings(self) -> Holdings:
        lives = list(self.live.values())
        return Holdings(
            sessions=len(self.sessions.all()),
            pages=sum(1 for live in lives if live.page is not None),
            launches=sum(1 for live in lives if live.launch is not None),
            kept_logs=sum(1 for live in lives if live.done.is_set()),
        )

    # -- handshake ------------------------------------------------------------------------------

    async def handshake(
        self, key: ApiKey, *, foundry_url: str | None, username: str | None, world_name: str | None
    ) -> Handshake:
        if self._stopping:
            raise RelayError("the relay is shutting down", code="SHUTTING_DOWN")
        user = check_headers(foundry_url=foundry_url, username=username, world_name=world_name)
        url = await self.urls.check(foundry_url)
        await self.hit_rate(key.id)
        pair = await self.keys.current()
        hs = self.handshakes.create(
            key_id=key.id,
            foundry_url=url,
            username=user,
            world_name=(world_name or "").strip() or None,
            private_key=pair.private_key,
            public_pem=pair.public_pem,
            now=time.time(),
            ttl=self.settings.handshake_ttl_seconds,
            max_pending=self.settings.handshake_max_pending,
        )
        if self.shared is not None:  # a start on another instance is passed here
            await self.shared.handshake_made(hs)
        return hs

    # -- start ----------------------------------------------------------------------------------

    async def start_session(self, key_id: str, request: StartRequest) -> tuple[str, str]:
        """Launch a session; returns ``(sessionId, clientId)`` once its module connected."""
        if self._stopping:
            raise RelayError("the relay is shutting down", code="SHUTTING_DOWN")
        await self.hit_rate(key_id)
        hs = self.handshakes.consume(request.handshake_token, key_id, time.time())
        credentials = open_envelope(hs, request.encrypted_password)
        world = request.world_name or hs.world_name
        return await self.launch(key_id, hs.foundry_url, hs.username, world, credentials, request)

    async def hit_rate(self, key_id: str) -> None:
        """One session request of the key (``SESSION_RATE_LIMIT``; across instances with Redis)."""
        if self.shared is not None:
            await self.shared.hit_rate(self.rate, "session", key_id)
        else:
            self.rate.hit(key_id, time.monotonic())

    async def launch(
        self,
        key_id: str,
        foundry_url: str,
        username: str,
        world_name: str | None,
        credentials: Credentials,
        request: StartRequest,
    ) -> tuple[str, str]:
        """Launch a session with these credentials (a start, or an always-on world's stored
        login); ``(sessionId, clientId)`` once its module connected."""
        if self._stopping:
            raise RelayError("the relay is shutting down", code="SHUTTING_DOWN")
        if self._idle is not None:
            self._idle.cancel()
        session = self.sessions.reserve(
            key_id=key_id,
            foundry_url=foundry_url,
            username=username,
            world_name=world_name,
            now=time.time(),
            per_key_cap=self.settings.max_headless_sessions,
            total_cap=self.settings.max_total_headless_sessions,
        )
        if self.shared is not None:  # the caps count every instance's sessions
            try:
                await self.shared.reserve(session)
            except RelayError as exc:
                session.fail(exc.code, time.time())
                self.sessions.release(session)
                raise
        live = self.live[session.session_id] = LiveSession(session, launch=asyncio.current_task())
        log.info("session %s launching (key %s, %s as %s)", live.id, key_id, foundry_url, username)
        try:
            client_id = await self.launcher.run(live, credentials, request)
        except RelayError as exc:
            # Its owner can read /session/{id}/log and /screenshot of the failed start.
            exc.extra.setdefault("sessionId", live.id)
            self.state.stats.launch_failures[exc.code] += 1
            raise
        finally:
            self.state.stats.launch_finished(session.timeline, time.time())
            live.launch = None
            self._trim_kept_logs()
            self._when_idle()
        return live.id, client_id

    def _trim_kept_logs(self) -> None:
        """Keep the logs of at most MAX_KEPT_LOGS finished sessions (oldest go first), so a
        busy relay does not hoard screenshots until their TTL."""
        finished = [live for live in self.live.values() if live.diagnostics.kept_until]
        excess = len(finished) - MAX_KEPT_LOGS
        if excess > 0:
            finished.sort(key=lambda live: live.diagnostics.kept_until or 0.0)
            for live in finished[:excess]:
                self.live.pop(live.id, None)

    def enter_stage_of(self, session: Session, stage: str) -> None:
        if session.state == "launching":
            session.enter_stage(stage, time.time())
            log.info("session %s stage %s", session.session_id, stage)
            self.changed(session)

    def changed(self, session: Session) -> None:
        """A session's state, stage or client changed (other instances list it)."""
        if self.shared is not None:
            self.shared.changed(session)

    # -- end ------------------------------------------------------------------------------------

    def owned(self, key_id: str, session_id: str) -> LiveSession:
        """One of the key's sessions (live or with its log kept); the same 404 for others'."""
        live = self.live.get(session_id)
        if live is None or live.key_id != key_id:
            raise NotFound(f"no session '{session_id}'", code="SESSION_NOT_FOUND")
        return live

    async def end(self, key_id: str, session_id: str) -> None:
        live = self.owned(key_id, session_id)
        if live.session.state not in ("launching", "active"):
            raise NotFound(f"no session '{session_id}'", code="SESSION_NOT_FOUND")
        await self._end(live, "ended-by-user")

    async def _end(self, live: LiveSession, reason: str) -> None:
        session = live.session
        was_launching = session.state == "launching"
        began = session.begin_end(reason, time.time())
        self.changed(session)
        if not began:
            with contextlib.suppress(TimeoutError):  # another caller is ending it: wait, bounded
                await asyncio.wait_for(live.done.wait(), 30)
            return
        log.info("session %s ending: %s", live.id, reason)
        if was_launching:
            if live.launch is not None and not live.launch.done():
                live.launch.cancel()
            try:
                await asyncio.wait_for(live.done.wait(), 30)
            except TimeoutError:
                log.warning("session %s: launch did not stop in time", live.id)
            return
        live.cancel_timer()
        await self.launcher.release_token(live)
        if live.page is not None:
            if reason not in ("browser-crashed", "relay-shutdown"):
                live.diagnostics.screenshot = await live.page.screenshot()  # the last page
            live.keep_page_output()
            await live.page.close()
            live.page = None
        now = time.time()
        session.finish(now)
        live.client_claim = None
        live.diagnostics.kept_until = now + self.settings.diagnostics_ttl_seconds
        store = self.state.store
        try:  # its history is final before its slot is free
            await store.off_loop(
                store.record_session_state, live.id, "ended", reason=reason, ended_at=now
            )
        finally:
            self.sessions.release(session)
            self.changed(session)
        log.info("session %s ended: %s", live.id, reason)
        self._trim_kept_logs()
        live.done.set()
        self._when_idle()
        if self.always_on is not None:
            self.always_on.session_ended(session, reason)

    # -- idle -----------------------------------------------------------------------------------

    def _when_idle(self) -> None:
        """With no session running or launching, close the browser after the quiet period
        (``HEADLESS_IDLE_RELEASE``); a borrowed engine is never closed."""
        delay = self.settings.headless_idle_release
        if not self._own_engine or delay <= 0 or self._stopping or self._unfinished():
            return
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(
            delay, lambda: self._spawn(self._release_if_idle())
        )

    async def _release_if_idle(self) -> None:
        if self._stopping or self._unfinished() or self.engine.browser_pid is None:
            return
        await self.engine.release()
        log.info(
            "browser closed after %g s without a session (the next start launches it)",
            self.settings.headless_idle_release,
        )

    # -- timers ---------------------------------------------------------------------------------

    def arm_timer(self, live: LiveSession) -> None:
        live.cancel_timer()
        deadline = live.session.next_deadline(self.timing)
        if deadline is None:
            return
        delay = max(0.0, deadline[0] - time.time())
        live.timer = asyncio.get_running_loop().call_later(delay, self._on_timer, live)

    def _on_timer(self, live: LiveSession) -> None:
        live.timer = None
        if live.session.state != "active":
            return
        reason = live.session.expired(time.time(), self.timing)
        if reason is None:
            self.arm_timer(live)  # activity moved the deadline: exact re-arm
        else:
            self._spawn(self._end(live, reason))

    # -- hub hooks ------------------------------------------------------------------------------

    def _active(self, entry: ClientEntry) -> LiveSession | None:
        live = self.live.get(entry.session_id or "")
        return live if live is not None and live.session.state == "active" else None

    def client_authenticated(self, entry: ClientEntry) -> None:
        live = self._active(entry)
        if live is not None and live.session.dropped_at is not None:
            live.session.client_returned(time.time())
            self.changed(live.session)
            log.info("session %s: client %s reconnected", live.id, entry.client_id)
            self.arm_timer(live)

    def client_gone(self, entry: ClientEntry) -> None:
        live = self._active(entry)
        if live is not None:
            live.session.client_dropped(time.time())
            self.changed(live.session)
            log.info(
                "session %s: client %s dropped; grace %gs",
                live.id,
                entry.client_id,
                self.timing.client_grace,
            )
            self.arm_timer(live)

    def client_touched(self, entry: ClientEntry) -> None:
        live = self._active(entry)
        if live is not None:
            live.session.touch(time.time())

    def gone_session_client(self, key_id: str, client_id: str) -> bool:
        return any(
            s.client_id == client_id and s.state == "active" and s.dropped_at is not None
            for s in self.sessions.for_key(key_id)
        )

    # -- browser crash --------------------------------------------------------------------------

    def _crashed(self) -> None:
        for live in self._unfinished():
            if live.session.state == "active":
                self._spawn(self._end(live, "browser-crashed"))
            elif live.session.state == "launching":
                if live.launch is not None and not live.launch.done():
                    live.crash_cancelled = True
                    live.launch.cancel()

    # -- queries --------------------------------------------------------------------------------

    def sessions_of(self, key_id: str) -> list[Session]:
        """The key's launching and active sessions, oldest first."""
        return sorted(self.sessions.for_key(key_id), key=lambda s: s.started_at)

    def page_of(self, session_id: str) -> Page | None:
        live = self.live.get(session_id)
        return live.page.page if live is not None and live.page is not None else None

    async def screenshot(self, key_id: str, session_id: str) -> bytes:
        live = self.owned(key_id, session_id)
        if live.page is not None:
            png = await live.page.screenshot()
            if png is not None:
                return png
        if live.diagnostics.screenshot is None:
            raise NotFound("no screenshot kept for this session", code="SESSION_NOT_FOUND")
        return live.diagnostics.screenshot
