"""``foundry-relay session start|list|end``: the client side of headless sessions."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from .client import AsyncRelayClient, RelayClientError

out = Console()
err = Console(stderr=True)

Relay = Annotated[
    str,
    typer.Option("--relay", envvar="FOUNDRY_RELAY_URL", help="Relay base URL (FOUNDRY_RELAY_URL)."),
]
ApiKeyOpt = Annotated[
    str,
    typer.Option(
        "--api-key", envvar="FOUNDRY_RELAY_API_KEY", help="API key (FOUNDRY_RELAY_API_KEY)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _fail(exc: RelayClientError, as_json: bool) -> typer.Exit:
    if as_json:
        body = {"error": exc.message, "code": exc.code, "status": exc.status}
        if exc.session_id:
            body["sessionId"] = exc.session_id
        print(json.dumps(body))
    else:
        err.print(f"[red]error {exc.code}[/red] ({exc.status}): {exc.message}")
        if exc.session_id:
            err.print(
                f"[dim]diagnostics: GET /session/{exc.session_id}/log and"
                f" /session/{exc.session_id}/screenshot[/dim]"
            )
    return typer.Exit(1)


def _password(from_stdin: bool) -> str:
    """From stdin, FOUNDRY_PASSWORD, or a hidden prompt; never a command-line argument."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("FOUNDRY_PASSWORD")
    if env is not None:
        return env
    value: str = typer.prompt("Foundry password", hide_input=True, default="", show_default=False)
    return value


def register(session_app: typer.Typer) -> None:
    @session_app.command("start")
    def start(
        relay: Relay,
        api_key: ApiKeyOpt,
        foundry_url: Annotated[str, typer.Option("--foundry-url", help="Foundry server URL.")],
        username: Annotated[str, typer.Option("--username", help="Foundry user (name or id).")],
        world: Annotated[
            str | None,
            typer.Option("--world", help="World to launch from the setup screen (id or title)."),
        ] = None,
        password_stdin: Annotated[
            bool,
            typer.Option(
                "--password-stdin", help="Read the password from the first line of stdin."
            ),
        ] = False,
        repair: Annotated[
            bool,
            typer.Option(
                "--repair",
                help="Re-pair a world paired with another relay (its GMs must pair again).",
            ),
        ] = False,
        ask_admin_password: Annotated[
            bool,
            typer.Option(
                "--ask-admin-password",
                help="Prompt (hidden) for the Foundry server's admin password, needed when the"
                " server shows its setup screen with an admin password; or set"
                " FOUNDRY_ADMIN_PASSWORD.",
            ),
        ] = False,
        as_json: JsonFlag = False,
    ) -> None:
        """Start a headless session; shows the launch stage while it waits.

        The GM's password comes from --password-stdin, FOUNDRY_PASSWORD or a hidden prompt; the
        Foundry admin password (to launch a world from the setup screen) from
        FOUNDRY_ADMIN_PASSWORD or --ask-admin-password. Neither is ever a command-line value.
        """
        password = _password(password_stdin)
        admin = os.environ.get("FOUNDRY_ADMIN_PASSWORD")
        if ask_admin_password and not admin:
            admin = typer.prompt(
                "Foundry admin password", hide_input=True, default="", show_default=False
            )
        try:
            result = asyncio.run(
                _start(
                    relay,
                    api_key,
                    foundry_url,
                    username,
                    world,
                    password,
                    admin,
                    quiet=as_json,
                    repair=repair,
                )
            )
        except RelayClientError as exc:
            raise _fail(exc, as_json) from exc
        if as_json:
            print(json.dumps(result))
        else:
            out.print(f"[green]session {result['sessionId']}[/green] client {result['clientId']}")

    @session_app.command("list")
    def list_(relay: Relay, api_key: ApiKeyOpt, as_json: JsonFlag = False) -> None:
        """List your active and pending sessions."""
        try:
            body = asyncio.run(_call(relay, api_key, lambda c: c.list_sessions()))
        except RelayClientError as exc:
            raise _fail(exc, as_json) from exc
        if as_json:
            print(json.dumps(body))
            return
        out.print(sessions_table(body))

    @session_app.command("end")
    def end(
        session_ref: Annotated[
            str,
            typer.Argument(
                metavar="SESSION",
                help="The session's id, the start of it, or its # in `session list`.",
            ),
        ],
        relay: Relay,
        api_key: ApiKeyOpt,
        as_json: JsonFlag = False,
    ) -> None:
        """End one of your sessions."""
        try:
            session_id = session_ref
            if len(session_ref) < 36:  # a # or the start of an id: as `session list` shows
                listed = asyncio.run(_call(relay, api_key, lambda c: c.list_sessions()))
                session_id = pick_session(listed, session_ref)
            body = asyncio.run(_call(relay, api_key, lambda c: c.end_session(session_id)))
        except RelayClientError as exc:
            raise _fail(exc, as_json) from exc
        if as_json:
            print(json.dumps(body))
        else:
            out.print(f"ended {session_id}")


def _rows(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(sessionId, state, world) of active then pending sessions: the order of the #s."""
    rows = [
        (s["sessionId"], "active", s.get("worldTitle") or s.get("worldName") or "")
        for s in body["activeSessions"]
    ]
    rows += [
        (s["sessionId"], f"launching: {s['stage']}", s.get("worldName") or "")
        for s in body["pendingSessions"]
    ]
    return rows


def sessions_table(body: dict[str, Any]) -> Table:
    """Sessions with whole ids (they fit 80 columns) and a # that `session end` takes."""
    table = Table("#", "session", "state", "world", "client")
    table.columns[1].no_wrap = True
    clients = {s["sessionId"]: s.get("clientId") or "" for s in body["activeSessions"]}
    for index, (session_id, state, world) in enumerate(_rows(body), start=1):
        table.add_row(str(index), session_id, state, world, clients.get(session_id, ""))
    return table


def pick_session(body: dict[str, Any], ref: str) -> str:
    """The session a # or the start of an id names; a clear error otherwise."""
    rows = _rows(body)
    if ref.isdigit() and 1 <= int(ref) <= len(rows):
        return rows[int(ref) - 1][0]
    matches = [r[0] for r in rows if r[0].startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    problem = "no session" if not matches else f"{len(matches)} sessions"
    raise RelayClientError(
        f"{problem} match '{ref}'; see `session list`", code="SESSION_NOT_FOUND", status=404
    )


async def _call(relay: str, api_key: str, fn: Any) -> Any:
    async with AsyncRelayClient(relay, api_key) as client:
        return await fn(client)


async def _start(
    relay: str,
    api_key: str,
    foundry_url: str,
    username: str,
    world: str | None,
    password: str,
    admin: str | None,
    *,
    quiet: bool,
    repair: bool = False,
) -> dict[str, Any]:
    async with (
        AsyncRelayClient(relay, api_key) as client,
        AsyncRelayClient(relay, api_key, timeout=10) as poller,
    ):
        task = asyncio.create_task(
            client.start_session(
                foundry_url=foundry_url,
                username=username,
                password=password,
                world=world,
                admin_password=admin,
                repair=repair,
            )
        )
        if quiet:
            info = await task
        else:
            with err.status("handshake…") as status:
                while not task.done():
                    await asyncio.wait({task}, timeout=0.3)
                    if task.done():
                        break
                    try:
                        pending = (await poller.list_sessions())["pendingSessions"]
                    except RelayClientError:
                        continue
                    if pending:
                        status.update(f"launching: {pending[-1]['stage']}…")
                info = await task
        return {"sessionId": info.session_id, "clientId": info.client_id}
