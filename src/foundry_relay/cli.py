"""The ``foundry-relay`` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from . import __version__
from .cli_session import register as register_session_commands
from .errors import RelayError
from .logsetup import configure
from .settings import Settings
from .store import Store

app = typer.Typer(
    help="Self-hostable relay for Foundry VTT with headless sessions.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="Manage connection tokens for manually paired worlds.", no_args_is_help=True
)
pair_app = typer.Typer(
    help="Pair a Foundry world: print a pairing code (--key-id), or approve/deny a browser"
    " pairing request."
)
app.add_typer(keys_app, name="keys")
app.add_typer(tokens_app, name="tokens")
app.add_typer(pair_app, name="pair")
session_app = typer.Typer(
    help="Client side: start, list and end headless sessions on a relay.", no_args_is_help=True
)
app.add_typer(session_app, name="session")
register_session_commands(session_app)

out = Console()
err = Console(stderr=True)
log = logging.getLogger("foundry_relay.cli")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Data folder (default: DATA_DIR, else ./data).", show_default=False
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _settings(**overrides: Any) -> Settings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        err.print(f"[red]invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from exc


def _store(data_dir: Path | None) -> Store:
    return Store(_settings(data_dir=data_dir).db_path)


def _fail(error: RelayError) -> typer.Exit:
    err.print(f"[red]error[/red] {error.code}: {error.message}")
    return typer.Exit(1)


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        out.print(__version__)
        raise typer.Exit()


# -- keys -------------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="A label for the key.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    store = _store(data_dir)
    record, key = store.create_key(name)
    if as_json:
        print(json.dumps({"id": record.id, "name": record.name, "key": key}))
    else:
        out.print(f"API key [bold]{record.name}[/bold] (id {record.id}):")
        out.print(key, highlight=False, soft_wrap=True)
        out.print("[dim]Store it now: it cannot be shown again.[/dim]")


@keys_app.command("list")
def keys_list(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """List API keys (never their values)."""
    keys = _store(data_dir).list_keys()
    if as_json:
        print(json.dumps([k.as_json() for k in keys]))
        return
    table = Table("id", "name", "created", "status")
    for k in keys:
        table.add_row(k.id, k.name, _when(k.created_at), "revoked" if k.revoked_at else "active")
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id.")], data_dir: DataDir = None
) -> None:
    """Revoke an API key; it stops working at once."""
    try:
        _store(data_dir).revoke_key(key_id)
    except RelayError as exc:
        raise _fail(exc) from exc
    out.print(f"revoked key {key_id}")


# -- tokens -----------------------------------------------------------------------------------


@tokens_app.command("create")
def tokens_create(
    key_id: Annotated[str, typer.Option("--key-id", help="The API key the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="A label, e.g. the world.")] = "",
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a connection token for a manually paired Foundry world."""
    try:
        record, token = _store(data_dir).create_token(key_id, name or "manual")
    except RelayError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(json.dumps({"id": record.id, "name": record.name, "token": token}))
    else:
        out.print(f"connection token [bold]{record.name}[/bold] (id {record.id}):")
        out.print(token, highlight=False, soft_wrap=True)
        out.print("[dim]Paste it into the module's settings; it cannot be shown again.[/dim]")


@tokens_app.command("list")
def tokens_list(
    key_id: Annotated[str | None, typer.Option("--key-id", help="Only this key's.")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """List connection tokens (never their values)."""
    tokens = _store(data_dir).list_tokens(key_id)
    if as_json:
        print(json.dumps([t.as_json() for t in tokens]))
        return
    table = Table("id", "key", "name", "session", "created", "status")
    for t in tokens:
        table.add_row(
            t.id,
            t.key_id,
            t.name,
            t.session_id or "",
            _when(t.created_at),
            "revoked" if t.revoked_at else "active",
        )
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id.")], data_dir: DataDir = None
) -> None:
    """Revoke a connection token; it stops working at once."""
    try:
        _store(data_dir).revoke_token(token_id)
    except RelayError as exc:
        raise _fail(exc) from exc
    out.print(f"revoked token {token_id}")


# -- pair -------------------------------------------------------------------------------------

KeyIdOpt = Annotated[
    str | None, typer.Option("--key-id", help="The API key the world will act for.")
]


@pair_app.callback(invoke_without_command=True)
def pair(
    ctx: typer.Context,
    key_id: KeyIdOpt = None,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", help="Add a browser to this already paired world."),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Print a 6-character pairing code (single use, 10 minutes) to type into the module."""
    if ctx.invoked_subcommand is not None:
        return
    if not key_id:
        err.print("[red]error[/red] --key-id is required (see: foundry-relay keys list)")
        raise typer.Exit(2)
    store = _store(data_dir)
    try:
        if client_id is not None and store.known_client(key_id, client_id) is None:
            raise RelayError(f"clientId '{client_id}' is not a known client of this key")
        code = store.create_pairing_code(key_id, client_id=client_id)
    except RelayError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(json.dumps({"code": code.code, "expiresAt": _when(code.expires_at)}))
        return
    out.print(f"pairing code [bold]{code.code}[/bold] (valid until {_when(code.expires_at)})")
    out.print(
        "[dim]In Foundry: Game Settings → Configure Settings → Foundry REST API → Connection;"
        " set the relay URL to this relay's ws:// or wss:// address, then Enter Code.[/dim]"
    )


def _decide(code: str, key_id: str, data_dir: Path | None, approve: bool, as_json: bool) -> None:
    store = _store(data_dir)
    try:
        decided = store.decide_pair_request(code.strip().upper(), key_id, approve=approve)
    except RelayError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(json.dumps({"code": decided.code, "status": decided.status}))
        return
    world = decided.world_title or decided.world_id
    out.print(f"pair request {decided.code} for world [bold]{world}[/bold]: {decided.status}")


@pair_app.command("approve")
def pair_approve(
    code: Annotated[str, typer.Argument(help="The code of the browser pairing request.")],
    key_id: Annotated[str, typer.Option("--key-id", help="The API key the world acts for.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve a browser pairing request (the module then finishes pairing by itself)."""
    _decide(code, key_id, data_dir, True, as_json)


@pair_app.command("deny")
def pair_deny(
    code: Annotated[str, typer.Argument(help="The code of the browser pairing request.")],
    key_id: Annotated[str, typer.Option("--key-id", help="The API key deciding.")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Deny a browser pairing request."""
    _decide(code, key_id, data_dir, False, as_json)


def _when(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


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
) -> None:
    """Run the relay until SIGINT/SIGTERM."""
    settings = _settings(**{k: v for k, v in locals().items()})
    configure(settings.log_level, settings.log_format, access_log=settings.access_log)
    try:
        asyncio.run(_serve(settings))
    except RelayError as exc:
        raise _fail(exc) from exc


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


# -- simulate ---------------------------------------------------------------------------------


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
            help="Start the world paired with this relay URL (ws://host:port); default: unpaired."
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
