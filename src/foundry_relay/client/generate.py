"""Writes the client library's generated parts: one typed method per forwarded route (from the
route table, into ``_async_routes.py``), and the sync client (``_sync.py``, ``_sync_routes.py``)
from the async sources.

    python -m foundry_relay.client.generate          # rewrite both files
    python -m foundry_relay.client.generate --check  # exit 1 if either is out of date

``_async.py`` is the only client source written by hand; the test suite runs ``--check``.
"""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path

from ..core.forwarding import Param, Route
from ..core.routes import ROUTES
from .common import snake

HERE = Path(__file__).parent
ROUTES_HEADER = '''"""GENERATED from the route table by ``python -m foundry_relay.client.generate``:
one typed method per forwarded route (SPEC 13), each a call of ``forward`` with the wire names."""

from __future__ import annotations

from typing import Any

from .common import ModuleReply


class AsyncRoutes:
    """The forwarded routes of the relay, typed; :class:`AsyncRelayClient` sends them."""

    async def forward(
        self, route: str, /, *, client_id: str | None = None, **params: Any
    ) -> ModuleReply:
        raise NotImplementedError

'''
TYPES = {
    "str": "str",
    "bool": "bool",
    "int": "int",
    "number": "float",
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
    (r"\bAsyncRoutes\b", "Routes"),
    (r"\b_async_routes\b", "_sync_routes"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\baclose\b", "close"),
    (r"\bAsync client\b", "Sync client"),
)
SYNC_DOC = (
    '"""The sync client, GENERATED from ``{origin}``: edit that, then run\n'
    '``python -m foundry_relay.client.generate``."""'
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


def routes_source() -> str:
    """``_async_routes.py``: the header and one method per route of the table."""
    return ROUTES_HEADER + "\n".join(route_method(r) for r in ROUTES)


def sync_source(async_text: str, origin: str) -> str:
    """The sync twin of an async source: same code without ``async``/``await``."""
    body = async_text.split('"""', 2)[2]  # without the module docstring
    for pattern, replacement in UNASYNC:
        body = re.sub(pattern, replacement, body)
    return SYNC_DOC.format(origin=origin) + body


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
    routes = _format(routes_source())
    client = _format((HERE / "_async.py").read_text())
    return {
        HERE / "_async_routes.py": routes,
        HERE / "_sync_routes.py": _format(sync_source(routes, "_async_routes.py")),
        HERE / "_sync.py": _format(sync_source(client, "_async.py")),
    }


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
