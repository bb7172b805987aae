"""The relay's RSA key for handshakes, generated off the request path.

One 3072-bit instance key is generated in a worker thread at start-up and rotated in the
background; the nonce binds each ciphertext to one handshake, and each handshake keeps the key it
was issued with, so rotation never breaks an outstanding handshake.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..core.handshake import RSA_BITS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyPair:
    private_key: rsa.RSAPrivateKey
    public_pem: str


def generate_keypair(bits: int = RSA_BITS) -> KeyPair:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private, pem.decode("ascii"))


class KeyPool:
    def __init__(self, *, rotate_seconds: float = 3600.0) -> None:
        self.rotate_seconds = rotate_seconds
        self._current: KeyPair | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="keypool")

    async def _run(self) -> None:
        while True:
            pair = await asyncio.to_thread(generate_keypair)
            self._current = pair
            self._ready.set()
            log.debug("handshake key rotated")
            await asyncio.sleep(self.rotate_seconds)

    async def current(self) -> KeyPair:
        if self._current is None:
            await self._ready.wait()
        assert self._current is not None
        return self._current

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
