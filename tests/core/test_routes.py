"""The route table is the established relay's module API: every forwarded route of
``tests/data/routes.tsv`` (a copy of the SPEC's reference list) with its method, path, frame type
and every parameter from the same places, nothing more."""

from __future__ import annotations

import re
from pathlib import Path

from foundry_relay.core.forwarding import Route
from foundry_relay.core.routes import ROUTES, ROUTES_BY_TYPE

REFERENCE = Path(__file__).parent.parent / "data" / "routes.tsv"


def forwarded_reference() -> list[dict[str, str]]:
    rows = []
    for line in REFERENCE.read_text().splitlines()[1:]:
        area, method, path, frame, params = [*line.split("\t"), ""][:5]
        if not frame.startswith("("):
            rows.append(
                {"area": area, "method": method, "path": path, "type": frame, "params": params}
            )
    return rows


def _sources(params: str) -> dict[str, tuple[set[str], bool]]:
    """name → (sources, required) of a reference row, clientId left out (the relay's own)."""
    out: dict[str, tuple[set[str], bool]] = {}
    for name, source, star in re.findall(r"([\w-]+)\((\w)(\*?)\)", params):
        if name == "clientId":
            continue
        sources, required = out.get(name, (set(), False))
        out[name] = (sources | {source}, required or star == "*")
    return out


def _declared(route: Route) -> dict[str, tuple[set[str], bool]]:
    readable = {"q": {"q"}, "b": {"b"}, "p": {"p"}, "e": {"q", "b"}}
    return {p.name: (readable[p.source], p.required) for p in route.params}


def test_every_reference_route_is_in_the_table_with_its_parameters() -> None:
    reference = forwarded_reference()
    assert len(reference) == len(ROUTES) == len(ROUTES_BY_TYPE) == 91
    for row in reference:
        route = ROUTES_BY_TYPE[row["type"]]
        assert (route.method, route.path, route.area) == (row["method"], row["path"], row["area"])
        assert _declared(route) == _sources(row["params"]), route.ws_type


def test_every_route_has_a_summary_and_userid_where_the_module_reads_it() -> None:
    for route in ROUTES:
        assert route.summary, route.ws_type
        assert "userId" in route.names, route.ws_type
        assert route.reply, route.ws_type  # the module's reply fields, for the OpenAPI example
    assert ROUTES_BY_TYPE["execute-js"].timeout == 20.0 and ROUTES_BY_TYPE["execute-js"].guard
    assert {r.ws_type for r in ROUTES if r.binary} == {
        "scene-screenshot",
        "scene-raw-image",
        "sheet-screenshot",
        "download-file",
    }
