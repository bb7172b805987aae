"""The pairing step of a headless launch (SPEC 4.3 step 4, 4.5): once the game is ready, read
the module's world settings and decide before the module connects (about 1 s after "ready"):
paired here → go on; never paired → auto-pair and reload; paired elsewhere → refuse unless
``repair``. One world client is never claimed by two sessions."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..browser.login import LoginTarget, Timeouts
from ..browser.world import (
    GM_ROLE,
    WorldState,
    read_world,
    reload_game,
    world_state,
    write_world_settings,
)
from ..core.pairing import WorldPairing, decide
from ..credentials import new_client_id
from ..errors import LaunchError
from .live import LiveSession

if TYPE_CHECKING:
    from playwright.async_api import Page

    from ..server.state import RelayState

log = logging.getLogger(__name__)


class PairingStep:
    def __init__(
        self,
        state: RelayState,
        timeouts: Timeouts,
        lives: Callable[[], Iterable[LiveSession]],
    ) -> None:
        self.state = state
        self.timeouts = timeouts
        self._lives = lives

    def _note(self, live: LiveSession, detail: str) -> None:
        live.session.note(time.time(), "pairing", detail)
        log.info("session %s: %s", live.id, detail)

    async def run(
        self,
        live: LiveSession,
        page: Page,
        target: LoginTarget,
        *,
        repair: bool,
        state: dict[str, Any] | None = None,
    ) -> str:
        """The clientId the module will connect with; raises the SPEC's launch errors.
        ``state``: the world state read with the game-ready wait (else it is read now)."""
        if state:
            world = world_state(state)
        else:
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
        if decision.verdict == "elsewhere" and not repair:
            self._note(live, f"paired elsewhere: {decision.other_url}")
            raise LaunchError(
                f"world {title!r} is paired with another relay ({decision.other_url}); start"
                ' with "repair": true to pair it with this relay instead (its GMs\' own'
                " browsers will then have to pair again)",
                code="WORLD_PAIRED_ELSEWHERE",
                stage="game-ready",
                relayUrl=decision.other_url,
            )
        if decision.verdict == "here":
            self._claim(live, world.client_id, title)
            await self._remember(live, world.client_id, world)
            self._note(live, f"paired with this relay as {world.client_id}")
            if decision.fix_pin:  # same relay spelled differently: the module would refuse
                await write_world_settings(
                    page, {"pairedRelayUrl": world.ws_relay_url}, timeout=self.timeouts.navigation
                )
                await reload_game(page, target=target, timeouts=self.timeouts)
            return world.client_id
        client_id = self._client_id_for(live, world)
        self._claim(live, client_id, title)
        relay_url = self.state.relay_ws_url
        await write_world_settings(
            page,
            {"wsRelayUrl": relay_url, "clientId": client_id, "pairedRelayUrl": relay_url},
            timeout=self.timeouts.navigation,
        )
        await self._remember(live, client_id, world)
        if decision.verdict == "elsewhere":
            self._note(live, f"re-paired from {decision.other_url} as {client_id}")
        else:
            self._note(live, f"never paired: auto-paired as {client_id}")
        await reload_game(page, target=target, timeouts=self.timeouts)
        return client_id

    async def _remember(self, live: LiveSession, client_id: str, world: WorldState) -> None:
        await self.state.store.off_loop(
            self.state.store.remember_client,
            live.key_id,
            client_id,
            world_id=world.world_id,
            world_title=world.world_title,
            server_origin=world.origin,
        )

    def _client_id_for(self, live: LiveSession, world: WorldState) -> str:
        """The key's known client for this world on this server, unless a live session holds
        it; else a new one."""
        held = {other.client_claim for other in self._lives() if other.holds_world}
        for known in self.state.store.known_clients(live.key_id):
            if (
                known.world_id == world.world_id
                and known.server_origin in (None, world.origin)
                and known.client_id not in held
            ):
                return known.client_id
        return new_client_id()

    def _claim(self, live: LiveSession, client_id: str, title: str) -> None:
        """One client, one session: two sessions never claim one module socket."""
        for other in self._lives():
            if other is live or not other.holds_world or other.client_claim != client_id:
                continue
            extra: dict[str, Any] = {"clientId": client_id}
            if other.key_id == live.key_id:
                extra["activeSessionId"] = other.id
            raise LaunchError(
                f"world {title!r} (client {client_id}) is already served by another headless"
                " session; end that one first (two Foundry servers running copies of one world"
                " share its clientId)",
                code="WORLD_IN_SESSION",
                stage="game-ready",
                **extra,
            )
        entry = self.state.hub.registry.get(client_id)
        if entry is not None and entry.key_id != live.key_id:
            raise LaunchError(
                f"world {title!r} (client {client_id}) is connected to this relay under another"
                " API key",
                code="WORLD_IN_SESSION",
                stage="game-ready",
                clientId=client_id,
            )
        live.client_claim = client_id
