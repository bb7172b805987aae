from __future__ import annotations

import pytest

from foundry_relay.core.urlpolicy import UrlPolicy, parse_foundry_url
from foundry_relay.errors import RelayError


@pytest.mark.parametrize(
    "url", ["ftp://x", "javascript:alert(1)", "http://", "http://u:p@h/", "http://host:99999/"]
)
def test_bad_urls_are_forbidden(url: str) -> None:
    with pytest.raises(RelayError) as err:
        parse_foundry_url(url)
    assert err.value.code == "FOUNDRY_URL_FORBIDDEN"


def test_missing_url_is_bad_request() -> None:
    with pytest.raises(RelayError) as err:
        parse_foundry_url(None)
    assert err.value.code == "BAD_REQUEST"


def test_defaults_allow_loopback_and_private_deny_link_local_and_metadata() -> None:
    policy = UrlPolicy.from_lists([], [])
    policy.check("127.0.0.1", ["127.0.0.1"])
    policy.check("foundry.lan", ["192.168.1.20"])
    for host, addrs in [
        ("169.254.169.254", []),
        ("evil.example", ["169.254.169.254"]),
        ("metadata.google.internal", ["10.0.0.1"]),
        ("x", ["fd00:ec2::254"]),
    ]:
        with pytest.raises(RelayError) as err:
            policy.check(host, addrs)
        assert err.value.code == "FOUNDRY_URL_FORBIDDEN"


def test_allow_list_admits_only_listed() -> None:
    policy = UrlPolicy.from_lists(["10.0.0.0/8", "foundry.example.com"], ["10.9.9.9"])
    policy.check("10.1.2.3", ["10.1.2.3"])
    policy.check("foundry.example.com", [])
    for host, addrs in [
        ("127.0.0.1", ["127.0.0.1"]),
        ("10.9.9.9", ["10.9.9.9"]),
        ("other.example.com", ["10.1.1.1", "8.8.8.8"]),
    ]:
        with pytest.raises(RelayError):
            policy.check(host, addrs)
