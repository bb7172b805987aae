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


# -- serve ------------------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (PORT); 0 picks a free one.")] = None,
    data_dir: DataDir = None,
    allow_headless: Annotated[
        bool | None, typer.Option("--allow-headless/--no-headless", help="ALLOW_HEADLESS")
    ] = None,
    max_headless_sessions: Annotated[int | None, typer.Option(help="MAX_HEADLESS_SESSIONS")] = None,
    max_total_headless_sessions: Annotated[
        int | None, typer.Option(help="MAX_TOTAL_HEADLESS_SESSIONS")
    ] = None,
    headless_session_timeout: Annotated[
        float | None, typer.Option(help="HEADLESS_SESSION_TIMEOUT (s)")
    ] = None,
    headless_max_lifetime: Annotated[
        float | None, typer.Option(help="HEADLESS_MAX_LIFETIME (s)")
    ] = None,
    headless_prewarm: Annotated[
        bool | None,
        typer.Option("--headless-prewarm/--no-headless-prewarm", help="HEADLESS_PREWARM"),
    ] = None,
    headless_canvas: Annotated[
        bool | None, typer.Option("--headless-canvas/--no-headless-canvas", help="HEADLESS_CANVAS")
    ] = None,
    headless_spare_context: Annotated[
        bool | None,
        typer.Option(
            "--headless-spare-context/--no-headless-spare-context", help="HEADLESS_SPARE_CONTEXT"
        ),
    ] = None,
    headless_idle_release: Annotated[
        float | None, typer.Option(help="HEADLESS_IDLE_RELEASE (seconds; 0 = never)")
    ] = None,
    client_grace_seconds: Annotated[float | None, typer.Option(help="CLIENT_GRACE_SECONDS")] = None,
    navigation_timeout: Annotated[float | None, typer.Option(help="NAVIGATION_TIMEOUT")] = None,
    world_launch_timeout: Annotated[float | None, typer.Option(help="WORLD_LAUNCH_TIMEOUT")] = None,
    game_ready_timeout: Annotated[float | None, typer.Option(help="GAME_READY_TIMEOUT")] = None,
    module_connect_timeout: Annotated[
        float | None, typer.Option(help="MODULE_CONNECT_TIMEOUT")
    ] = None,
    request_timeout: Annotated[float | None, typer.Option(help="REQUEST_TIMEOUT")] = None,
    diagnostics_ttl_seconds: Annotated[
        float | None, typer.Option(help="DIAGNOSTICS_TTL_SECONDS")
    ] = None,
    ws_auth_timeout: Annotated[float | None, typer.Option(help="WS_AUTH_TIMEOUT")] = None,
    handshake_ttl_seconds: Annotated[
        float | None, typer.Option(help="HANDSHAKE_TTL_SECONDS")
    ] = None,
    handshake_max_pending: Annotated[int | None, typer.Option(help="HANDSHAKE_MAX_PENDING")] = None,
    session_rate_limit: Annotated[int | None, typer.Option(help="SESSION_RATE_LIMIT")] = None,
    key_rate_limit: Annotated[int | None, typer.Option(help="KEY_RATE_LIMIT")] = None,
    pairing_rate_limit: Annotated[int | None, typer.Option(help="PAIRING_RATE_LIMIT")] = None,
    probe_rate_limit: Annotated[int | None, typer.Option(help="PROBE_RATE_LIMIT")] = None,
    chrome_path: Annotated[str | None, typer.Option(help="CHROME_PATH")] = None,
    chrome_args: Annotated[
        str | None, typer.Option(help="CHROME_ARGS (extra switches, space-separated)")
    ] = None,
    capture_browser_console: Annotated[
        str | None, typer.Option(help="CAPTURE_BROWSER_CONSOLE")
    ] = None,
    websocket_ping_interval_ms: Annotated[
        int | None, typer.Option(help="WEBSOCKET_PING_INTERVAL_MS")
    ] = None,
    ws_max_message_mb: Annotated[float | None, typer.Option(help="WS_MAX_MESSAGE_MB")] = None,
    allow_legacy_auth: Annotated[
        bool | None, typer.Option("--allow-legacy-auth/--no-legacy-auth", help="ALLOW_LEGACY_AUTH")
    ] = None,
    foundry_url_allow: Annotated[str | None, typer.Option(help="FOUNDRY_URL_ALLOW")] = None,
    foundry_url_deny: Annotated[str | None, typer.Option(help="FOUNDRY_URL_DENY")] = None,
    cors_origins: Annotated[str | None, typer.Option(help="CORS_ORIGINS")] = None,
    public_url: Annotated[str | None, typer.Option(help="PUBLIC_URL")] = None,
    log_level: Annotated[str | None, typer.Option(help="LOG_LEVEL")] = None,
    access_log: Annotated[
        bool | None, typer.Option("--access-log/--no-access-log", help="ACCESS_LOG")
    ] = None,
    log_format: Annotated[str | None, typer.Option(help="LOG_FORMAT (text|json)")] = None,
    event_loop: Annotated[str | None, typer.Option(help="EVENT_LOOP (auto|uvloop|asyncio)")] = None,
    ws_compression: Annotated[
        bool | None,
        typer.Option("--ws-compression/--no-ws-compression", help="WS_COMPRESSION"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="WORKERS: processes serving the port (1-64)")
    ] = None,
    max_subscribers_per_client: Annotated[
        int | None, typer.Option(help="MAX_SUBSCRIBERS_PER_CLIENT (0 = no cap)")
    ] = None,
    max_subscribers_per_key: Annotated[
        int | None, typer.Option(help="MAX_SUBSCRIBERS_PER_KEY (0 = no cap)")
    ] = None,
    event_queue_size: Annotated[int | None, typer.Option(help="EVENT_QUEUE_SIZE")] = None,
    event_keepalive_seconds: Annotated[
        float | None, typer.Option(help="EVENT_KEEPALIVE_SECONDS")
    ] = None,
    credentials_key_file: Annotated[
        Path | None,
        typer.Option(help="CREDENTIALS_KEY_FILE (stored logins; the key itself only by env)"),
    ] = None,
    credentials_key_previous_file: Annotated[
        Path | None, typer.Option(help="CREDENTIALS_KEY_PREVIOUS_FILE (key rotation)")
    ] = None,
    auto_start_wait: Annotated[float | None, typer.Option(help="AUTO_START_WAIT (s)")] = None,
    auto_start_cooldown: Annotated[
        float | None, typer.Option(help="AUTO_START_COOLDOWN (s)")
    ] = None,
    keep_alive_max_backoff: Annotated[
        float | None, typer.Option(help="KEEP_ALIVE_MAX_BACKOFF (s)")
    ] = None,
    metrics: Annotated[
        str | None,
        typer.Option(help="METRICS: off, open, or token (with METRICS_TOKEN in the environment)"),
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
