"""Headless sessions, the I/O side: handshakes, launches, timers, ending, diagnostics.

Drives the pure state machine of :mod:`foundry_relay.core.sessions` with the browser engine and
the hub's events. Every launch releases its context, slot and token whatever happens; every
await is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..browser.engine import BrowserEngine, SessionPage
from ..browser.login import (
    GM_ROLE,
    LoginTarget,
    Timeouts,
    WorldState,
    login,
    read_world,
    reload_game,
    write_world_settings,
)
from ..browser.watchdog import reap_stale
from ..core.clients import METADATA_FIELDS, ClientEntry
from ..core.handshake import InProcessHandshakeStore, open_envelope
from ..core.pairing import WorldPairing, decide, ws_origin
from ..core.ratelimit import RateLimiter
from ..core.sessions import InProcessSessionRegistry, Session, Timing
from ..core.urlpolicy import UrlPolicy, parse_foundry_url
from ..credentials import new_client_id
from ..errors import BadRequest, LaunchError, NotFound, RelayError
from ..store import ApiKey
from .keypool import KeyPool

if TYPE_CHECKING:
    from .state import RelayState

log = logging.getLogger(__name__)

DNS_CACHE_SECONDS = 30.0
MAX_DIAGNOSTICS = 500
MODULE_HINT = (
    "the Foundry module did not connect to this relay within {timeout:g} s although the world is"
    " paired with it ({url}): is foundry-rest-api enabled for this world, and can the Foundry page"
    " reach {url}? The session log and screenshot show the page."
)


@dataclass
class Diagnostics:
    session_id: str
    key_id: str
    session: Session
    failure: dict[str, Any] | None = None
    console: list[str] = field(default_factory=list)
    screenshot: bytes | None = None
    kept_until: float | None = None

    def as_json(self) -> dict[str, Any]:
        s = self.session
        return {
            "sessionId": s.session_id,
            "state": s.state,
            "stage": s.stage,
            "reason": s.reason,
            "startedAt": int(s.started_at * 1000),
            "endedAt": int(s.ended_at * 1000) if s.ended_at else None,
            "timeline": [
                {"at": int(at * 1000), "event": event, "detail": detail}
                for at, event, detail in s.timeline
            ],
            "failure": self.failure,
            "console": list(self.console),
            "hasScreenshot": self.screenshot is not None,
        }


def _ms(t: float) -> int:
    return int(t * 1000)


class HeadlessService:
    """Everything about headless sessions in this process."""

    def __init__(self, state: RelayState) -> None:
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
        self.policy = UrlPolicy.from_lists(s.foundry_url_allow, s.foundry_url_deny)
        self.engine = BrowserEngine(
            chrome_path=s.chrome_path,
            extra_args=s.chrome_args,
            keep_spare=s.headless_spare_context,
            home=s.data_dir / "browser-home",
            on_crash=self._crashed,
        )
        self.pages: dict[str, SessionPage] = {}
        self.token_ids: dict[str, str] = {}
        self.launches: dict[str, asyncio.Task[Any]] = {}
        self.finished: dict[str, asyncio.Event] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.diagnostics: dict[str, Diagnostics] = {}
        self.claims: dict[str, str] = {}  # session id -> the clientId its world uses
        self._crash_cancelled: set[str] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._dns: dict[str, tuple[float, list[str]]] = {}
        state.hub.hooks = self

    # -- lifecycle of the service -------------------------------------------------------------

    async def open(self) -> None:
        reap_stale(self.engine.home)
        await self.keys.start()
        marked = self.state.store.mark_unfinished_sessions("relay-shutdown")
        if marked:
            log.info("marked %d session(s) of a previous run as ended", marked)
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="headless-sweeper")
        if self.settings.headless_prewarm:
            await self.engine.ensure_browser()

    async def close(self) -> None:
        """Stop accepting, end every session (``relay-shutdown``), close the browser."""
        self._stopping = True
        await asyncio.gather(
            *(self._end(s, "relay-shutdown") for s in self.sessions.all()),
            return_exceptions=True,
        )
        if self._sweeper is not None:
            self._sweeper.cancel()
        await self.engine.stop()
        await self.keys.stop()

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(15)
            now = time.time()
            self.handshakes.sweep(now)
            for sid, diag in list(self.diagnostics.items()):
                if diag.kept_until is not None and now >= diag.kept_until:
                    del self.diagnostics[sid]

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- handshake ----------------------------------------------------------------------------

    async def _resolve(self, host: str) -> list[str]:
        """The host's addresses (IP literals need no lookup; lookups are cached briefly)."""
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        now = time.monotonic()
        cached = self._dns.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
            addresses = sorted({str(info[4][0]) for info in infos})
        except OSError:
            addresses = []
        if len(self._dns) > 1000:
            self._dns.clear()
        self._dns[host] = (now + DNS_CACHE_SECONDS, addresses)
        return addresses

    async def check_foundry_url(self, url: str | None) -> str:
        normalised, host = parse_foundry_url(url)
        self.policy.check(host, await self._resolve(host))
        return normalised

    async def navigation_verdict(self, url: str) -> str | None:
        """The browser's guard: None if the page may load ``url``, else the reason."""
        scheme = urlsplit(url).scheme
        if scheme in ("about", "data", "blob"):
            return None
        try:
            await self.check_foundry_url(url)
        except RelayError as exc:
            return exc.message
        return None

    async def handshake(
        self,
        key: ApiKey,
        *,
        foundry_url: str | None,
        username: str | None,
        world_name: str | None,
    ) -> dict[str, Any]:
        if self._stopping:
            raise RelayError("the relay is shutting down", code="SHUTTING_DOWN")
        if not username or not username.strip():
            raise BadRequest("x-username header is required")
        url = await self.check_foundry_url(foundry_url)
        self.rate.hit(key.id, time.monotonic())
        pair = await self.keys.current()
        now = time.time()
        hs = self.handshakes.create(
            key_id=key.id,
            foundry_url=url,
            username=username.strip(),
            world_name=(world_name or "").strip() or None,
            private_key=pair.private_key,
            public_pem=pair.public_pem,
            now=now,
            ttl=self.settings.handshake_ttl_seconds,
            max_pending=self.settings.handshake_max_pending,
        )
        expires = datetime.fromtimestamp(hs.expires_at, UTC).isoformat().replace("+00:00", "Z")
        return {
            "token": hs.token,
            "publicKey": hs.public_pem,
            "nonce": hs.nonce,
            "expires": expires,
            "instanceId": self.state.instance_id,
            "foundryUrl": hs.foundry_url,
            "username": hs.username,
        }

    # -- start --------------------------------------------------------------------------------

    async def start_session(self, key: ApiKey, body: dict[str, Any]) -> dict[str, Any]:
        if self._stopping:
            raise RelayError("the relay is shutting down", code="SHUTTING_DOWN")
        token, encrypted = body.get("handshakeToken"), body.get("encryptedPassword")
        if (
            not isinstance(token, str)
            or not token
            or not isinstance(encrypted, str)
            or not encrypted
        ):
            raise BadRequest("handshakeToken and encryptedPassword (strings) are required")
        world_override = body.get("worldName")
        if world_override is not None and not isinstance(world_override, str):
            raise BadRequest("worldName must be a string")
        capture = body.get("captureBrowserConsole", self.settings.capture_browser_console)
        if capture is None:
            capture = ""
        if capture not in ("", "error", "warn", "debug"):
            raise BadRequest("captureBrowserConsole must be 'error', 'warn' or 'debug'")
        repair = body.get("repair", False)
        if not isinstance(repair, bool):
            raise BadRequest("repair must be a boolean")
        self.rate.hit(key.id, time.monotonic())
        hs = self.handshakes.consume(token, key.id, time.time())
        credentials = open_envelope(hs, encrypted)
        world = (world_override or "").strip() or hs.world_name
        session = self.sessions.reserve(
            key_id=key.id,
            foundry_url=hs.foundry_url,
            username=hs.username,
            world_name=world,
            now=time.time(),
            per_key_cap=self.settings.max_headless_sessions,
            total_cap=self.settings.max_total_headless_sessions,
        )
        sid = session.session_id
        self.finished[sid] = asyncio.Event()
        self.diagnostics[sid] = Diagnostics(sid, key.id, session)
        current = asyncio.current_task()
        assert current is not None
        self.launches[sid] = current
        log.info(
            "session %s launching (key %s, %s as %s)", sid, key.id, hs.foundry_url, hs.username
        )
        try:
            return await self._launch(session, credentials, capture, repair)
        except RelayError as exc:
            # Its owner can read /session/{id}/log and /screenshot of the failed start.
            exc.extra.setdefault("sessionId", sid)
            raise
        finally:
            self.launches.pop(sid, None)
            self._trim_diagnostics()

    def _trim_diagnostics(self) -> None:
        """Keep the diagnostics of at most MAX_DIAGNOSTICS finished sessions (oldest go first),
        so a busy relay does not hoard screenshots until their TTL."""
        finished = [d for d in self.diagnostics.values() if d.kept_until is not None]
        excess = len(finished) - MAX_DIAGNOSTICS
        if excess > 0:
            for diag in sorted(finished, key=lambda d: d.kept_until or 0.0)[:excess]:
                self.diagnostics.pop(diag.session_id, None)

    def _stage(self, session: Session, stage: str) -> None:
        if session.state == "launching":
            session.enter_stage(stage, time.time())
            log.info("session %s stage %s", session.session_id, stage)

    async def _launch(
        self, session: Session, credentials: Any, capture: str, repair: bool
    ) -> dict[str, Any]:
        sid = session.session_id
        token_id: str | None = None
        try:
            # Inside the try: a store failure here must release the slot like any failure.
            self.state.store.record_session_start(
                session_id=sid,
                key_id=session.key_id,
                foundry_url=session.foundry_url,
                username=session.username,
                world_name=session.world_name,
                started_at=session.started_at,
            )
            record, plaintext = self.state.store.create_token(session.key_id, session_id=sid)
            token_id = self.token_ids[sid] = record.id
            waiter = self.state.hub.wait_for_token(record.id)
            self._stage(session, "browser")
            # Only client-scope settings live in localStorage: the token (and no canvas). The
            # relay URL and clientId are world settings, handled once the game is ready.
            seed: dict[str, Any] = {"foundry-rest-api.connectionToken": plaintext}
            if not self.settings.headless_canvas:
                seed["core.noCanvas"] = True
            own_origins = {ws_origin(u) for u in self.state.own_relay_urls()}
            handle = await self.engine.new_session_page(
                seed=seed,
                capture_console=capture,
                navigation_guard=self.navigation_verdict,
                allowed_ws_origins=sorted(o for o in own_origins if o),
            )
            self.pages[sid] = handle
            target = LoginTarget(session.foundry_url, session.username, session.world_name)
            await login(
                handle.page,
                target=target,
                credentials=credentials,
                timeouts=self.timeouts,
                on_stage=lambda st: self._stage(session, st),
            )
            await self._pair_world(session, handle.page, target, repair=repair)
            self._stage(session, "module-connect")
            try:
                entry = await asyncio.wait_for(
                    asyncio.shield(waiter), self.settings.module_connect_timeout
                )
            except TimeoutError as exc:
                raise LaunchError(
                    MODULE_HINT.format(
                        timeout=self.settings.module_connect_timeout,
                        url=self.state.relay_ws_url,
                    ),
                    code="MODULE_NOT_CONNECTED",
                    stage="module-connect",
                ) from exc
            if session.state != "launching":
                raise asyncio.CancelledError
            now = time.time()
            session.activate(entry.client_id, now)
            self.state.store.record_session_state(sid, "active", client_id=entry.client_id)
            self._arm_timer(session)
            log.info("session %s active (client %s)", sid, entry.client_id)
            return {"success": True, "sessionId": sid, "clientId": entry.client_id}
        except LaunchError as exc:
            failed_page = self.pages.get(sid)
            if (
                failed_page is not None
                and failed_page.blocked
                and exc.code != "FOUNDRY_URL_FORBIDDEN"
            ):
                blocked = LaunchError(
                    "the Foundry URL led (by redirect) to an address the relay's policy forbids:"
                    f" {failed_page.blocked}",
                    code="FOUNDRY_URL_FORBIDDEN",
                    stage=exc.stage,
                )
                await self._fail(session, blocked)
                raise blocked from exc
            await self._fail(session, exc)
            raise
        except asyncio.CancelledError:
            if sid in self._crash_cancelled:
                self._crash_cancelled.discard(sid)
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                error = LaunchError(
                    "the browser crashed during the launch",
                    code="BROWSER_FAILED",
                    stage=session.stage,
                )
                await self._fail(session, error)
                raise error from None
            await self._fail(
                session,
                LaunchError(
                    "the launch was cancelled", code="LAUNCH_CANCELLED", stage=session.stage
                ),
            )
            raise
        except RelayError as exc:
            error = LaunchError(exc.message, code=exc.code, stage=session.stage)
            await self._fail(session, error)
            raise error from exc
        except Exception as exc:
            log.exception("session %s: unexpected launch error", sid)
            error = LaunchError(
                f"the browser failed: {type(exc).__name__}",
                code="BROWSER_FAILED",
                stage=session.stage,
            )
            await self._fail(session, error)
            raise error from exc
        finally:
            if token_id is not None:
                self.state.hub.forget_token(token_id)

    # -- the world's pairing (SPEC 4.3 step 4, 4.5) ------------------------------------------------

    def _note(self, session: Session, event: str, detail: str) -> None:
        session.note(time.time(), event, detail)
        log.info("session %s: %s (%s)", session.session_id, event, detail)

    async def _pair_world(
        self, session: Session, page: Any, target: LoginTarget, *, repair: bool
    ) -> str:
        """Decide, before the module connects (about 1 s after ready), whether this world's
        module will connect here; auto-pair a never-paired world (or re-pair on request)."""
        world = await read_world(page, timeout=self.timeouts.navigation)
        title = world.world_title or world.world_id
        if world.role != GM_ROLE:
            raise LaunchError(
                f"user {world.user_name!r} is not a Gamemaster (role {world.role}): the module"
                " connects only for a full GM (role 4)",
                code="FOUNDRY_USER_NOT_GM",
                stage="game-ready",
                role=world.role,
            )
        if not world.installed:
            raise LaunchError(
                f"the foundry-rest-api module is not installed or not enabled in world {title!r}",
                code="MODULE_NOT_INSTALLED",
                stage="game-ready",
            )
        pairing = WorldPairing(world.ws_relay_url, world.client_id, world.paired_relay_url)
        decision = decide(pairing, self.state.own_relay_urls())
        store = self.state.store
        if decision.verdict == "elsewhere" and not repair:
            self._note(session, "pairing", f"paired elsewhere: {decision.other_url}")
            raise LaunchError(
                f"world {title!r} is paired with another relay ({decision.other_url}); start"
                ' with "repair": true to pair it with this relay instead (its GMs\' own'
                " browsers will then have to pair again)",
                code="WORLD_PAIRED_ELSEWHERE",
                stage="game-ready",
                relayUrl=decision.other_url,
            )
        if decision.verdict == "here":
            self._claim(session, world.client_id, title)
            store.remember_client(
                session.key_id,
                world.client_id,
                world_id=world.world_id,
                world_title=world.world_title,
                server_origin=world.origin,
            )
            self._note(session, "pairing", f"paired with this relay as {world.client_id}")
            if decision.fix_pin:
                await write_world_settings(
                    page, {"pairedRelayUrl": world.ws_relay_url}, timeout=self.timeouts.navigation
                )
                await reload_game(page, target=target, timeouts=self.timeouts)
            return world.client_id
        client_id = self._client_id_for(session, world)
        self._claim(session, client_id, title)
        relay_url = self.state.relay_ws_url
        await write_world_settings(
            page,
            {"wsRelayUrl": relay_url, "clientId": client_id, "pairedRelayUrl": relay_url},
            timeout=self.timeouts.navigation,
        )
        store.remember_client(
            session.key_id,
            client_id,
            world_id=world.world_id,
            world_title=world.world_title,
            server_origin=world.origin,
        )
        if decision.verdict == "elsewhere":
            self._note(session, "pairing", f"re-paired from {decision.other_url} as {client_id}")
        else:
            self._note(session, "pairing", f"never paired: auto-paired as {client_id}")
        await reload_game(page, target=target, timeouts=self.timeouts)
        return client_id

    def _client_id_for(self, session: Session, world: WorldState) -> str:
        """The key's known client for this world on this server, unless a live session holds
        it; else a new one."""
        held = set(self.claims.values())
        for known in self.state.store.known_clients(session.key_id):
            if (
                known.world_id == world.world_id
                and known.server_origin in (None, world.origin)
                and known.client_id not in held
            ):
                return known.client_id
        return new_client_id()

    def _claim(self, session: Session, client_id: str, title: str) -> None:
        """One client, one session: two sessions never claim one module socket."""
        for other_sid, held in self.claims.items():
            other = self.sessions.get(other_sid)
            if held != client_id or other_sid == session.session_id or other is None:
                continue
            if other.state not in ("launching", "active"):
                continue
            extra: dict[str, Any] = {"clientId": client_id}
            if other.key_id == session.key_id:
                extra["activeSessionId"] = other_sid
            raise LaunchError(
                f"world {title!r} (client {client_id}) is already served by another headless"
                " session; end that one first (two Foundry servers running copies of one world"
                " share its clientId)",
                code="WORLD_IN_SESSION",
                stage="game-ready",
                **extra,
            )
        entry = self.state.hub.registry.get(client_id)
        if entry is not None and entry.key_id != session.key_id:
            raise LaunchError(
                f"world {title!r} (client {client_id}) is connected to this relay under another"
                " API key",
                code="WORLD_IN_SESSION",
                stage="game-ready",
                clientId=client_id,
            )
        self.claims[session.session_id] = client_id

    async def _fail(self, session: Session, error: LaunchError) -> None:
        """Record a failed launch and release everything it held."""
        sid = session.session_id
        now = time.time()
        diag = self.diagnostics.get(sid)
        handle = self.pages.pop(sid, None)
        self.claims.pop(sid, None)
        if diag is not None:
            diag.failure = {
                "code": error.code,
                "stage": error.stage or session.stage,
                "error": error.message,
            }
            if handle is not None:
                if error.code not in ("LAUNCH_CANCELLED", "BROWSER_FAILED"):
                    diag.screenshot = await handle.screenshot()
                diag.console = handle.console + [f"[pageerror] {e}" for e in handle.page_errors]
            diag.kept_until = now + self.settings.diagnostics_ttl_seconds
        if handle is not None:
            await handle.close()
        await self._drop_client_and_token(session)
        if session.state == "launching":
            session.fail(error.code, now)
            state, reason = "failed", error.code
        else:  # ended by its owner or by shutdown while launching
            if session.state == "ending":
                session.finish(now)
            state, reason = "ended", session.reason or error.code
        self.sessions.release(session)
        self.state.store.record_session_state(sid, state, reason=reason, ended_at=now)
        log.info("session %s %s: %s at stage %s", sid, state, reason, error.stage)
        event = self.finished.pop(sid, None)
        if event is not None:
            event.set()

    async def _drop_client_and_token(self, session: Session) -> None:
        token_id = self.token_ids.pop(session.session_id, None)
        if token_id is not None:
            try:
                self.state.store.revoke_token(token_id)
            except NotFound:
                pass
            hub = self.state.hub
            for entry in hub.registry.for_key(session.key_id):
                if entry.token_id == token_id:
                    conn = entry.connection
                    hub.unregister(entry)
                    close = getattr(conn, "close", None)
                    if close is not None:
                        await close("session-ended")

    # -- end ----------------------------------------------------------------------------------

    def _owned(self, key: ApiKey, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None or session.key_id != key.id:
            raise NotFound(f"no session '{session_id}'", code="SESSION_NOT_FOUND")
        return session

    async def end(self, key: ApiKey, session_id: str) -> None:
        session = self._owned(key, session_id)
        if session.state in ("ending",):
            raise NotFound(f"no session '{session_id}'", code="SESSION_NOT_FOUND")
        await self._end(session, "ended-by-user")

    async def _end(self, session: Session, reason: str) -> None:
        sid = session.session_id
        was_launching = session.state == "launching"
        event = self.finished.get(sid)
        if not session.begin_end(reason, time.time()):
            if event is not None:  # another caller is ending it: wait for that, bounded
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), 30)
            return
        log.info("session %s ending: %s", sid, reason)
        if was_launching:
            task = self.launches.get(sid)
            if task is not None and not task.done():
                task.cancel()
            if event is not None:
                try:
                    await asyncio.wait_for(event.wait(), 30)
                except TimeoutError:
                    log.warning("session %s: launch did not stop in time", sid)
            return
        timer = self.timers.pop(sid, None)
        if timer is not None:
            timer.cancel()
        await self._drop_client_and_token(session)
        handle = self.pages.pop(sid, None)
        if handle is not None:
            diag = self.diagnostics.get(sid)
            if diag is not None and reason not in ("browser-crashed", "relay-shutdown"):
                diag.screenshot = await handle.screenshot()  # the last page, for its owner
                diag.console = handle.console + [f"[pageerror] {e}" for e in handle.page_errors]
            await handle.close()
        now = time.time()
        session.finish(now)
        self.claims.pop(sid, None)
        self.sessions.release(session)
        diag = self.diagnostics.get(sid)
        if diag is not None:
            diag.kept_until = now + self.settings.diagnostics_ttl_seconds
        self.state.store.record_session_state(sid, "ended", reason=reason, ended_at=now)
        log.info("session %s ended: %s", sid, reason)
        self._trim_diagnostics()
        self.finished.pop(sid, None)
        if event is not None:
            event.set()

    # -- timers -------------------------------------------------------------------------------

    def _arm_timer(self, session: Session) -> None:
        sid = session.session_id
        old = self.timers.pop(sid, None)
        if old is not None:
            old.cancel()
        deadline = session.next_deadline(self.timing)
        if deadline is None:
            return
        delay = max(0.0, deadline[0] - time.time())
        self.timers[sid] = asyncio.get_running_loop().call_later(delay, self._on_timer, sid)

    def _on_timer(self, sid: str) -> None:
        self.timers.pop(sid, None)
        session = self.sessions.get(sid)
        if session is None or session.state != "active":
            return
        reason = session.expired(time.time(), self.timing)
        if reason is None:
            self._arm_timer(session)  # activity moved the deadline: exact re-arm
        else:
            self._spawn(self._end(session, reason))

    # -- hub hooks ----------------------------------------------------------------------------

    def _session_of(self, entry: ClientEntry) -> Session | None:
        if entry.session_id is None:
            return None
        session = self.sessions.get(entry.session_id)
        if session is None or session.state != "active":
            return None
        return session

    def client_authenticated(self, entry: ClientEntry) -> None:
        session = self._session_of(entry)
        if session is not None and session.dropped_at is not None:
            session.client_returned(time.time())
            log.info("session %s: client %s reconnected", session.session_id, entry.client_id)
            self._arm_timer(session)

    def client_gone(self, entry: ClientEntry) -> None:
        session = self._session_of(entry)
        if session is not None:
            session.client_dropped(time.time())
            log.info(
                "session %s: client %s dropped; grace %gs",
                session.session_id,
                entry.client_id,
                self.timing.client_grace,
            )
            self._arm_timer(session)

    def client_touched(self, entry: ClientEntry) -> None:
        session = self._session_of(entry)
        if session is not None:
            session.touch(time.time())

    def gone_session_client(self, key_id: str, client_id: str) -> bool:
        return any(
            s.client_id == client_id and s.state == "active" and s.dropped_at is not None
            for s in self.sessions.for_key(key_id)
        )

    # -- browser crash ------------------------------------------------------------------------

    def _crashed(self) -> None:
        for session in self.sessions.all():
            if session.state == "active":
                self._spawn(self._end(session, "browser-crashed"))
            elif session.state == "launching":
                task = self.launches.get(session.session_id)
                if task is not None and not task.done():
                    self._crash_cancelled.add(session.session_id)
                    task.cancel()

    # -- queries ------------------------------------------------------------------------------

    def list_sessions(self, key: ApiKey) -> dict[str, Any]:
        active: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []
        for s in sorted(self.sessions.for_key(key.id), key=lambda s: s.started_at):
            if s.state == "launching":
                pending.append(
                    {
                        "sessionId": s.session_id,
                        "foundryUrl": s.foundry_url,
                        "username": s.username,
                        "worldName": s.world_name,
                        "startedAt": _ms(s.started_at),
                        "stage": s.stage,
                    }
                )
            elif s.state == "active":
                item: dict[str, Any] = {
                    "sessionId": s.session_id,
                    "clientId": s.client_id,
                    "foundryUrl": s.foundry_url,
                    "username": s.username,
                    "worldName": s.world_name,
                    "startedAt": _ms(s.started_at),
                    "lastActivity": _ms(s.last_activity),
                    "clientConnected": s.dropped_at is None,
                }
                entry = self.state.hub.registry.get(s.client_id or "")
                if entry is not None and entry.key_id == key.id:
                    for name in METADATA_FIELDS:
                        if name != "customName":
                            item[name] = entry.metadata.get(name)
                active.append(item)
        return {"activeSessions": active, "pendingSessions": pending}

    def _diag(self, key: ApiKey, session_id: str) -> Diagnostics:
        diag = self.diagnostics.get(session_id)
        if diag is None or diag.key_id != key.id:
            raise NotFound(f"no session '{session_id}'", code="SESSION_NOT_FOUND")
        return diag

    def session_log(self, key: ApiKey, session_id: str) -> dict[str, Any]:
        diag = self._diag(key, session_id)
        out = diag.as_json()
        handle = self.pages.get(session_id)
        if handle is not None:
            out["console"] = handle.console + [f"[pageerror] {e}" for e in handle.page_errors]
        return out

    async def screenshot(self, key: ApiKey, session_id: str) -> bytes:
        diag = self._diag(key, session_id)
        handle = self.pages.get(session_id)
        if handle is not None:
            png = await handle.screenshot()
            if png is not None:
                return png
        if diag.screenshot is None:
            raise NotFound("no screenshot kept for this session", code="SESSION_NOT_FOUND")
        return diag.screenshot
