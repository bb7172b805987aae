"""Always-on worlds (SPEC 16): stored logins, auto-start on demand, and sessions that come back.

A key holder stores a Foundry login for one of its known worlds (sealed by the operator's key,
:mod:`foundry_relay.vault`) and marks it auto-start. A request for that world while it is
offline starts a headless session with the login and waits for it; concurrent requests join the
one launch; a failed launch refuses new ones for a cool-down with its own error. A session of
such a world that ends for any reason but its owner's (end-session, the idle timeout) is started
again with exponential backoff and jitter."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.handshake import Credentials, open_envelope
from ..core.sessions import Session
from ..errors import NotFound, RelayError
from ..store import WorldLogin
from ..vault import Vault, VaultError, load_key
from .launch import StartRequest

if TYPE_CHECKING:
    from ..settings import Settings
    from .service import HeadlessService

log = logging.getLogger(__name__)

OWNER_REASONS = frozenset({"ended-by-user", "idle-timeout", "relay-shutdown"})
FIRST_RETRY = 2.0  # seconds before the first restart; doubled each failure up to the setting


def vault_from(settings: Settings) -> Vault | None:
    """The operator's vault, or None: the feature is off."""
    secret = settings.credentials_key.get_secret_value() if settings.credentials_key else None
    key = load_key(secret, settings.credentials_key_file, "CREDENTIALS_KEY")
    if key is None:
        return None
    old = settings.credentials_key_previous
    previous = load_key(
        old.get_secret_value() if old else None,
        settings.credentials_key_previous_file,
        "CREDENTIALS_KEY_PREVIOUS",
    )
    return Vault(key, previous)


def disabled() -> VaultError:
    return VaultError(
        "stored logins are off on this relay: its operator has not set CREDENTIALS_KEY or"
        " CREDENTIALS_KEY_FILE",
        code="CREDENTIALS_DISABLED",
    )


@dataclass
class Comeback:
    """A world being brought back after its session died."""

    attempts: int = 0
    restarts: int = 0
    next_at: float | None = None
    last_error: str | None = None
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class AlwaysOn:
    def __init__(self, service: HeadlessService) -> None:
        self.service = service
        self.state = service.state
        self.settings = service.settings
        self.vault = vault_from(self.settings)
        self._launches: dict[tuple[str, str], asyncio.Future[str]] = {}
        self._cooldown: dict[tuple[str, str], tuple[float, RelayError]] = {}
        self.comebacks: dict[tuple[str, str], Comeback] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        service.always_on = self

    # -- lifetime -------------------------------------------------------------------------------

    async def open(self) -> None:
        """Re-seal logins sealed with the previous operator key (rotation)."""
        if self.vault is None:
            return
        store = self.state.store
        resealed = 0
        for login in await store.off_loop(store.world_logins):
            if self.vault.needs_rotation(login.sealed):
                secret = self.vault.open(login.sealed, login.bound_to)
                sealed = self.vault.seal(secret, login.bound_to)
                await store.off_loop(store.reseal_login, login, sealed)
                resealed += 1
        if resealed:
            log.info("re-sealed %d stored login(s) with the current operator key", resealed)

    async def close(self) -> None:
        for comeback in self.comebacks.values():
            if comeback.timer is not None:
                comeback.timer.cancel()
        for task in list(self._tasks):
            task.cancel()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def require(self) -> Vault:
        if self.vault is None:
            raise disabled()
        return self.vault

    # -- stored logins --------------------------------------------------------------------------

    async def store_login(
        self,
        key_id: str,
        client_id: str,
        *,
        handshake_token: str,
        encrypted_password: str,
        world_name: str | None,
    ) -> WorldLogin:
        """Keep a login for one of the key's known worlds; the password comes sealed for the
        handshake's key, as a session start's does."""
        vault = self.require()
        store = self.state.store
        if store.known_client(key_id, client_id) is None:
            raise NotFound(f"no known world '{client_id}' for this key", code="CLIENT_NOT_FOUND")
        hs = self.service.handshakes.consume(handshake_token, key_id, time.time())
        credentials = open_envelope(hs, encrypted_password)
        secret = {"password": credentials.password, "adminPassword": credentials.admin_password}
        await store.off_loop(
            store.save_login,
            key_id,
            client_id,
            foundry_url=hs.foundry_url,
            username=hs.username,
            world_name=world_name or hs.world_name,
            sealed=vault.seal(secret, f"{key_id}:{client_id}"),
        )
        self._cooldown.pop((key_id, client_id), None)  # a new login deserves a new try
        log.info("stored a login for world %s (key %s)", client_id, key_id)
        login = store.world_login(key_id, client_id)
        assert login is not None
        return login

    # -- auto-start on demand -------------------------------------------------------------------

    async def ensure_online(self, key_id: str, client_id: str | None) -> str | None:
        """Start the auto-start world a request names (or the key's only one) and wait for
        it; None if there is none to start (the caller's own error stands)."""
        if self.vault is None:
            return None
        store = self.state.store
        if client_id is None:
            logins = [x for x in await store.off_loop(store.world_logins, key_id) if x.auto_start]
            if len(logins) != 1:
                return None
            login: WorldLogin | None = logins[0]
        else:
            login = await store.off_loop(store.world_login, key_id, client_id)
        if login is None or not login.auto_start:
            return None
        k = (login.key_id, login.client_id)
        blocked = self._cooldown.get(k)
        if blocked is not None and time.monotonic() < blocked[0]:
            error = blocked[1]
            wait = max(1, int(blocked[0] - time.monotonic() + 0.999))
            raise RelayError(error.message, code=error.code, **{**error.extra, "retryAfter": wait})
        launch = self._launch_once(login)
        try:
            async with asyncio.timeout(self.settings.auto_start_wait):
                return await asyncio.shield(launch)
        except TimeoutError as exc:
            raise RelayError(
                f"world '{login.client_id}' is starting; try again shortly",
                code="WORLD_STARTING",
                retryAfter=5,
            ) from exc

    def _launch_once(self, login: WorldLogin) -> asyncio.Future[str]:
        k = (login.key_id, login.client_id)
        launch = self._launches.get(k)
        if launch is None:
            launch = self._launches[k] = asyncio.ensure_future(self._launch(login))
            launch.add_done_callback(lambda _: self._launches.pop(k, None))
            # Nobody may be waiting (a keep-alive restart): its failure is logged, not raised.
            launch.add_done_callback(lambda f: f.cancelled() or f.exception())
        return launch

    async def _launch(self, login: WorldLogin) -> str:
        k = (login.key_id, login.client_id)
        vault = self.require()
        secret = vault.open(login.sealed, login.bound_to)
        credentials = Credentials(secret["password"], secret.get("adminPassword"))
        request = StartRequest(handshake_token="", encrypted_password="", world_name=None)
        log.info("starting always-on world %s (key %s)", login.client_id, login.key_id)
        try:
            _, client_id = await self.service.launch(
                login.key_id,
                login.foundry_url,
                login.username,
                login.world_name,
                credentials,
                request,
            )
        except RelayError as exc:
            exc.extra.setdefault("autoStart", True)
            until = time.monotonic() + self.settings.auto_start_cooldown
            self._cooldown[k] = (until, exc)
            log.warning(
                "always-on world %s did not start: %s (no new start for %gs)",
                login.client_id,
                exc.code,
                self.settings.auto_start_cooldown,
            )
            raise
        self._cooldown.pop(k, None)
        return client_id

    # -- keep-alive -----------------------------------------------------------------------------

    def session_ended(self, session: Session, reason: str) -> None:
        """A session ended: bring its world back unless its owner ended it."""
        if session.client_id is not None:
            self.world_lost(session.key_id, session.client_id, reason)

    def world_lost(self, key_id: str, client_id: str, reason: str) -> None:
        """A world's session ended here, or on another instance that died (its reaper calls
        this): bring the world back unless its owner ended it."""
        if self.vault is None:
            return
        k = (key_id, client_id)
        if reason in OWNER_REASONS:
            comeback = self.comebacks.pop(k, None)
            if comeback is not None and comeback.timer is not None:
                comeback.timer.cancel()
            return
        login = self.state.store.world_login(*k)
        if login is None or not login.auto_start:
            return
        comeback = self.comebacks.setdefault(k, Comeback())
        comeback.last_error = reason
        log.info("always-on world %s ended (%s): starting it again", client_id, reason)
        self._schedule(k, comeback)

    def _schedule(self, k: tuple[str, str], comeback: Comeback) -> None:
        base = min(FIRST_RETRY * 2**comeback.attempts, self.settings.keep_alive_max_backoff)
        delay = base * random.uniform(0.8, 1.2)
        comeback.next_at = time.time() + delay
        loop = asyncio.get_running_loop()
        comeback.timer = loop.call_later(delay, lambda: self._spawn(self._come_back(k)))

    async def _come_back(self, k: tuple[str, str]) -> None:
        comeback = self.comebacks.get(k)
        if comeback is None:
            return
        comeback.timer = None
        store = self.state.store
        login = await store.off_loop(store.world_login, *k)
        if login is None or not login.auto_start or self.vault is None:
            self.comebacks.pop(k, None)  # turned off meanwhile
            return
        if self.state.hub.registry.get(k[1]) is not None:
            self.comebacks.pop(k, None)  # it is back already (a GM, or an on-demand start)
            return
        comeback.attempts += 1
        self._cooldown.pop(k, None)  # keep-alive has its own backoff
        federation = self.state.federation
        try:
            if federation is not None:  # one instance starts it, under the shared lock
                await federation.start_world(*k)
            else:
                await self._launch_once(login)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a RelayError of the launch, or anything unforeseen: retry
            comeback.last_error = exc.code if isinstance(exc, RelayError) else type(exc).__name__
            if not isinstance(exc, RelayError):
                log.warning("restart of always-on world %s failed", k[1], exc_info=exc)
            self._schedule(k, comeback)
            return
        comeback.restarts += 1
        comeback.attempts = 0
        comeback.next_at = None
        log.info("always-on world %s is back (restart %d)", k[1], comeback.restarts)

    def status(self, key_id: str) -> list[dict[str, Any]]:
        """The key's always-on worlds: restarts and the next attempt, for ``GET /session``."""
        out = []
        for login in self.state.store.world_logins(key_id):
            comeback = self.comebacks.get((key_id, login.client_id))
            out.append(
                {
                    **login.as_json(),
                    "online": self.state.hub.registry.get(login.client_id) is not None,
                    "restarts": comeback.restarts if comeback else 0,
                    "nextAttemptAt": int(comeback.next_at * 1000)
                    if comeback and comeback.next_at
                    else None,
                    "lastEndReason": comeback.last_error if comeback else None,
                }
            )
        return out
