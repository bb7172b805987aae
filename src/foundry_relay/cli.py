"""The ``foundry-relay`` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import __version__
from .cli_common import (
    DataDir,
    fail,
    log,
    out,
    run_loop,
    settings_from,
)
from .cli_events import register as register_events_command
from .cli_keys import keys_app, tokens_app
from .cli_pair import pair_app
from .cli_session import register as register_session_commands
from .cli_simulate import register as register_simulate_command
from .cli_worlds import worlds_app
from .errors import RelayError
from .logsetup import configure
from .settings import Settings
from .settings_help import MEANING

app = typer.Typer(
    help="Self-hostable relay for Foundry VTT with headless sessions.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(keys_app, name="keys")
app.add_typer(tokens_app, name="tokens")
app.add_typer(pair_app, name="pair")
app.add_typer(worlds_app, name="worlds")
session_app = typer.Typer(
    help="Client side: start, list and end headless sessions on a relay.", no_args_is_help=True
)
app.add_typer(session_app, name="session")
register_session_commands(session_app)
register_simulate_command(app)
register_events_command(app)


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out.print(__version__)
        raise typer.Exit()


def _h(name: str) -> str:
    """A ``serve`` option's help: what it means, its variable and its default."""
    field = Settings.model_fields[name]
    default = field.default
    if default is None or default == []:
        shown = "unset"
    elif isinstance(default, bool):
        shown = "on" if default else "off"
    else:
        shown = str(default)
    return f"{MEANING[name]} (env {name.upper()}, default {shown})"


# -- serve ------------------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help=_h("host"))] = None,
    port: Annotated[int | None, typer.Option(help=_h("port"))] = None,
    data_dir: DataDir = None,
    allow_headless: Annotated[
        bool | None, typer.Option("--allow-headless/--no-headless", help=_h("allow_headless"))
    ] = None,
    max_headless_sessions: Annotated[
        int | None, typer.Option(help=_h("max_headless_sessions"))
    ] = None,
    max_total_headless_sessions: Annotated[
        int | None, typer.Option(help=_h("max_total_headless_sessions"))
    ] = None,
    headless_session_timeout: Annotated[
        float | None, typer.Option(help=_h("headless_session_timeout"))
    ] = None,
    headless_max_lifetime: Annotated[
        float | None, typer.Option(help=_h("headless_max_lifetime"))
    ] = None,
    headless_prewarm: Annotated[
        bool | None,
        typer.Option("--headless-prewarm/--no-headless-prewarm", help=_h("headless_prewarm")),
    ] = None,
    headless_canvas: Annotated[
        bool | None,
        typer.Option("--headless-canvas/--no-headless-canvas", help=_h("headless_canvas")),
    ] = None,
    headless_spare_context: Annotated[
        bool | None,
        typer.Option(
            "--headless-spare-context/--no-headless-spare-context",
            help=_h("headless_spare_context"),
        ),
    ] = None,
    headless_idle_release: Annotated[
        float | None, typer.Option(help=_h("headless_idle_release"))
    ] = None,
    client_grace_seconds: Annotated[
        float | None, typer.Option(help=_h("client_grace_seconds"))
    ] = None,
    navigation_timeout: Annotated[float | None, typer.Option(help=_h("navigation_timeout"))] = None,
    world_launch_timeout: Annotated[
        float | None, typer.Option(help=_h("world_launch_timeout"))
    ] = None,
    game_ready_timeout: Annotated[float | None, typer.Option(help=_h("game_ready_timeout"))] = None,
    module_connect_timeout: Annotated[
        float | None, typer.Option(help=_h("module_connect_timeout"))
    ] = None,
    request_timeout: Annotated[float | None, typer.Option(help=_h("request_timeout"))] = None,
    diagnostics_ttl_seconds: Annotated[
        float | None, typer.Option(help=_h("diagnostics_ttl_seconds"))
    ] = None,
    ws_auth_timeout: Annotated[float | None, typer.Option(help=_h("ws_auth_timeout"))] = None,
    handshake_ttl_seconds: Annotated[
        float | None, typer.Option(help=_h("handshake_ttl_seconds"))
    ] = None,
    handshake_max_pending: Annotated[
        int | None, typer.Option(help=_h("handshake_max_pending"))
    ] = None,
    session_rate_limit: Annotated[int | None, typer.Option(help=_h("session_rate_limit"))] = None,
    key_rate_limit: Annotated[int | None, typer.Option(help=_h("key_rate_limit"))] = None,
    pairing_rate_limit: Annotated[int | None, typer.Option(help=_h("pairing_rate_limit"))] = None,
    auth_failure_limit: Annotated[int | None, typer.Option(help=_h("auth_failure_limit"))] = None,
    trusted_proxies: Annotated[str | None, typer.Option(help=_h("trusted_proxies"))] = None,
    max_connections_per_address: Annotated[
        int | None, typer.Option(help=_h("max_connections_per_address"))
    ] = None,
    request_read_timeout: Annotated[
        float | None, typer.Option(help=_h("request_read_timeout"))
    ] = None,
    max_unauthenticated_websockets: Annotated[
        int | None, typer.Option(help=_h("max_unauthenticated_websockets"))
    ] = None,
    max_unauthenticated_websockets_per_address: Annotated[
        int | None, typer.Option(help=_h("max_unauthenticated_websockets_per_address"))
    ] = None,
    probe_rate_limit: Annotated[int | None, typer.Option(help=_h("probe_rate_limit"))] = None,
    chrome_path: Annotated[str | None, typer.Option(help=_h("chrome_path"))] = None,
    chrome_args: Annotated[str | None, typer.Option(help=_h("chrome_args"))] = None,
    capture_browser_console: Annotated[
        str | None, typer.Option(help=_h("capture_browser_console"))
    ] = None,
    websocket_ping_interval_ms: Annotated[
        int | None, typer.Option(help=_h("websocket_ping_interval_ms"))
    ] = None,
    ws_max_message_mb: Annotated[float | None, typer.Option(help=_h("ws_max_message_mb"))] = None,
    allow_legacy_auth: Annotated[
        bool | None,
        typer.Option("--allow-legacy-auth/--no-legacy-auth", help=_h("allow_legacy_auth")),
    ] = None,
    foundry_url_allow: Annotated[str | None, typer.Option(help=_h("foundry_url_allow"))] = None,
    foundry_url_deny: Annotated[str | None, typer.Option(help=_h("foundry_url_deny"))] = None,
    cors_origins: Annotated[str | None, typer.Option(help=_h("cors_origins"))] = None,
    public_url: Annotated[str | None, typer.Option(help=_h("public_url"))] = None,
    log_level: Annotated[str | None, typer.Option(help=_h("log_level"))] = None,
    access_log: Annotated[
        bool | None, typer.Option("--access-log/--no-access-log", help=_h("access_log"))
    ] = None,
    log_format: Annotated[str | None, typer.Option(help=_h("log_format"))] = None,
    event_loop: Annotated[str | None, typer.Option(help=_h("event_loop"))] = None,
    ws_compression: Annotated[
        bool | None,
        typer.Option("--ws-compression/--no-ws-compression", help=_h("ws_compression")),
    ] = None,
    workers: Annotated[int | None, typer.Option(help=_h("workers"))] = None,
    max_subscribers_per_client: Annotated[
        int | None, typer.Option(help=_h("max_subscribers_per_client"))
    ] = None,
    max_subscribers_per_key: Annotated[
        int | None, typer.Option(help=_h("max_subscribers_per_key"))
    ] = None,
    event_queue_size: Annotated[int | None, typer.Option(help=_h("event_queue_size"))] = None,
    event_keepalive_seconds: Annotated[
        float | None, typer.Option(help=_h("event_keepalive_seconds"))
    ] = None,
    credentials_key_file: Annotated[
        Path | None,
        typer.Option(help=_h("credentials_key_file")),
    ] = None,
    credentials_key_previous_file: Annotated[
        Path | None, typer.Option(help=_h("credentials_key_previous_file"))
    ] = None,
    auto_start_wait: Annotated[float | None, typer.Option(help=_h("auto_start_wait"))] = None,
    auto_start_cooldown: Annotated[
        float | None, typer.Option(help=_h("auto_start_cooldown"))
    ] = None,
    keep_alive_max_backoff: Annotated[
        float | None, typer.Option(help=_h("keep_alive_max_backoff"))
    ] = None,
    metrics: Annotated[
        str | None,
        typer.Option(help=_h("metrics")),
    ] = None,
) -> None:
    """Run the relay until SIGINT/SIGTERM."""
    settings = settings_from(**{k: v for k, v in locals().items()})
    configure(settings.log_level, settings.log_format, access_log=settings.access_log)
    if settings.workers > 1:
        from .server.workers import serve_workers

        raise typer.Exit(serve_workers(settings))
    try:
        run_loop(_serve(settings), settings.event_loop)
    except RelayError as exc:
        raise fail(exc) from exc


async def _serve(settings: Settings) -> None:
    from .server.runner import run_relay

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_relay(settings) as running:
        log.info(
            "foundry-relay %s listening on %s (data %s)",
            __version__,
            running.url,
            settings.data_dir,
        )
        await stop.wait()
        log.info("shutting down")
    log.info("stopped")


# -- demo -------------------------------------------------------------------------------------


@app.command("demo")
def demo(
    chrome_path: Annotated[str | None, typer.Option(help="Chromium binary (CHROME_PATH).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the relay's log.")] = False,
) -> None:
    """Relay + Foundry simulator + a real headless session, end to end, with timings."""
    from .demo import run_demo

    configure("INFO" if verbose else "WARNING", "text")
    code = asyncio.run(run_demo(out, chrome_path=chrome_path or os.environ.get("CHROME_PATH")))
    raise typer.Exit(code)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
