"""What the command-line modules share: consoles, common options, settings and store access,
the error exit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from .errors import RelayError
from .settings import Settings
from .store import Store

T = TypeVar("T")

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


def settings_from(**overrides: Any) -> Settings:
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        err.print(f"[red]invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from exc


def open_store(data_dir: Path | None) -> Store:
    return Store(settings_from(data_dir=data_dir).store_target)


def fail(error: RelayError) -> typer.Exit:
    err.print(f"[red]error[/red] {error.code}: {error.message}")
    return typer.Exit(1)


def when(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def run_loop(main: Coroutine[Any, Any, T], loop: str = "auto") -> T:
    """Run ``main`` on uvloop (``auto``: when installed) or asyncio's own loop."""
    if loop != "asyncio":
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise
        else:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return runner.run(main)
    return asyncio.run(main)
