"""Forwarding rules: parameter parsing and reply correlation, without an event loop."""

from __future__ import annotations

from typing import Any

import pytest

from foundry_relay.core.forwarding import (
    Correlator,
    Pending,
    build_frame,
    new_request_id,
    parse_params,
    reply_error,
    unknown_params,
)
from foundry_relay.core.routes import ROUTES
from foundry_relay.errors import BadRequest, ForwardingError, RelayError

ROUTE = {r.ws_type: r for r in ROUTES}


class Box:
    def __init__(self) -> None:
        self.reply: dict[str, Any] | None = None
        self.error: RelayError | None = None

    def resolve(self, reply: dict[str, Any]) -> None:
        self.reply = reply

    def fail(self, error: RelayError) -> None:
        self.error = error


def test_the_spec_section_6_routes_are_in_the_table() -> None:
    table = {(r.method, r.path): r.ws_type for r in ROUTES}
    assert (
        table.items()
        >= {
            ("GET", "/get"): "entity",
            ("GET", "/search"): "search",
            ("POST", "/roll"): "roll",
            ("GET", "/structure"): "structure",
            ("POST", "/create"): "create",
            ("PUT", "/update"): "update",
            ("DELETE", "/delete"): "delete",
            ("GET", "/macros"): "macros",
            ("POST", "/macro/{uuid}/execute"): "macro-execute",
            ("GET", "/world-info"): "world-info",
            ("GET", "/players"): "players",
        }.items()
    )


def test_query_strings_are_coerced() -> None:
    params = parse_params(
        ROUTE["search"], {"query": "gob", "limit": "5", "minified": "true"}, {}, {}
    )
    assert params == {"query": "gob", "limit": 5, "minified": True}


@pytest.mark.parametrize("value", ["five", "1.5", ""])
def test_bad_int_is_400_naming_the_parameter(value: str) -> None:
    with pytest.raises(BadRequest, match="limit"):
        parse_params(ROUTE["search"], {"query": "x", "limit": value}, {}, {})


def test_missing_required_is_400_naming_it() -> None:
    with pytest.raises(BadRequest, match="formula"):
        parse_params(ROUTE["roll"], {}, {}, {})
    with pytest.raises(BadRequest, match="'query'"):
        parse_params(ROUTE["search"], {"limit": "3"}, {}, {})


def test_body_types_are_checked() -> None:
    with pytest.raises(BadRequest, match="data"):
        parse_params(ROUTE["create"], {}, {"entityType": "Actor", "data": "x"}, {})
    with pytest.raises(BadRequest, match="createChatMessage"):
        parse_params(ROUTE["roll"], {}, {"formula": "1d6", "createChatMessage": "maybe"}, {})
    ok = parse_params(ROUTE["create"], {}, {"entityType": "Actor", "data": {"name": "A"}}, {})
    assert ok == {"entityType": "Actor", "data": {"name": "A"}}


def test_path_parameter_and_frame_shape() -> None:
    params = parse_params(ROUTE["macro-execute"], {}, {"args": {"a": 1}}, {"uuid": "Macro.x"})
    frame = build_frame(ROUTE["macro-execute"], params, "rid")
    assert frame == {
        "type": "macro-execute",
        "requestId": "rid",
        "uuid": "Macro.x",
        "args": {"a": 1},
        "data": {},
    }


def test_request_ids_are_unguessable_and_unique() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 32 for i in ids)


def test_reply_error_only_for_string_error() -> None:
    assert reply_error({"error": "boom"})
    assert not reply_error({"error": None})
    assert not reply_error({"error": {"x": 1}})


def test_correlator_accepts_only_the_asked_socket_and_type() -> None:
    corr = Correlator()
    asked, other = object(), object()
    box = Box()
    corr.add(Pending("r1", "c1", asked, "roll", box))
    assert not corr.deliver(other, {"type": "roll-result", "requestId": "r1"})
    assert not corr.deliver(asked, {"type": "search-result", "requestId": "r1"})
    assert box.reply is None
    assert corr.deliver(asked, {"type": "roll-result", "requestId": "r1", "total": 3})
    assert box.reply == {"type": "roll-result", "requestId": "r1", "total": 3}
    assert not corr.deliver(asked, {"type": "roll-result", "requestId": "r1"})


def test_fail_connection_fails_only_its_requests() -> None:
    corr = Correlator()
    a, b = object(), object()
    boxes = [Box() for _ in range(3)]
    corr.add(Pending("1", "c", a, "roll", boxes[0]))
    corr.add(Pending("2", "c", a, "roll", boxes[1]))
    corr.add(Pending("3", "d", b, "roll", boxes[2]))
    assert corr.fail_connection(a, ForwardingError("gone", code="CLIENT_GONE")) == 2
    assert boxes[0].error is not None and boxes[0].error.code == "CLIENT_GONE"
    assert boxes[2].error is None and "3" in corr.pending


def test_integers_beyond_javascript_range_are_400() -> None:
    for value in ("9007199254740992", "99999999999999999999999", "-9007199254740992", 2**60):
        with pytest.raises(BadRequest, match="limit"):
            parse_params(ROUTE["search"], {"query": "x", "limit": value}, {}, {})  # type: ignore[dict-item]
    assert (
        parse_params(ROUTE["search"], {"query": "x", "limit": "9007199254740991"}, {}, {})["limit"]
        == 2**53 - 1
    )


def test_either_source_parameters_take_the_body_over_the_query() -> None:
    move = ROUTE["move-token"]
    params = parse_params(
        move, {"x": "1", "y": "2", "uuid": "Token.q"}, {"x": 5, "uuid": "T.b"}, {}
    )
    assert params == {"x": 5, "y": 2, "uuid": "T.b"}
    with pytest.raises(BadRequest, match="'x'"):
        parse_params(move, {"y": "2"}, {}, {})


def test_query_json_for_lists_and_objects_and_numbers() -> None:
    details = parse_params(
        ROUTE["get-actor-details"],
        {"actorUuid": "Actor.a", "details": '["items","spells"]'},
        {},
        {},
    )
    assert details["details"] == ["items", "spells"]
    listed = parse_params(ROUTE["get-actor-details"], {"actorUuid": "A", "details": "a,b"}, {}, {})
    assert listed["details"] == ["a", "b"]
    effect = parse_params(ROUTE["add-effect"], {"uuid": "A", "effectData": '{"name":"x"}'}, {}, {})
    assert effect["effectData"] == {"name": "x"}
    volume = parse_params(ROUTE["playlist-volume"], {"volume": "0.25"}, {}, {})
    assert volume["volume"] == 0.25
    for bad in ("loud", "nan", "inf", True):
        with pytest.raises(BadRequest, match="volume"):
            parse_params(ROUTE["playlist-volume"], {}, {"volume": bad}, {})


def test_unknown_parameters_are_named_not_forwarded() -> None:
    players = ROUTE["players"]
    query = {"userid": "x", "clientId": "c", "userId": "u"}
    assert unknown_params(players, query, {"extra": 1}) == ["extra", "userid"]
    assert parse_params(players, query, {"extra": 1}, {}) == {"userId": "u"}
