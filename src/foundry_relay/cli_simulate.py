"""``foundry-relay simulate``: the Foundry simulator as a server of its own (SPEC 7)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_common import log
from .logsetup import configure


def register(app: typer.Typer) -> None:

    def _parse_world(spec: str) -> Any:
        from .simulator import SimWorld

        parts = spec.split(":")
        if not parts[0]:
            raise typer.BadParameter(f"--world {spec!r}: the world id is required")
        title = parts[1] if len(parts) > 1 and parts[1] else parts[0]
        system = parts[2] if len(parts) > 2 and parts[2] else "dnd5e"
        return SimWorld(parts[0], title, system)

    def _parse_user(spec: str) -> Any:
        from .simulator import SimUser

        parts = spec.split(":")
        if len(parts) != 3 or not parts[0] or not parts[2].isdigit():
            raise typer.BadParameter(f"--user {spec!r}: use NAME:PASSWORD:ROLE (role 1-4)")
        return SimUser(parts[0], parts[1], int(parts[2]))

    @app.command("simulate")
    def simulate(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 30000,
        paired_with: Annotated[
            str | None,
            typer.Option(
                help="Start the world paired with this relay URL (ws://host:port);"
                " default: unpaired."
            ),
        ] = None,
        world: Annotated[
            list[str] | None, typer.Option(help="ID[:TITLE[:SYSTEM]]; repeat for several.")
        ] = None,
        user: Annotated[
            list[str] | None, typer.Option(help="NAME:PASSWORD:ROLE; repeat for several.")
        ] = None,
        admin_password: Annotated[
            str | None, typer.Option(help="Lock the setup screen behind this admin password.")
        ] = None,
        no_active_world: Annotated[
            bool, typer.Option("--no-active-world", help="Start on the setup screen.")
        ] = False,
        foundry_version: Annotated[int, typer.Option(help="Major version: 12, 13 or 14.")] = 13,
        launch_delay: Annotated[float, typer.Option(help="World launch time in seconds.")] = 0.5,
        client_id: Annotated[
            str | None, typer.Option(help="The paired world's clientId (with --paired-with).")
        ] = None,
        sim_data_dir: Annotated[
            Path | None,
            typer.Option("--data-dir", help="Keep the worlds' settings (pairing) in this folder."),
        ] = None,
        no_module: Annotated[
            bool, typer.Option("--no-module", help="The world lacks the foundry-rest-api module.")
        ] = False,
        module_connect_delay: Annotated[
            float, typer.Option(help="Seconds after 'ready' before the module connects.")
        ] = 1.0,
        slow_pages: Annotated[float, typer.Option(help="Fault: seconds added to pages.")] = 0.0,
        launch_never_completes: Annotated[
            bool, typer.Option("--launch-never-completes", help="Fault: world launch hangs.")
        ] = False,
        module_never_connects: Annotated[
            bool, typer.Option("--module-never-connects", help="Fault: the module stays silent.")
        ] = False,
        module_drop_after: Annotated[
            float, typer.Option(help="Fault: the module drops its socket N s after auth.")
        ] = 0.0,
        no_module_reconnect: Annotated[
            bool, typer.Option("--no-module-reconnect", help="Fault: after that drop, stay away.")
        ] = False,
        game_throws: Annotated[
            bool, typer.Option("--game-throws", help="Fault: /game throws before ready.")
        ] = False,
    ) -> None:
        """Run the Foundry simulator (a stand-in Foundry server with the module)."""
        from .simulator import Faults, SimConfig

        if foundry_version not in (12, 13, 14):
            raise typer.BadParameter("--foundry-version must be 12, 13 or 14")
        config = SimConfig(
            admin_password=admin_password,
            foundry_version=foundry_version,
            launch_delay=launch_delay,
            paired_with=paired_with,
            client_id=client_id,
            data_dir=sim_data_dir,
            module_installed=not no_module,
            module_connect_delay=module_connect_delay,
            faults=Faults(
                slow_pages=slow_pages,
                launch_never_completes=launch_never_completes,
                module_never_connects=module_never_connects,
                module_drop_after=module_drop_after,
                module_reconnect=not no_module_reconnect,
                game_throws=game_throws,
            ),
        )
        if world:
            config.worlds = [_parse_world(w) for w in world]
        if user:
            config.users = [_parse_user(u) for u in user]
        config.active_world = None if no_active_world else config.worlds[0].id
        configure("INFO", "text")
        asyncio.run(_simulate(config, host, port))

    async def _simulate(config: Any, host: str, port: int) -> None:
        from .simulator import run_simulator

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with run_simulator(config, host=host, port=port) as sim:
            log.info(
                "Foundry simulator (v%d) listening on %s; worlds: %s; active: %s; %s",
                config.foundry_version,
                sim.url,
                ", ".join(w.id for w in config.worlds),
                config.active_world or "none (setup screen)",
                f"paired with {config.paired_with}" if config.paired_with else "unpaired",
            )
            await stop.wait()
