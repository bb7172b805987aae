"""Property tests (Hypothesis) for the rules with the most cases: how query and body values are
coerced into frame parameters, and which addresses the URL policy lets a browser open."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from foundry_relay.core.forwarding import MAX_SAFE_INT, Param, Route, parse_params
from foundry_relay.core.urlpolicy import UrlPolicy, parse_foundry_url
from foundry_relay.errors import BadRequest, RelayError

KINDS = ("str", "bool", "int", "object", "array", "any")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)


def _route(kind: str, source: str) -> Route:
    return Route("GET" if source == "q" else "POST", "/x", "x", (Param("v", source, kind),))  # type: ignore[arg-type]


def _parse(kind: str, source: str, value: Any) -> Any:
    query = {"v": value} if source == "q" else {}
    body = {"v": value} if source == "b" else {}
    return parse_params(_route(kind, source), query, body, {})["v"]


@given(st.sampled_from(KINDS), st.sampled_from(["q", "b"]), json_values)
def test_coercion_gives_the_declared_type_or_a_400(kind: str, source: str, value: Any) -> None:
    assume(value is not None)  # absent: nothing reaches the frame
    if source == "q":
        value = value if isinstance(value, str) else str(value)  # queries are strings
    try:
        out = _parse(kind, source, value)
    except BadRequest as exc:
        assert "'v'" in exc.message  # the 400 names the parameter
        return
    expected = {"str": str, "bool": bool, "int": int, "object": dict, "array": list}
    if kind == "any":
        assert out == value
    else:
        assert isinstance(out, expected[kind])
    if kind == "int":
        assert not isinstance(out, bool) and abs(out) <= MAX_SAFE_INT


@given(st.integers())
def test_integers_from_a_query_round_trip_within_javascript_range(number: int) -> None:
    text = str(number)
    if abs(number) <= MAX_SAFE_INT:
        assert _parse("int", "q", text) == number
    else:
        with pytest.raises(BadRequest):
            _parse("int", "q", text)


@given(st.sampled_from(["true", "TRUE", "1", "yes", "on", "false", "0", "no", "Off"]))
def test_query_booleans(text: str) -> None:
    assert _parse("bool", "q", text) is (text.lower() in ("true", "1", "yes", "on"))


@given(st.booleans() | st.floats() | st.lists(st.integers(), max_size=2))
def test_body_ints_reject_other_types(value: Any) -> None:
    with pytest.raises(BadRequest):
        _parse("int", "b", value)


# -- URL policy ---------------------------------------------------------------------------------

ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)


@given(st.lists(ipv4 | ipv6, min_size=1, max_size=4))
def test_link_local_anywhere_in_the_answer_is_refused(addresses: list[str]) -> None:
    policy = UrlPolicy.from_lists([], [])
    bad = any(
        ipaddress.ip_address(a) in ipaddress.ip_network("169.254.0.0/16")
        or ipaddress.ip_address(a) in ipaddress.ip_network("fe80::/10")
        or a == "fd00:ec2::254"
        for a in addresses
    )
    try:
        policy.check("foundry.example", addresses)
        assert not bad
    except RelayError as exc:
        assert bad and exc.code == "FOUNDRY_URL_FORBIDDEN"


@given(st.lists(ipv4, min_size=1, max_size=4))
def test_allow_list_needs_every_address_inside(addresses: list[str]) -> None:
    policy = UrlPolicy.from_lists(["10.0.0.0/8"], [])
    inside = all(ipaddress.ip_address(a) in ipaddress.ip_network("10.0.0.0/8") for a in addresses)
    link_local = any(
        ipaddress.ip_address(a) in ipaddress.ip_network("169.254.0.0/16") for a in addresses
    )
    try:
        policy.check("foundry.lan", addresses)
        assert inside and not link_local
    except RelayError:
        assert not inside or link_local


@given(st.text(max_size=40))
def test_parse_foundry_url_accepts_only_http_urls_with_a_host(text: str) -> None:
    try:
        url, host = parse_foundry_url(text)
    except RelayError as exc:
        assert exc.code in ("FOUNDRY_URL_FORBIDDEN", "BAD_REQUEST")
        return
    assert url.startswith(("http://", "https://")) and host and host == host.lower()
