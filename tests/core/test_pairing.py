"""Pairing rules: relay URLs as the module compares them, and the headless start's verdict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_relay.core.pairing import (
    WorldPairing,
    canonical_relay_url,
    decide,
    is_own,
    to_ws_url,
    ws_origin,
)

OWN = ["ws://127.0.0.1:3010", "ws://localhost:3010", "wss://relay.example.org"]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("ws://127.0.0.1:3010", "ws://127.0.0.1:3010"),
        ("ws://127.0.0.1:3010/", "ws://127.0.0.1:3010"),
        ("ws://127.0.0.1:3010/relay", "ws://127.0.0.1:3010"),
        ("ws://127.0.0.1:3010/relay/", "ws://127.0.0.1:3010"),
        ("http://127.0.0.1:3010", "ws://127.0.0.1:3010"),
        ("WSS://Relay.Example.org:443/relay", "wss://relay.example.org"),
        ("https://relay.example.org/prefix/relay", "wss://relay.example.org/prefix"),
        ("ws://[::1]:3010", "ws://[::1]:3010"),
        ("ftp://x", None),
        ("not a url", None),
        ("", None),
        (None, None),
        ("ws://host:99999", None),
    ],
)
def test_canonical_relay_url(url: str | None, canonical: str | None) -> None:
    assert canonical_relay_url(url) == canonical


def test_helpers() -> None:
    assert ws_origin("wss://relay.example.org/prefix/relay") == "wss://relay.example.org"
    assert to_ws_url("https://relay.example.org/") == "wss://relay.example.org"
    assert to_ws_url("http://127.0.0.1:3010") == "ws://127.0.0.1:3010"
    assert is_own("http://localhost:3010/relay", OWN)
    assert not is_own("ws://127.0.0.1:3011", OWN)


@pytest.mark.parametrize(
    ("ws", "client", "pinned", "verdict", "other", "fix"),
    [
        ("wss://foundryrestapi.com", "", "", "unpaired", None, False),
        ("ws://127.0.0.1:3010", "", "", "unpaired", None, False),
        ("ws://127.0.0.1:3010", "fvtt_1", "", "here", None, False),
        ("ws://127.0.0.1:3010", "fvtt_1", "ws://127.0.0.1:3010", "here", None, False),
        ("ws://127.0.0.1:3010", "fvtt_1", "ws://127.0.0.1:3010/relay", "here", None, True),
        ("wss://foundryrestapi.com", "fvtt_1", "", "elsewhere", "wss://foundryrestapi.com", False),
        (
            "ws://127.0.0.1:3010",
            "fvtt_1",
            "wss://foundryrestapi.com",
            "elsewhere",
            "wss://foundryrestapi.com",
            False,
        ),
        (
            "wss://other.example",
            "fvtt_1",
            "ws://127.0.0.1:3010",
            "elsewhere",
            "wss://other.example",
            False,
        ),
    ],
)
def test_decide(ws: str, client: str, pinned: str, verdict: str, other: str | None, fix: bool):
    decision = decide(WorldPairing(ws, client, pinned), OWN)
    assert (decision.verdict, decision.other_url, decision.fix_pin) == (verdict, other, fix)


@given(st.text(max_size=40), st.text(max_size=12), st.text(max_size=40))
def test_decide_is_total_and_never_calls_a_foreign_relay_here(ws: str, client: str, pinned: str):
    decision = decide(WorldPairing(ws, client, pinned), OWN)
    if decision.verdict == "here":
        assert client and is_own(ws, OWN) and (not pinned or is_own(pinned, OWN))
    if decision.verdict == "unpaired":
        assert not client
