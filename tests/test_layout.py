"""The layout shows the architecture (STYLE "Shape"): the pure core imports no adapter, and no
two modules of the package import each other at load time."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "foundry_relay"
ADAPTERS = {"server", "headless", "browser", "store", "simulator", "client", "cli"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package imported at load time (not under TYPE_CHECKING, not lazily)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("foundry_relay"):
                target = node.module
            else:
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in modules else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("foundry_relay")}
    return {m for m in found if m in modules and m != name}


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        if node in stack:
            cycles.append([*stack[stack.index(node) :], node])
            return
        if node in done:
            return
        done.add(node)
        for nxt in sorted(graph[node]):
            visit(nxt, [*stack, node], done)

    seen: set[str] = set()
    for name in sorted(graph):
        visit(name, [], seen)
    assert cycles == [], [" -> ".join(c) for c in cycles]


def test_the_core_imports_no_adapter() -> None:
    modules = _modules()
    for name, path in modules.items():
        if not name.startswith("foundry_relay.core"):
            continue
        source = path.read_text("utf-8")
        for banned in ("asyncio", "playwright", "starlette", "fastapi", "sqlite3"):
            assert f"import {banned}" not in source, (name, banned)
        for imported in _imports(name, path, modules):
            top = imported.split(".")[1] if "." in imported else ""
            assert top not in ADAPTERS, (name, imported)
