"""``foundry-relay events CHANNEL``: a world's live events, printed as they come."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.console import Console

from .cli_session import ApiKeyOpt, JsonFlag, Relay, _fail
from .client import RelayClient, RelayClientError
from .client.common import SUBSCRIBE_PATHS

out = Console(highlight=False)


def _filters(pairs: list[str]) -> dict[str, str]:
    filters: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r}: expected NAME=VALUE", param_hint="--filter")
        filters[name] = value
    return filters


def register(app: typer.Typer) -> None:
    @app.command("events")
    def events(
        channel: Annotated[
            str, typer.Argument(help="rolls, chat, hooks, encounters, actor or scene.")
        ],
        relay: Relay,
        api_key: ApiKeyOpt,
        client_id: Annotated[
            str | None,
            typer.Option("--client-id", help="The world (default: the key's only one)."),
        ] = None,
        filters: Annotated[
            list[str] | None,
            typer.Option(
                "--filter",
                help="NAME=VALUE, repeatable: userId, speaker, type, whisperOnly, hooks,"
                " encounterId, actorUuid, sceneId.",
            ),
        ] = None,
        count: Annotated[
            int, typer.Option("--count", help="Stop after this many events (0: never).")
        ] = 0,
        as_json: JsonFlag = False,
    ) -> None:
        """Print a world's live events (server-sent events) until Ctrl-C."""
        if channel not in SUBSCRIBE_PATHS:
            raise typer.BadParameter(f"one of: {', '.join(SUBSCRIBE_PATHS)}", param_hint="CHANNEL")
        seen = 0
        try:
            with RelayClient(relay, api_key) as client:
                stream = client.subscribe(channel, client_id=client_id, **_filters(filters or []))
                for event in stream:
                    if as_json:
                        print(json.dumps({"event": event.name, "data": event.data}), flush=True)
                    elif event.name == "connected":
                        out.print(f"[dim]connected to {event.data.get('clientId')}[/dim]")
                    else:
                        stamp = time.strftime("%H:%M:%S")
                        out.print(
                            f"[dim]{stamp}[/dim] [bold]{event.name}[/bold] {json.dumps(event.data)}"
                        )
                    if event.name != "connected":
                        seen += 1
                        if count and seen >= count:
                            return
        except RelayClientError as exc:
            raise _fail(exc, as_json) from exc
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
