"""Client library for a foundry-relay (or a wire-compatible relay).

``AsyncRelayClient`` and ``RelayClient`` (sync, generated from the async one) speak the REST
API over httpx, with a typed method per route. ``start_session`` does the whole headless start:
handshake, RSA-OAEP encryption of the password with the relay's public key, and
``/start-session``. Errors are :class:`RelayClientError` carrying the SPEC's ``code`` and the
HTTP status.

Example::

    with RelayClient("http://127.0.0.1:3010", api_key) as relay:
        session = relay.start_session(foundry_url="http://foundry:30000",
                                      username="Gamemaster", password=secret, world="my-world")
        print(relay.roll("2d20kh1+5", client_id=session.client_id))
        relay.end_session(session.session_id)

    async for event in AsyncRelayClient(url, api_key).subscribe("rolls", client_id=world):
        print(event.name, event.data)
"""

from ._async import AsyncRelayClient
from ._sync import RelayClient
from .common import (
    ClientList,
    Handshake,
    ModuleReply,
    RelayClientError,
    RelayStatus,
    Request,
    SessionEnded,
    SessionInfo,
    SessionList,
    SessionLog,
    StreamEvent,
)

__all__ = [
    "AsyncRelayClient",
    "ClientList",
    "Handshake",
    "ModuleReply",
    "RelayClient",
    "RelayClientError",
    "RelayStatus",
    "Request",
    "SessionEnded",
    "SessionInfo",
    "SessionList",
    "SessionLog",
    "StreamEvent",
]
