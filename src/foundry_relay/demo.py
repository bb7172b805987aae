"""``foundry-relay demo``: the relay, the Foundry simulator and a real headless session, end to end.

Everything runs in this process on free local ports with a temporary data folder; each step is
printed with its timing.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from .client import AsyncRelayClient, RelayClientError
from .server.runner import run_relay
from .settings import Settings
from .simulator import SimConfig, run_simulator
from .store import Store

T = TypeVar("T")

GM_PASSWORD = "gm-password"  # noqa: S105 - the simulator's default Gamemaster password (not a real secret)


class Steps:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.perf_counter()

    async def run(
        self, label: str, action: Callable[[], Awaitable[T]], show: Callable[[T], str] | None = None
    ) -> T:
        if self.console.is_terminal:
            self.console.print(f"[bold]…[/bold] {label}", end="\r")
        began = time.perf_counter()
        result = await action()
        ms = (time.perf_counter() - began) * 1000
        detail = f"  [dim]{show(result)}[/dim]" if show else ""
        self.console.print(f"[green]✓[/green] {label} [cyan]{ms:,.0f} ms[/cyan]{detail}")
        return result


@contextlib.asynccontextmanager
async def _stack(data: Path, chrome_path: str | None) -> AsyncIterator[tuple[str, str, str]]:
    store = Store(data / "relay.db")
    _, api_key = store.create_key("demo")
    store.close()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        host="127.0.0.1",
        port=0,
        data_dir=data,
        session_rate_limit=0,
        chrome_path=chrome_path,
    )
    sim_config = SimConfig(active_world=None, launch_delay=0.5)
    async with run_relay(settings) as relay, run_simulator(sim_config) as sim:
        yield relay.url, sim.url, api_key


async def run_demo(console: Console, *, chrome_path: str | None = None) -> int:
    """Run the demo; 0 on success, 1 with the error code printed on failure."""
    steps = Steps(console)
    with tempfile.TemporaryDirectory(prefix="foundry-relay-demo-") as tmp:
        try:
            async with contextlib.AsyncExitStack() as stack:
                relay_url, sim_url, api_key = await steps.run(
                    "start the relay and the Foundry simulator (world on its setup screen)",
                    lambda: stack.enter_async_context(_stack(Path(tmp), chrome_path)),
                    lambda r: f"relay {r[0]}, Foundry {r[1]}",
                )
                client = await stack.enter_async_context(AsyncRelayClient(relay_url, api_key))
                session = await steps.run(
                    "start a headless session (launch world, log in as Gamemaster, pair the"
                    " world, module connects)",
                    lambda: client.start_session(
                        foundry_url=sim_url,
                        username="Gamemaster",
                        password=GM_PASSWORD,
                        world="Test World",
                    ),
                    lambda s: f"session {s.session_id}, client {s.client_id}",
                )
                cid = session.client_id
                await steps.run(
                    "world info", lambda: client.world_info(client_id=cid), lambda r: _world(r)
                )
                await steps.run(
                    "search 'goblin'",
                    lambda: client.search("goblin", client_id=cid),
                    lambda r: ", ".join(x["name"] for x in r["results"]),
                )
                await steps.run(
                    "roll 2d20kh1+5",
                    lambda: client.roll("2d20kh1+5", client_id=cid),
                    lambda r: f"total {r['data']['roll']['total']}",
                )
                await steps.run(
                    "list sessions",
                    client.list_sessions,
                    lambda r: f"{len(r['activeSessions'])} active",
                )
                await steps.run(
                    "end the session",
                    lambda: client.end_session(session.session_id),
                    lambda r: str(r["message"]),
                )
                await steps.run("stop everything", stack.aclose)
        except RelayClientError as exc:
            console.print(f"[red]✗ failed: {exc.code}[/red] {exc.message}")
            return 1
    total = time.perf_counter() - steps.started
    console.print(f"[bold green]demo finished in {total:.1f} s[/bold green]")
    return 0


def _world(reply: dict[str, Any]) -> str:
    data = reply.get("data", {})
    world, system = data.get("world", {}), data.get("system", {})
    return f"{world.get('title')} ({system.get('id')}, Foundry {data.get('foundryVersion')})"
