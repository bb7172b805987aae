"""The client library's forwarded calls come from the relay's route table: every route is
callable (by name and by its typed method), each parameter lands where the route takes it,
unknown ones are refused locally; the sync client is the async one, generated.
(The HTTP transport is httpx's MockTransport; everything of ours runs for real.)"""

from __future__ import annotations

import inspect
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from foundry_relay.client import AsyncRelayClient, RelayClient, generate
from foundry_relay.client.common import snake
from foundry_relay.core.routes import ROUTES

SAMPLE = {
    "str": "Actor.abc",
    "bool": True,
    "int": 3,
    "number": 2.5,
    "object": {"a": 1},
    "array": [1],
    "any": 1,
}


def recording_client() -> tuple[RelayClient, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"ok": True})

    http = httpx.Client(base_url="http://relay.test", transport=httpx.MockTransport(handler))
    return RelayClient("http://relay.test", "frk_unused", http=http), sent


def _parts(request: httpx.Request) -> tuple[str, str, dict[str, str], Any]:
    url = urlsplit(str(request.url))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    body = json.loads(request.content) if request.content else None
    return request.method, url.path, query, body


@pytest.mark.parametrize("route", ROUTES, ids=[r.ws_type for r in ROUTES])
def test_every_route_places_every_parameter(route: Any) -> None:
    relay, sent = recording_client()
    params = {p.name: SAMPLE[p.kind] for p in route.params}
    for name in (route.ws_type, f"{route.method} {route.path}"):
        assert relay.forward(name, client_id="fvtt_1", **params) == {"ok": True}
    first, second = (_parts(r) for r in sent)
    assert first == second  # by frame type or by path: the same request
    method, path, query, body = first
    assert method == route.method and query["clientId"] == "fvtt_1"
    assert sent[0].headers["x-api-key"] == "frk_unused"
    for p in route.params:
        source = p.source
        if source == "e":  # query or body: the body where the method has one
            source = "b" if route.method in ("POST", "PUT") else "q"
        if source == "q":
            expected = SAMPLE[p.kind]
            if isinstance(expected, (list, dict)):
                assert json.loads(query[p.name]) == expected
            else:
                assert query[p.name] == ("true" if expected is True else str(expected))
        elif source == "b":
            assert body[p.name] == SAMPLE[p.kind]
        else:
            assert "{" not in path and "Actor.abc" in path


def test_unknown_parameters_and_routes_are_refused_before_sending() -> None:
    relay, sent = recording_client()
    with pytest.raises(TypeError, match="userid"):
        relay.forward("world-info", userid="x")
    with pytest.raises(ValueError, match="no forwarded route"):
        relay.forward("no-such-route")
    with pytest.raises(TypeError, match="path parameter"):
        relay.forward("macro-execute")
    assert sent == []


def test_named_methods_are_the_table_routes() -> None:
    relay, sent = recording_client()
    relay.roll("1d20", flavor=None)
    relay.execute_macro("Macro.x y", args={"n": 1})
    roll, macro = (_parts(r) for r in sent)
    assert roll[:2] == ("POST", "/roll") and roll[3] == {"formula": "1d20"}
    assert sent[1].url.raw_path.startswith(b"/macro/Macro.x%20y/execute")
    assert macro[3] == {"args": {"n": 1}}


@pytest.mark.parametrize("route", ROUTES, ids=[r.ws_type for r in ROUTES])
def test_every_route_has_a_typed_method_sending_the_same_request(route: Any) -> None:
    relay, sent = recording_client()
    params = {p.name: SAMPLE[p.kind] for p in route.params}
    relay.forward(route.ws_type, client_id="fvtt_1", **params)
    method = getattr(relay, route.py_name)
    arguments = {snake(name): value for name, value in params.items()}
    assert set(inspect.signature(method).parameters) == {*arguments, "client_id"}
    method(client_id="fvtt_1", **arguments)
    by_name, by_method = (_parts(r) for r in sent)
    assert by_name == by_method


def test_the_sync_client_is_the_async_one_generated() -> None:
    assert generate.main(["--check"]) == 0, "python -m foundry_relay.client.generate"
    public = {
        name
        for name, member in inspect.getmembers(AsyncRelayClient)
        if callable(member) and not name.startswith("_")
    }
    assert len(public) > 100  # the relay's own endpoints and every forwarded route
    assert public - {"aclose"} <= set(dir(RelayClient))
    for name in public - {"aclose"}:
        a_method, s_method = getattr(AsyncRelayClient, name), getattr(RelayClient, name)
        if inspect.isasyncgenfunction(a_method):  # a stream: an async and a plain generator
            assert inspect.isgeneratorfunction(s_method), name
            a_sig, s_sig = inspect.signature(a_method), inspect.signature(s_method)
            assert a_sig.parameters == s_sig.parameters, name
            assert str(a_sig.return_annotation) == "Async" + str(s_sig.return_annotation), name
            continue
        is_async = inspect.iscoroutinefunction(a_method)
        assert is_async and not inspect.iscoroutinefunction(s_method), name
        assert inspect.signature(a_method) == inspect.signature(s_method), name
