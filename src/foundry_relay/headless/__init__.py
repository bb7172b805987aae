"""Headless sessions, the I/O side (SPEC 4): the service that launches and ends them, one live
record per session, the Foundry URL guard and the world's pairing step."""

from .live import Diagnostics, Holdings, LiveSession
from .service import HeadlessService

__all__ = ["Diagnostics", "HeadlessService", "Holdings", "LiveSession"]
