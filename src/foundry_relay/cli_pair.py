"""``foundry-relay pair``: print a pairing code for a key, approve or deny a browser pairing
request (SPEC 12). Works on the store file, so with or without a running relay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import DataDir, JsonFlag, err, fail, open_store, out, when
from .errors import RelayError

pair_app = typer.Typer(
    help="Pair a Foundry world: print a pairing code (--key-id), or approve/deny a browser"
    " pairing request."
)

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
    store = open_store(data_dir)
    try:
        if client_id is not None and store.known_client(key_id, client_id) is None:
            raise RelayError(f"clientId '{client_id}' is not a known client of this key")
        code = store.create_pairing_code(key_id, client_id=client_id)
    except RelayError as exc:
        raise fail(exc) from exc
    if as_json:
        print(json.dumps({"code": code.code, "expiresAt": when(code.expires_at)}))
        return
    out.print(f"pairing code [bold]{code.code}[/bold] (valid until {when(code.expires_at)})")
    out.print(
        "[dim]In Foundry: Game Settings → Configure Settings → Foundry REST API → Connection;"
        " set the relay URL to this relay's ws:// or wss:// address, then Enter Code.[/dim]"
    )


def _decide(code: str, key_id: str, data_dir: Path | None, approve: bool, as_json: bool) -> None:
    store = open_store(data_dir)
    try:
        decided = store.decide_pair_request(code.strip().upper(), key_id, approve=approve)
    except RelayError as exc:
        raise fail(exc) from exc
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
