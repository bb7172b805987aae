"""``foundry-relay keys`` and ``tokens``: API keys with their scopes (SPEC 15) and connection
tokens, in the store the relay uses (keys and tokens are shown once, stored as hashes)."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Annotated

import typer
from rich.table import Table

from .cli_common import DataDir, JsonFlag, fail, open_store, out, when
from .core.scopes import ROUTE_SCOPE, SCOPES
from .errors import BadRequest, RelayError

keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="Manage connection tokens for manually paired worlds.", no_args_is_help=True
)


def parse_when(text: str) -> float:
    """An ISO 8601 date or time as a UNIX time (UTC when it names no zone)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadRequest(f"not an ISO date or time: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


# -- keys -------------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="A label for the key.")],
    allow_execute_js: Annotated[
        bool,
        typer.Option(
            "--allow-execute-js",
            help="Let the key run code in the GM's browser: POST /execute-js, and creating or"
            " updating a Macro's command (the execute-js scope; off by default).",
        ),
    ] = False,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="A scope the key gets (repeat for several; see `keys scopes`). Default: every"
            " scope but execute-js.",
        ),
    ] = None,
    client_id: Annotated[
        list[str] | None,
        typer.Option("--client-id", help="A world the key may reach (repeat); default: any."),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(help="When the key stops working: an ISO date or time (UTC if no zone)."),
    ] = None,
    rate_limit: Annotated[
        int | None,
        typer.Option(help="Requests per minute for this key (default KEY_RATE_LIMIT; 0 = off)."),
    ] = None,
    monthly_quota: Annotated[
        int | None,
        typer.Option(help="Requests per calendar month (UTC) for this key; none by default."),
    ] = None,
    admin: Annotated[
        bool,
        typer.Option(
            "--admin",
            help="Let the key manage every key, token and world over HTTP (/auth/api-keys, the"
            " dashboard). Only this command makes admin keys.",
        ),
    ] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    store = open_store(data_dir)
    try:
        record, key = store.create_key(
            name,
            allow_execute_js=allow_execute_js,
            scopes=scope or None,
            client_ids=client_id or None,
            expires_at=parse_when(expires) if expires else None,
            rate_limit=rate_limit,
            monthly_quota=monthly_quota or None,
            admin=admin,
        )
    except RelayError as exc:
        raise fail(exc) from exc
    if as_json:
        print(json.dumps(record.as_json() | {"key": key}))
    else:
        out.print(f"API key [bold]{record.name}[/bold] (id {record.id}):")
        out.print(key, highlight=False, soft_wrap=True)
        out.print("[dim]Store it now: it cannot be shown again.[/dim]")


@keys_app.command("list")
def keys_list(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """List API keys (never their values)."""
    keys = open_store(data_dir).list_keys()
    if as_json:
        print(json.dumps([k.as_json() for k in keys]))
        return
    table = Table("id", "name", "created", "status", "scopes", "worlds")
    now = time.time()
    for k in keys:
        status = "revoked" if k.revoked_at else "expired" if k.expired(now) else "active"
        if not k.enabled and not k.revoked_at:
            status = "disabled"
        scopes = "all" if k.scopes >= set(SCOPES) else f"{len(k.scopes)} of {len(SCOPES)}"
        worlds = ", ".join(k.client_ids) if k.client_ids is not None else "any"
        table.add_row(k.id, k.name, when(k.created_at), status, scopes, worlds)
    out.print(table)


@keys_app.command("scopes")
def keys_scopes() -> None:
    """The scopes a key can have, and the routes each one opens."""
    table = Table("scope", "routes")
    for name in SCOPES:
        routes = [r for r, s in ROUTE_SCOPE.items() if s == name]
        if name == "dnd5e":
            routes = ["/dnd5e/*"]
        table.add_row(name, ", ".join(routes))
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id.")], data_dir: DataDir = None
) -> None:
    """Revoke an API key; it stops working at once."""
    try:
        open_store(data_dir).revoke_key(key_id)
    except RelayError as exc:
        raise fail(exc) from exc
    out.print(f"revoked key {key_id}")


# -- tokens -----------------------------------------------------------------------------------


@tokens_app.command("create")
def tokens_create(
    key_id: Annotated[str, typer.Option("--key-id", help="The API key the token acts for.")],
    name: Annotated[str, typer.Option("--name", help="A label, e.g. the world.")] = "",
    remote_target: Annotated[
        list[str] | None,
        typer.Option(
            "--remote-target",
            help="A clientId this world may call with remote-request (repeatable; default: any"
            " world of the key).",
        ),
    ] = None,
    no_remote: Annotated[
        bool, typer.Option("--no-remote", help="This world may not call other worlds.")
    ] = False,
    remote_scope: Annotated[
        list[str] | None,
        typer.Option(
            "--remote-scope",
            help="A scope this world may use in remote-request (repeatable; default: every"
            " scope of its key; a call also needs the scope on the key).",
        ),
    ] = None,
    remote_per_hour: Annotated[
        int | None,
        typer.Option(
            "--remote-per-hour",
            min=0,
            help="remote-requests this world may make an hour (default 0: no limit).",
        ),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a connection token for a manually paired Foundry world."""
    targets = [] if no_remote else (remote_target or None)
    try:
        record, token = open_store(data_dir).create_token(
            key_id,
            name or "manual",
            remote_targets=targets,
            remote_scopes=remote_scope,
            remote_per_hour=remote_per_hour or None,
        )
    except RelayError as exc:
        raise fail(exc) from exc
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
    tokens = open_store(data_dir).list_tokens(key_id)
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
            when(t.created_at),
            "revoked" if t.revoked_at else "active",
        )
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token's id.")], data_dir: DataDir = None
) -> None:
    """Revoke a connection token; it stops working at once."""
    try:
        open_store(data_dir).revoke_token(token_id)
    except RelayError as exc:
        raise fail(exc) from exc
    out.print(f"revoked token {token_id}")
