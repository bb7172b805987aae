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
        as_json: JsonFlag = False,
    ) -> None:
        """Start a headless session; shows the launch stage while it waits."""
        password = _password(password_stdin)
        admin = os.environ.get("FOUNDRY_ADMIN_PASSWORD")
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
        table = Table("session", "state", "client", "foundry", "user", "world")
        for s in body["activeSessions"]:
            table.add_row(
                s["sessionId"],
                "active",
                s.get("clientId") or "",
                s["foundryUrl"],
                s["username"],
                s.get("worldTitle") or s.get("worldName") or "",
            )
        for s in body["pendingSessions"]:
            table.add_row(
                s["sessionId"],
                f"launching ({s['stage']})",
                "",
                s["foundryUrl"],
                s["username"],
                s.get("worldName") or "",
            )
        out.print(table)

    @session_app.command("end")
    def end(
        session_id: Annotated[str, typer.Argument(help="The session id.")],
        relay: Relay,
        api_key: ApiKeyOpt,
        as_json: JsonFlag = False,
    ) -> None:
        """End one of your sessions."""
        try:
            body = asyncio.run(_call(relay, api_key, lambda c: c.end_session(session_id)))
        except RelayClientError as exc:
            raise _fail(exc, as_json) from exc
        if as_json:
            print(json.dumps(body))
        else:
            out.print(f"ended {session_id}")


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
