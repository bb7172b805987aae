"""Handshake rules and the password envelope (pure; a real RSA key)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_relay.core.handshake import (
    Handshake,
    InProcessHandshakeStore,
    open_envelope,
    seal_envelope,
)
from foundry_relay.errors import RelayError
from foundry_relay.server.keypool import KeyPair, generate_keypair

PAIR: KeyPair = generate_keypair()


def make(
    store: InProcessHandshakeStore,
    key: str = "k1",
    *,
    now: float = 0.0,
    ttl: float = 300,
    cap: int = 10,
) -> Handshake:
    return store.create(
        key_id=key,
        foundry_url="http://f",
        username="GM",
        world_name=None,
        private_key=PAIR.private_key,
        public_pem=PAIR.public_pem,
        now=now,
        ttl=ttl,
        max_pending=cap,
    )


def test_key_is_3072_bit_spki_pem() -> None:
    assert PAIR.public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert PAIR.private_key.key_size == 3072


def test_token_and_nonce_shapes() -> None:
    hs = make(InProcessHandshakeStore())
    assert len(hs.token) == 64 and int(hs.token, 16) >= 0 and hs.token == hs.token.lower()
    assert len(hs.nonce) == 32 and int(hs.nonce, 16) >= 0


def test_one_use_owner_bound_and_expiring() -> None:
    store = InProcessHandshakeStore()
    hs = make(store)
    with pytest.raises(RelayError) as err:
        store.consume(hs.token, "k2", 1.0)  # another key: same as unknown
    assert err.value.code == "HANDSHAKE_INVALID"
    assert store.consume(hs.token, "k1", 1.0) is hs
    with pytest.raises(RelayError):
        store.consume(hs.token, "k1", 1.0)  # replay
    old = make(store, now=0.0, ttl=5)
    with pytest.raises(RelayError):
        store.consume(old.token, "k1", 5.0)  # expired


def test_pending_cap_and_sweep() -> None:
    store = InProcessHandshakeStore()
    for _ in range(3):
        make(store, cap=3, ttl=10)
    with pytest.raises(RelayError) as err:
        make(store, cap=3, ttl=10)
    assert err.value.code == "HANDSHAKE_LIMIT" and err.value.status == 429
    make(store, key="other", cap=3)
    make(store, cap=0)  # 0 = no cap
    assert store.sweep(11.0) == 3  # the two 300 s ones stay
    assert store.pending("k1", 11.0) == 1
    make(store, now=11.0, cap=3)


def test_envelope_roundtrip_with_admin_password_and_sha1_fallback() -> None:
    hs = make(InProcessHandshakeStore())
    sealed = seal_envelope(hs.public_pem, password="pw", nonce=hs.nonce, admin_password="adm")
    creds = open_envelope(hs, sealed)
    assert (creds.password, creds.admin_password) == ("pw", "adm")
    assert "pw" not in repr(creds)
    legacy = seal_envelope(hs.public_pem, password="", nonce=hs.nonce, sha1=True)
    assert open_envelope(hs, legacy).password == ""


def test_wrong_nonce_is_401() -> None:
    hs = make(InProcessHandshakeStore())
    sealed = seal_envelope(hs.public_pem, password="pw", nonce="0" * 32)
    with pytest.raises(RelayError) as err:
        open_envelope(hs, sealed)
    assert err.value.code == "NONCE_MISMATCH" and err.value.status == 401


def test_payload_shapes_are_decrypt_failed() -> None:
    hs = make(InProcessHandshakeStore())
    pub = PAIR.private_key.public_key()
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    for payload in (
        b"not json",
        b"[1,2]",
        json.dumps({"password": 1, "nonce": hs.nonce}).encode(),
        json.dumps({"password": "x", "nonce": hs.nonce, "adminPassword": 5}).encode(),
    ):
        blob = base64.b64encode(pub.encrypt(payload, oaep)).decode()
        with pytest.raises(RelayError) as err:
            open_envelope(hs, blob)
        assert err.value.code == "DECRYPT_FAILED"


def test_over_long_payload_refused_by_client_side() -> None:
    with pytest.raises(ValueError, match="at most"):
        seal_envelope(PAIR.public_pem, password="x" * 400, nonce="n" * 32)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=600).map(lambda b: base64.b64encode(b).decode()), st.text(max_size=600)
    )
)
def test_random_input_only_raises_spec_errors(blob: str) -> None:
    hs = make(InProcessHandshakeStore())
    with pytest.raises(RelayError) as err:
        open_envelope(hs, blob)
    assert err.value.code in ("DECRYPT_FAILED", "NONCE_MISMATCH")
    assert err.value.status in (400, 401)
