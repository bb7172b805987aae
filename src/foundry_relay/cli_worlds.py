"""``foundry-relay worlds``: always-on worlds on this machine's store (SPEC 16) — known worlds,
their stored Foundry logins (sealed with the operator's key) and auto-start."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from .cli_common import DataDir, JsonFlag, fail, open_store, out, settings_from
from .errors import RelayError
from .headless.always_on import disabled, vault_from
from .vault import Vault, new_key

worlds_app = typer.Typer(
    help="Always-on worlds: stored logins and auto-start (needs CREDENTIALS_KEY[_FILE]).",
    no_args_is_help=True,
)
login_app = typer.Typer(help="A world's stored Foundry login.", no_args_is_help=True)
worlds_app.add_typer(login_app, name="login")

KeyId = Annotated[str, typer.Option("--key-id", help="The API key the world belongs to.")]


def _vault(data_dir: object) -> Vault:
    vault = vault_from(settings_from(data_dir=data_dir))
    if vault is None:
        raise fail(disabled())
    return vault


@worlds_app.command("new-key")
def worlds_new_key() -> None:
    """Print a fresh operator key for CREDENTIALS_KEY (or a CREDENTIALS_KEY_FILE)."""
    print(new_key())


@worlds_app.command("list")
def worlds_list(key_id: KeyId, data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """The key's known worlds, online or not, with their stored login (never the password)."""
    store = open_store(data_dir)
    logins = {x.client_id: x for x in store.world_logins(key_id)}
    rows: list[dict[str, Any]] = []
    for known in store.known_clients(key_id):
        found = logins.get(known.client_id)
        rows.append(
            {
                "clientId": known.client_id,
                "worldId": known.world_id,
                "worldTitle": known.world_title,
                "lastSeen": known.last_seen,
                "login": found.as_json() if found is not None else None,
            }
        )
    if as_json:
        print(json.dumps(rows))
        return
    table = Table("clientId", "world", "login", "auto-start")
    for row in rows:
        shown = row["login"]
        who = f"{shown['username']} @ {shown['foundryUrl']}" if shown else "-"
        auto = "on" if shown and shown["autoStart"] else "off"
        table.add_row(
            str(row["clientId"]), str(row["worldTitle"] or row["worldId"] or ""), who, auto
        )
    out.print(table)


@login_app.command("set")
def login_set(
    client_id: Annotated[str, typer.Argument(help="The world's clientId.")],
    key_id: KeyId,
    foundry_url: Annotated[str, typer.Option("--foundry-url", help="Foundry server URL.")],
    username: Annotated[str, typer.Option("--username", help="Foundry user (name or id).")],
    world: Annotated[
        str | None, typer.Option("--world", help="World to launch from the setup screen.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Store a world's Foundry login, sealed with the operator's key (hidden prompt)."""
    vault = _vault(data_dir)
    store = open_store(data_dir)
    if store.known_client(key_id, client_id) is None:
        raise fail(RelayError(f"no known world '{client_id}' for key {key_id}", code="NOT_FOUND"))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Foundry password", hide_input=True)
    if not password:
        raise fail(RelayError("the password is empty", code="BAD_REQUEST"))
    sealed = vault.seal({"password": password, "adminPassword": None}, f"{key_id}:{client_id}")
    store.save_login(
        key_id,
        client_id,
        foundry_url=foundry_url,
        username=username,
        world_name=world,
        sealed=sealed,
    )
    out.print(f"stored the login of [bold]{client_id}[/bold] ({username} @ {foundry_url})")


@login_app.command("clear")
def login_clear(
    client_id: Annotated[str, typer.Argument(help="The world's clientId.")],
    key_id: KeyId,
    data_dir: DataDir = None,
) -> None:
    """Forget a world's stored login (and its auto-start)."""
    try:
        open_store(data_dir).clear_login(key_id, client_id)
    except RelayError as exc:
        raise fail(exc) from exc
    out.print(f"forgot the login of [bold]{client_id}[/bold]")


@worlds_app.command("auto-start")
def auto_start(
    client_id: Annotated[str, typer.Argument(help="The world's clientId.")],
    state: Annotated[str, typer.Argument(help="on or off")],
    key_id: KeyId,
    data_dir: DataDir = None,
) -> None:
    """Start the world when a request finds it offline, and bring its sessions back."""
    if state not in ("on", "off"):
        raise typer.BadParameter("on or off", param_hint="STATE")
    _vault(data_dir)
    try:
        open_store(data_dir).set_auto_start(key_id, client_id, state == "on")
    except RelayError as exc:
        raise fail(exc) from exc
    out.print(f"auto-start of [bold]{client_id}[/bold]: {state}")
