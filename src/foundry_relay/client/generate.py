"""Writes the client library's generated parts: one typed method per forwarded route (from the
route table, into ``_async.py``), and the sync client ``_sync.py`` from the async source.

    python -m foundry_relay.client.generate          # rewrite both files
    python -m foundry_relay.client.generate --check  # exit 1 if either is out of date

The async client is the only source written by hand; the test suite runs ``--check``.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from ..core.forwarding import ROUTES, Param, Route
from .common import snake

HERE = Path(__file__).parent
ASYNC_SOURCE = HERE / "_async.py"
SYNC_TARGET = HERE / "_sync.py"
BEGIN = "    # --- generated from the route table (python -m foundry_relay.client.generate) ---\n"
END = "    # --- end of generated methods ---\n"
TYPES = {
    "str": "str",
    "bool": "bool",
    "int": "int",
    "object": "dict[str, Any]",
    "array": "list[Any]",
    "any": "Any",
}
# async source → sync client, in order (the approach of httpcore's unasync script)
UNASYNC = (
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\bawait ", ""),
    (r"\bAsyncRelayClient\b", "RelayClient"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\bAsync client\b", "Sync client"),
)
SYNC_HEADER = (
    '"""GENERATED from ``_async.py`` by ``python -m foundry_relay.client.generate``: edit that.\n\n'
)


def _arg(param: Param) -> str:
    name = snake(param.name)
    return name + "_" if keyword.iskeyword(name) else name


def route_method(route: Route) -> str:
    """The typed async method for one route."""
    positional = [p for p in route.params if p.required]
    if route.one_of:  # "one of these is required": the first may be given positionally
        positional += [p for p in route.params if p.name == route.one_of[0] and not p.required]
    keywords = [p for p in route.params if p not in positional]
    lines = [f"    async def {route.py_name}(", "        self,"]
    for p in positional:
        optional = "" if p.required else " | None = None"
        lines.append(f"        {_arg(p)}: {TYPES[p.kind]}{optional},")
    lines.append("        *,")
    for p in keywords:
        lines.append(f"        {_arg(p)}: {TYPES[p.kind]} | None = None,")
    lines.append("        client_id: str | None = None,")
    lines.append("    ) -> ModuleReply:")
    summary = route.summary or f"The module's ``{route.ws_type}``"
    lines.append(f'        """{summary} (``{route.method} {route.path}``)."""')
    call = [f'"{route.ws_type}"', "client_id=client_id"]
    call += [f"{p.name}={_arg(p)}" for p in route.params]
    lines.append(f"        return await self.forward({', '.join(call)})")
    return "\n".join(lines) + "\n"


def async_source(current: str) -> str:
    """``_async.py`` with its generated block rewritten from the route table."""
    start, stop = current.index(BEGIN) + len(BEGIN), current.index(END)
    methods = "\n".join(route_method(r) for r in ROUTES)
    return current[:start] + methods + current[stop:]


def sync_source(async_text: str) -> str:
    text = async_text
    for pattern, replacement in UNASYNC:
        text = re.sub(pattern, replacement, text)
    return SYNC_HEADER + text.removeprefix('"""')


def _format(text: str) -> str:
    """Through ruff's formatter, as the hand-written code is (so the check is stable)."""
    import subprocess

    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff) if ruff.exists() else "ruff", "format", "--stdin-filename", "x.py", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def outputs() -> dict[Path, str]:
    source = _format(async_source(ASYNC_SOURCE.read_text()))
    return {ASYNC_SOURCE: source, SYNC_TARGET: _format(sync_source(source))}


def stale() -> list[Path]:
    return [p for p, text in outputs().items() if not p.exists() or p.read_text() != text]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path.name} is out of date: python -m foundry_relay.client.generate")
        return 1 if out_of_date else 0
    for path, text in outputs().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
