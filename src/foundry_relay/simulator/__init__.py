"""Foundry simulator: a stand-in for the Foundry VTT pages a headless login sees, with a simulated
module that speaks the relay's ``/relay`` protocol (SPEC section 7)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from ..server.runner import Running, serve_app
from .app import create_simulator
from .world import Faults, SimConfig, SimState, SimUser, SimWorld, client_id_for

__all__ = [
    "Faults",
    "RunningSimulator",
    "SimConfig",
    "SimState",
    "SimUser",
    "SimWorld",
    "client_id_for",
    "create_simulator",
    "run_simulator",
]


@dataclass
class RunningSimulator:
    running: Running
    state: SimState

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def config(self) -> SimConfig:
        return self.state.config

    async def restart(self) -> None:
        """Foundry restarting, as its pages see it: every game socket drops and the logins are
        forgotten (a page that reconnects is sent back to /join). The world and its settings
        stay."""
        self.state.logins.clear()
        self.state.admin_sessions.clear()
        for ws in list(self.state.game_sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1012, reason="Service restart")


@contextlib.asynccontextmanager
async def run_simulator(
    config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[RunningSimulator]:
    """Serve a simulator on ``host:port`` (port 0 = free) for the duration of the block."""
    app = create_simulator(config)
    async with serve_app(app, host=host, port=port) as running:
        yield RunningSimulator(running=running, state=app.state.sim)
